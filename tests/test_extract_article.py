"""extract_article on two small inline page layouts (ASP.NET-like A, Liferay-like B)."""

from __future__ import annotations

import unicodedata

from crawler.extract import extract_article, is_soft_404, select
from crawler.extract.page import make_selector
from crawler.profile_model import ArticleRules

URL_A = "https://sldtbxh.example.gov.vn/Pages/tin-tuc/chi-tiet.aspx?ItemID=123"
URL_B = "https://example.gov.vn/web/guest/tin-tuc/-/asset_publisher/abc/content/tin-moi"

SIDEBAR_A = """
<div class="sidebar">
  <h3>Các tin khác</h3>
  <ul>
    <li><a href="/tin/1.aspx">Hội nghị tổng kết năm 2020 (20/12/2020)</a></li>
    <li><span class="date">19/12/2020</span></li>
  </ul>
  <a href="/files/bao-cao-thuong-nien.pdf">Báo cáo thường niên</a>
  <div class="counter"><h3>Thống kê truy cập</h3>
    <p>Đang truy cập: 125</p><p>Tổng lượt truy cập: 1.234.567</p>
  </div>
</div>
"""

PAGE_A = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sở LĐTBXH - Tin tức</title>
<script>var views = 1234;</script></head>
<body>
<form id="aspnetForm"><input type="hidden" name="__VIEWSTATE" value="abc"></form>
<div class="content">
  <h1 class="tandan-title">Hội nghị triển khai nhiệm vụ năm 2021</h1>
  <span class="tandan-span-date-publish">Ngày cập nhật 24/01/2021</span>
  <p class="tandan-p-article-news-summary">Sở tổ chức hội nghị triển khai nhiệm vụ.</p>
  <div class="ms-rtestate-field">
    <p>Chiều ngày (15/1), Sở Lao động – Thương binh và Xã hội tổ chức hội nghị.</p>
    <p>Hội nghị đã thống nhất <b>nhiều</b> nội dung quan trọng.</p>
    <script>trackView();</script>
    <div class="share">Chia sẻ: Facebook</div>
    <p style="text-align: right;"><strong>Ngô Thị Nguyệt Ánh</strong></p>
  </div>
</div>
{SIDEBAR_A}
</body></html>"""

RULES_A = ArticleRules(
    url_pattern=r"ItemID=(?P<id>\d+)",
    title="h1.tandan-title",
    date="span.tandan-span-date-publish",
    summary="p.tandan-p-article-news-summary",
    body="div.ms-rtestate-field",
    drop=("div.share",),
)


def page_b(tail: str, *, nfd: bool = False) -> str:
    body = f"""
      <p>Ngày 20/7/2022, UBND huyện Hòa An tổ chức lễ ra m&#7855;t.</p>
      <p>Xem chi tiết: <a href="/documents/10181/Ke-hoach.PDF">Kế hoạch</a>,
         <a href="/documents/10181/Ke-hoach.PDF">Kế hoạch (bản sao)</a>,
         <a href="bieu-mau.docx?v=2">Biểu mẫu</a>, <a href="/tin/khac.html">tin khác</a></p>
      {tail}"""
    if nfd:
        body = unicodedata.normalize("NFD", body)
    return f"""<html><head><title>Cổng TTĐT</title></head><body>
    <div class="journal-content-article">
      <h3 class="header-title">Lễ ra mắt mô hình   mới</h3>
      <div class="assetPublishDate block_timer">21/07/2022 | 10:00 AM</div>
      <div class="article-summary">Tóm tắt&nbsp;bài viết.</div>
      <div class="breadcrumb"><span class="cat">Tin địa phương</span></div>
      <div class="article-content">{body}</div>
    </div>
    <div class="portlet"><h2>Thống kê truy cập</h2><span>Hôm nay: 345</span></div>
    </body></html>"""


RULES_B = ArticleRules(
    url_pattern=r"content/(?P<id>[\w-]+)",
    title="div.journal-content-article h3.header-title",
    date="div.assetPublishDate.block_timer",
    summary="div.article-summary",
    body="div.article-content",
    category="span.cat",
)


def all_fields(article) -> str:
    return " ".join(
        str(v)
        for v in (
            article.title,
            article.date,
            article.author,
            article.source,
            article.summary,
            article.body,
            article.category,
            article.attachments,
        )
    )


# ---- layout A -------------------------------------------------------------------------


def test_title_a():
    assert extract_article(PAGE_A, URL_A, RULES_A).title == "Hội nghị triển khai nhiệm vụ năm 2021"


def test_date_a_date_only():
    article = extract_article(PAGE_A, URL_A, RULES_A)
    assert article.date == "2021-01-24"
    assert article.datetime is None


def test_summary_a():
    assert extract_article(PAGE_A, URL_A, RULES_A).summary == (
        "Sở tổ chức hội nghị triển khai nhiệm vụ."
    )


def test_author_a_bare_name_removed_from_body():
    article = extract_article(PAGE_A, URL_A, RULES_A)
    assert article.author == "Ngô Thị Nguyệt Ánh"
    assert "Ngô Thị" not in article.body
    assert "Ngô Thị" not in article.body_html


def test_body_a_paragraphs():
    article = extract_article(PAGE_A, URL_A, RULES_A)
    assert article.body == (
        "Chiều ngày (15/1), Sở Lao động – Thương binh và Xã hội tổ chức hội nghị.\n\n"
        "Hội nghị đã thống nhất nhiều nội dung quan trọng."
    )
    assert article.source is None
    assert article.warnings == []


def test_body_html_a_is_clean():
    html = extract_article(PAGE_A, URL_A, RULES_A).body_html
    assert "<b>nhiều</b>" in html
    assert "trackView" not in html and "<script" not in html
    assert "Chia sẻ" not in html  # drop


def test_drop_removes_from_body_text():
    without_drop = extract_article(PAGE_A, URL_A, ArticleRules(**{**RULES_A.__dict__, "drop": ()}))
    assert "Chia sẻ: Facebook" in without_drop.body
    assert "Chia sẻ" not in extract_article(PAGE_A, URL_A, RULES_A).body


def test_counters_and_sidebar_never_reach_fields():
    text = all_fields(extract_article(PAGE_A, URL_A, RULES_A))
    for noise in ("Các tin khác", "Thống kê", "125", "1.234.567", "VIEWSTATE", "views"):
        assert noise not in text


def test_sidebar_pdf_is_not_an_attachment():
    assert extract_article(PAGE_A, URL_A, RULES_A).attachments == []


def test_heuristic_date_ignores_body_date():
    # No date selector and no labelled date: the body's "20/7/2022"-style dates and the
    # sidebar's must not win over the header's short date text.
    page = PAGE_A.replace("Ngày cập nhật 24/01/2021", "24/01/2021 08:30")
    page = page.replace("Chiều ngày (15/1)", "Ngày 10/01/2021")
    article = extract_article(page, URL_A, ArticleRules(**{**RULES_A.__dict__, "date": ""}))
    assert article.date == "2021-01-24"
    assert article.datetime == "2021-01-24T08:30:00+07:00"


def test_heuristic_labelled_date_without_selector():
    article = extract_article(PAGE_A, URL_A, ArticleRules(**{**RULES_A.__dict__, "date": ""}))
    assert article.date == "2021-01-24"


def test_heuristic_never_takes_date_from_body():
    page = PAGE_A.replace(
        '<span class="tandan-span-date-publish">Ngày cập nhật 24/01/2021</span>', ""
    ).replace("Chiều ngày (15/1)", "Ngày đăng 10/01/2021")
    page = page.replace("(20/12/2020)", "").replace("19/12/2020", "")
    article = extract_article(page, URL_A, ArticleRules(**{**RULES_A.__dict__, "date": ""}))
    assert article.date is None
    assert "date missing" in article.warnings


def test_xpath_selectors():
    rules = ArticleRules(
        title="xpath://h1[@class='tandan-title']",
        date="xpath://span[contains(@class, 'date-publish')]",
        body="xpath://div[@class='ms-rtestate-field']",
        drop=("xpath:.//div[@class='share']",),
    )
    article = extract_article(PAGE_A, URL_A, rules)
    assert article.title == "Hội nghị triển khai nhiệm vụ năm 2021"
    assert article.date == "2021-01-24"
    assert article.author == "Ngô Thị Nguyệt Ánh"
    assert "Chia sẻ" not in article.body


def test_select_helper_css_and_xpath():
    sel = make_selector(PAGE_A)
    assert select(sel, "h1.tandan-title::text").get() == "Hội nghị triển khai nhiệm vụ năm 2021"
    assert len(select(sel, "xpath://h1")) == 1
    assert len(select(sel, "")) == 0


def test_title_selector_finding_nothing_falls_back_to_the_printed_headline():
    article = extract_article(PAGE_A, URL_A, ArticleRules(**{**RULES_A.__dict__, "title": "h9"}))
    assert article.title == "Hội nghị triển khai nhiệm vụ năm 2021"  # not <title>
    assert article.sources["title"] == "generic"
    assert "title selector found nothing" in article.warnings


def test_explicit_author_selector_and_identical_last_paragraph():
    page = PAGE_A.replace(
        '<div class="content">', '<div class="content"><span class="by">Tác giả: Minh Anh</span>'
    ).replace("<strong>Ngô Thị Nguyệt Ánh</strong>", "<strong>Minh Anh</strong>")
    article = extract_article(page, URL_A, ArticleRules(**{**RULES_A.__dict__, "author": ".by"}))
    assert article.author == "Minh Anh"
    assert "Minh Anh" not in article.body
    assert "Minh Anh" not in article.body_html


def test_author_selector_inside_body_is_removed():
    page = PAGE_A.replace(
        "<strong>Ngô Thị Nguyệt Ánh</strong>", '<em class="tacgia">Bài: Minh Anh</em>'
    )
    rules = ArticleRules(**{**RULES_A.__dict__, "author": "em.tacgia"})
    article = extract_article(page, URL_A, rules)
    assert article.author == "Minh Anh"
    assert "Minh Anh" not in article.body


# ---- layout B -------------------------------------------------------------------------


def test_date_b_with_time():
    article = extract_article(page_b("<p>(Nguồn: Báo Hòa An)</p>"), URL_B, RULES_B)
    assert article.date == "2022-07-21"
    assert article.datetime == "2022-07-21T10:00:00+07:00"


def test_title_summary_category_b():
    article = extract_article(page_b("<p>(Nguồn: Báo Hòa An)</p>"), URL_B, RULES_B)
    assert article.title == "Lễ ra mắt mô hình mới"
    assert article.summary == "Tóm tắt bài viết."
    assert article.category == "Tin địa phương"


def test_source_b():
    article = extract_article(page_b("<p>(Nguồn: Báo Hòa An)</p>"), URL_B, RULES_B)
    assert article.source == "Báo Hòa An"
    assert article.author is None
    assert "Nguồn" not in article.body and "Nguồn" not in article.body_html


def test_author_prefix_b():
    article = extract_article(page_b("<p>Tin, ảnh: Trần Văn Hùng</p>"), URL_B, RULES_B)
    assert article.author == "Trần Văn Hùng"
    assert article.source is None
    assert not article.body.endswith("Hùng")


def test_author_and_source_b():
    tail = "<p>Tin, ảnh: Trần Văn Hùng</p><p>Nguồn: Báo Hòa An</p>"
    article = extract_article(page_b(tail), URL_B, RULES_B)
    assert (article.author, article.source) == ("Trần Văn Hùng", "Báo Hòa An")


def test_attachments_b_absolute_dedup_in_order():
    article = extract_article(page_b("<p>(Nguồn: Báo Hòa An)</p>"), URL_B, RULES_B)
    assert article.attachments == [
        "https://example.gov.vn/documents/10181/Ke-hoach.PDF",
        "https://example.gov.vn/web/guest/tin-tuc/-/asset_publisher/abc/content/bieu-mau.docx?v=2",
    ]


def test_in_body_date_not_taken_b():
    rules = ArticleRules(**{**RULES_B.__dict__, "date": ""})
    article = extract_article(page_b(""), URL_B, rules)
    assert article.date == "2022-07-21"  # from the header, not "Ngày 20/7/2022" in the body


def test_entities_and_nfd_come_out_nfc():
    article = extract_article(page_b("<p>Tin: Trần Văn Hùng</p>", nfd=True), URL_B, RULES_B)
    assert "ra mắt" in article.body
    assert "&#" not in article.body
    for value in (article.body, article.body_html, article.author):
        assert unicodedata.is_normalized("NFC", value)
    assert article.author == "Trần Văn Hùng"


def test_counters_never_reach_fields_b():
    text = all_fields(extract_article(page_b(""), URL_B, RULES_B))
    assert "Thống kê" not in text and "345" not in text


def test_bytes_input_with_meta_charset():
    html = page_b("").replace("<head>", '<head><meta charset="windows-1258">')
    raw = html.encode("utf-8")
    article = extract_article(raw, URL_B, RULES_B, encoding="utf-8")
    assert article.title == "Lễ ra mắt mô hình mới"
    assert extract_article(PAGE_A.encode("utf-8"), URL_A, RULES_A).author == "Ngô Thị Nguyệt Ánh"


def test_bytes_input_legacy_encoding():
    html = "<html><head><meta charset='utf-16'></head><body><h1>Tiếng Việt</h1></body></html>"
    article = extract_article(html.encode("utf-16"), URL_B, ArticleRules(title="h1"))
    assert article.title == "Tiếng Việt"


def test_a_utf8_header_over_windows_1258_bytes_believes_the_meta_charset():
    # Real portals serving windows-1258 with a header saying UTF-8: the bytes cannot be
    # UTF-8, so the page's own <meta charset> decides (crawler/extract/page.py).
    from demo_portal.misbehave import encode_cp1258

    html = page_b("").replace("<head>", '<head><meta charset="windows-1258">')
    raw = encode_cp1258(html)
    assert b"\xe2" in raw  # windows-1258 bytes (â), not UTF-8
    article = extract_article(raw, URL_B, RULES_B, encoding="utf-8")
    assert article.title == "Lễ ra mắt mô hình mới"


def test_a_utf8_header_over_utf8_bytes_with_a_bom():
    html = "\ufeff<html><body><h1>Tiếng Việt</h1></body></html>"
    article = extract_article(html.encode("utf-8"), URL_B, ArticleRules(title="h1"), "UTF-8")
    assert article.title == "Tiếng Việt"


# ---- robustness and soft 404 ----------------------------------------------------------


def test_a_page_nested_as_deep_as_lxml_keeps_all_its_fields():
    """A thousand and more unclosed <font> (old editors left them): every walk over the
    page recurses once per level, and lxml keeps up to 2,047 levels."""
    import subprocess
    import sys

    from crawler.extract.page import DEEPEST_TREE

    # In a fresh interpreter: the limit is raised by importing crawler.extract.page, and
    # this test must not pass thanks to a limit raised by others before it.
    code = f"""
import sys
assert sys.getrecursionlimit() == 1000
from crawler.extract import extract_article
from crawler.extract.page import make_selector
from crawler.listing import find_items
from crawler.urls import same_site_check
prose = "Sáng nay, Sở Y tế tổ chức hội nghị triển khai nhiệm vụ năm 2025 với các đơn vị. " * 3
links = "<a href='/tin/{{n}}'>Hội nghị tổng kết công tác năm 2024 của ngành y tế số {{n}}</a>"
html = ("<html><head><title>Hội nghị triển khai - Sở Y tế</title></head><body>"
        "<h1>Hội nghị triển khai nhiệm vụ năm 2025</h1><p>Ngày cập nhật 24/01/2025</p>"
        + "<font>" * {DEEPEST_TREE - 20} + ("<p>" + prose + "</p>") * 3
        + "".join(links.format(n=n) for n in range(2, 6)) + "</body></html>").encode()
article = extract_article(html, "https://x.gov.vn/tin/1", None, "utf-8")
assert article.title == "Hội nghị triển khai nhiệm vụ năm 2025", article.warnings
assert article.date == "2025-01-24" and article.body.count("Sáng nay") == 9
assert not article.warnings, article.warnings
items = find_items(make_selector(html, "utf-8"), "https://x.gov.vn/tin/1",
                   same_site_check(["x.gov.vn"]))
assert len(items) == 4, items
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_garbage_never_raises():
    for junk in ("", b"", "<<<>>>", b"\x00\xff\xfe", "<html><body><div", "x" * 10):
        article = extract_article(junk, URL_A, RULES_A)
        assert article.body == ""
        assert article.warnings


def test_missing_body_warns():
    article = extract_article(
        "<html><body><h1 class='tandan-title'>T</h1></body></html>", URL_A, RULES_A
    )
    assert article.title == "T"
    assert any("body missing" in w for w in article.warnings)


def test_soft_404_marker():
    rules = ArticleRules(title="h1", body="div.c", soft_404=("Không tìm thấy trang",))
    page = "<html><body><h1>Lỗi</h1><div class='c'>Không tìm thấy trang yêu cầu</div></body></html>"
    assert is_soft_404(page, rules)


def test_nothing_selected_is_not_a_soft_404_but_no_article_either():
    """Selectors finding nothing is a layout change, not a "not found" page; whether the
    page holds an article is the generic extractor's verdict."""
    page = "<html><body><p>Trang chủ</p></body></html>"
    assert not is_soft_404(page, RULES_A)
    article = extract_article(page, URL_A, RULES_A)
    assert article.no_article is not None
    assert "body selector found nothing" in article.warnings


def test_selectors_finding_nothing_on_an_article_page_fall_back_to_generic():
    longer = (
        "<p>Hội nghị đã thống nhất nhiều nội dung quan trọng về công tác lao động, việc làm "
        "và an sinh xã hội của tỉnh trong năm 2021, với các chỉ tiêu cụ thể cho từng huyện.</p>"
    )
    redesigned = (
        PAGE_A.replace("tandan-title", "post-heading")
        .replace("ms-rtestate-field", "post-body")
        .replace("<p>Hội nghị đã thống nhất <b>nhiều</b> nội dung quan trọng.</p>", longer * 2)
    )
    article = extract_article(redesigned, URL_A, RULES_A)
    assert article.no_article is None
    assert article.title == "Hội nghị triển khai nhiệm vụ năm 2021"
    assert "các chỉ tiêu cụ thể cho từng huyện." in article.body
    assert "Chia sẻ" not in article.body and "Các tin khác" not in article.body
    assert article.sources["title"] == article.sources["body"] == "generic"
    assert {"title selector found nothing", "body selector found nothing"} <= set(article.warnings)


def test_a_soft_404_text_ends_extraction_with_the_reason():
    rules = ArticleRules(**{**RULES_A.__dict__, "soft_404": ("Bài viết không tồn tại",)})
    page = "<html><body><h1>Lỗi</h1><p>Bài viết không tồn tại hoặc đã bị xóa.</p></body></html>"
    article = extract_article(page, URL_A, rules)
    assert is_soft_404(page, rules)
    assert "Bài viết không tồn tại" in (article.no_article or "")


def test_not_soft_404_for_article():
    rules = ArticleRules(**{**RULES_A.__dict__, "soft_404": ("Không tìm thấy",)})
    assert not is_soft_404(PAGE_A, rules)


def test_heuristic_skips_short_ancestor_of_body():
    page = (
        "<html><body><div><h1>T</h1><div class='b'><p>Ngày 10/01/2021</p></div></div></body></html>"
    )
    article = extract_article(page, URL_A, ArticleRules(title="h1", body="div.b"))
    assert article.date is None


def test_heuristic_skips_sidebar_link_dates():
    page = (
        "<html><body><h1>T</h1><div class='b'><p>Nội dung.</p></div>"
        "<ul><li><a href='/x'>Tin cũ</a> (20/12/2020)</li></ul></body></html>"
    )
    assert extract_article(page, URL_A, ArticleRules(title="h1", body="div.b")).date is None


def test_heuristic_meta_published_time():
    page = (
        "<html><head><meta property='article:published_time' content='2021-01-24T01:30:00Z'>"
        "</head><body><h1>T</h1><div class='b'><p>Nội dung.</p></div></body></html>"
    )
    article = extract_article(page, URL_A, ArticleRules(title="h1", body="div.b"))
    assert article.datetime == "2021-01-24T08:30:00+07:00"


def test_date_format_from_rules():
    rules = ArticleRules(**{**RULES_B.__dict__, "date_format": "%d/%m/%Y | %I:%M %p"})
    article = extract_article(page_b(""), URL_B, rules)
    assert article.datetime == "2022-07-21T10:00:00+07:00"


def test_br_separated_paragraphs_and_byline():
    page = (
        "<html><body><h1>T</h1><div class='b'>Đoạn một.<br>Đoạn hai.<br><br>"
        "Phạm Minh Tuấn</div></body></html>"
    )
    article = extract_article(page, URL_A, ArticleRules(title="h1", body="div.b"))
    assert article.body == "Đoạn một.\n\nĐoạn hai."
    assert article.author == "Phạm Minh Tuấn"
    assert "Phạm Minh Tuấn" not in article.body_html


def test_nested_blocks_not_double_counted_and_table_rows():
    page = (
        "<html><body><h1>T</h1><div class='b'><div><p>Một</p>Hai<div>Ba</div></div>"
        "<table><tr><td>Ô 1</td><td>Ô 2</td></tr></table><ul><li>Bốn</li></ul></div>"
        "</body></html>"
    )
    article = extract_article(page, URL_A, ArticleRules(title="h1", body="div.b"))
    assert article.body.split("\n\n") == ["Một", "Hai", "Ba", "Ô 1 Ô 2", "Bốn"]


def test_body_html_has_no_event_handlers_or_comments():
    page = (
        "<html><body><div class='b'><p onclick='x()'>Nội dung<!-- ghi chú --></p>"
        "<iframe src='//ads'></iframe><p style='display:none'>ẩn</p></div></body></html>"
    )
    article = extract_article(page, URL_A, ArticleRules(body="div.b"))
    assert article.body == "Nội dung"
    for bad in ("onclick", "ghi chú", "iframe", "ẩn"):
        assert bad not in article.body_html
