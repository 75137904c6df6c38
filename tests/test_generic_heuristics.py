"""The generic extractor's heuristics one by one (crawler/extract/generic/), each on a small
page built to show the one thing it decides."""

from __future__ import annotations

from crawler.extract import extract_article
from crawler.extract.generic import GenericExtractor
from crawler.extract.generic.blocks import BAD, GOOD, NEUTRAL, blocks
from crawler.extract.generic.verdict import no_article_reason
from crawler.extract.page import make_selector
from crawler.extract.vietnamese.stopwords import stopword_density

PROSE = (
    "Sở Lao động - Thương binh và Xã hội đã tổ chức hội nghị tổng kết công tác năm 2023 và "
    "triển khai nhiệm vụ năm 2024, với sự tham dự của các phòng, ban và đơn vị trực thuộc."
)
URL = "https://so.example.gov.vn/tin-tuc/hoi-nghi-123.html"


def page(body: str, title: str = "Hội nghị tổng kết năm 2023 - Sở LĐTBXH") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def kinds(html: str) -> list[tuple[str, int]]:
    found, _ = blocks(make_selector(html).root)
    return [(b.text, b.kind) for b in found]


# ---------------------------------------------------------------- blocks


def test_stop_word_density_tells_prose_from_labels() -> None:
    menu = stopword_density("Trang chủ Giới thiệu Tin tức sự kiện Văn bản pháp quy")
    assert stopword_density(PROSE) > 0.2
    assert menu < stopword_density(PROSE) * 0.7


def test_prose_is_good_links_are_bad_labels_are_neutral() -> None:
    linked = PROSE[:90]
    found = kinds(
        page(
            f"<p>{PROSE}</p><ul><li><a href='/a'>{linked}</a></li></ul><p>Ngày đăng: 24/01/2024</p>"
        )
    )
    assert found == [(PROSE, GOOD), (linked, BAD), ("Ngày đăng: 24/01/2024", NEUTRAL)]


def test_a_sentence_full_of_figures_is_prose() -> None:
    line = "Tỷ lệ hộ nghèo toàn tỉnh giảm còn 2,35%, vượt 0,5% so với kế hoạch năm 2023."
    assert kinds(page(f"<p>{line}</p>")) == [(line, GOOD)]


def test_text_in_a_box_named_as_boilerplate_is_bad() -> None:
    found = kinds(page(f"<div class='box-tin-lien-quan'><p>{PROSE}</p></div><p>{PROSE}</p>"))
    assert [kind for _, kind in found] == [BAD, GOOD]


def test_a_main_column_misnamed_sidebar_is_not_boilerplate() -> None:
    """VnExpress calls its main column "sidebar-1": most of the page's prose is in it."""
    found = kinds(page(f"<div class='sidebar-1'>{('<p>' + PROSE + '</p>') * 4}</div>"))
    assert {kind for _, kind in found} == {GOOD}


def test_a_footer_holding_the_only_prose_is_still_a_footer() -> None:
    html = page(f"<ul><li><a href='/x'>Tin</a></li></ul><div id='footer'><p>{PROSE}</p></div>")
    assert {kind for _, kind in kinds(html)} == {BAD}


def test_hidden_elements_and_bare_landmarks() -> None:
    """What is hidden is no text, inline or block, with or without children; a landmark
    without any attribute (a bare <aside>) is boilerplate by its tag alone."""
    html = page(
        f"<p>{PROSE}<span hidden>ẩn <b>đậm</b></span><em style='display:none'>x</em></p>"
        f"<div aria-hidden='true'><p>{PROSE} ẩn</p></div><aside><p>{PROSE}</p></aside>"
    )
    assert kinds(html) == [(PROSE, GOOD), (PROSE, BAD)]


# ---------------------------------------------------------------- container and prune


ARTICLE = f"""
<div class="header"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>
<div class="col-left"><div class="detail">
  <h1>Hội nghị tổng kết năm 2023</h1><div class="time">Thứ Hai, 24/01/2024 08:30</div>
  <div class="share"><a href="https://facebook.com/x">Chia sẻ</a></div>
  <p>{PROSE}</p><p>{PROSE} Hội nghị diễn ra trong một ngày.</p>
  <figure><img src="/a.jpg"><figcaption>Quang cảnh hội nghị.</figcaption></figure>
  <p>{PROSE} Các đại biểu đã thảo luận.</p>
  <h3>Các tin khác</h3>
  <ul><li><a href="/1">Sở tổ chức hội nghị về công tác cải cách hành chính năm 2024</a></li>
      <li><a href="/2">Sở triển khai kế hoạch đào tạo nghề cho lao động nông thôn năm 2024</a></li>
      <li><a href="/3">Sở kiểm tra việc chi trả trợ cấp cho người có công</a></li></ul>
  <p style="text-align:right"><strong>Thanh Thúy</strong></p>
</div></div>
<div class="col-right"><h2>Tin xem nhiều</h2><ul>
  <li><a href="/4">Một bài viết khác được xem nhiều nhất trong tuần qua của Sở</a></li></ul></div>
"""


def test_the_container_is_the_box_of_the_text() -> None:
    generic = GenericExtractor(make_selector(page(ARTICLE)))
    assert generic.container is not None and generic.container.get("class") == "detail"


def test_pruning_keeps_the_text_only() -> None:
    article = extract_article(page(ARTICLE), URL)
    body = article.body
    assert body.count(PROSE) == 3
    for junk in ("Chia sẻ", "Quang cảnh", "Các tin khác", "cải cách hành chính", "Tin xem nhiều",
                 "Hội nghị tổng kết năm 2023\n", "24/01/2024"):  # fmt: skip
        assert junk not in body


def test_headline_is_the_printed_one_not_the_title_tag() -> None:
    assert extract_article(page(ARTICLE), URL).title == "Hội nghị tổng kết năm 2023"


def test_headline_when_the_title_tag_is_only_the_site_name() -> None:
    html = page(ARTICLE.replace("<h1>", "<div class='tieude'>").replace("</h1>", "</div>"),
                title="SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI")  # fmt: skip
    assert extract_article(html, URL).title == "Hội nghị tổng kết năm 2023"


def test_date_and_time_from_the_header_zone_not_the_text() -> None:
    html = page(ARTICLE.replace(PROSE + " Hội nghị", "Ngày 15/12/2023, hội nghị"))
    article = extract_article(html, URL)
    assert article.datetime == "2024-01-24T08:30:00+07:00"


def test_styles_are_read_only_for_a_bare_last_line(monkeypatch) -> None:
    """The body's styles (what sets a pen name apart) are read when the last line could
    be one, not for a body that ends with a sentence."""
    from crawler.extract import body

    calls = []
    real = body.styled_lines
    monkeypatch.setattr(body, "styled_lines", lambda *a: calls.append(1) or real(*a))
    assert extract_article(page(ARTICLE), URL).author == "Thanh Thúy"
    assert calls == [1]
    ending = ARTICLE.replace('<p style="text-align:right"><strong>Thanh Thúy</strong></p>', "")
    assert "Thanh Thúy" in ARTICLE and "Thanh Thúy" not in ending
    assert extract_article(page(ending), URL).author is None
    assert calls == [1]


def test_pen_name_set_apart_at_the_end_is_the_author() -> None:
    article = extract_article(page(ARTICLE), URL)
    assert article.author == "Thanh Thúy"
    assert "Thanh Thúy" not in article.body


def test_a_bare_pen_name_in_running_text_style_is_not_an_author() -> None:
    html = page(ARTICLE.replace('<p style="text-align:right"><strong>Thanh Thúy</strong></p>',
                                "<p>Thanh Thúy</p>"))  # fmt: skip
    assert extract_article(html, URL).author is None


def test_lead_by_name_h2_or_bold_first_paragraph() -> None:
    lead = (
        "Sáng 24/1, Sở Lao động - Thương binh và Xã hội tổ chức hội nghị tổng kết công tác "
        "năm 2023."
    )
    for markup in (f"<p class='sapo'>{lead}</p>", f"<h2>{lead} Các đại biểu đã dự.</h2>",
                   f"<p><b>{lead}</b></p>"):  # fmt: skip
        html = page(ARTICLE.replace('<div class="share">', markup + '<div class="share">'))
        article = extract_article(html, URL)
        assert article.summary and article.summary.startswith(lead), markup
        assert not article.body.startswith(lead)


# ---------------------------------------------------------------- verdict


def test_verdicts_for_pages_without_an_article() -> None:
    sel = make_selector(page("<p>Không tìm thấy trang</p>"))
    body = sel.css("body")[0].root
    assert "error page" in (no_article_reason(sel, "Lỗi", body, "Không tìm thấy trang", []) or "")
    login = make_selector(page("<form><input type='password' name='p'></form><p>Đăng nhập</p>"))
    assert no_article_reason(
        login, "Đăng nhập", login.css("body")[0].root, "Đăng nhập hệ thống", []
    )
    assert no_article_reason(sel, "T", None, "", []) == "no article text on the page"


def test_a_short_notice_with_a_file_is_an_article() -> None:
    html = page(
        "<h1>Thông báo lịch tiếp công dân tháng 2</h1><div class='content'><p>Sở Lao động - "
        "Thương binh và Xã hội thông báo lịch tiếp công dân định kỳ tháng 2 năm 2024 của Giám "
        "đốc Sở như sau:</p><p><a href='/files/lich.pdf'>Lịch tiếp công "
        "dân</a></p></div>"
    )
    article = extract_article(html, URL)
    assert article.no_article is None
    assert article.attachments == ["https://so.example.gov.vn/files/lich.pdf"]


def test_a_listing_is_not_an_article() -> None:
    items = "".join(
        f"<div class='item'><a href='/tin/{i}'>Sở tổ chức hội nghị triển khai nhiệm vụ số {i} "
        f"năm 2024</a><span>(0{i}/03/2024)</span><p>{PROSE}</p></div>"
        for i in range(1, 8)
    )
    article = extract_article(page(f"<div class='list'>{items}</div>"), URL)
    assert article.no_article and "listing" in article.no_article


def test_element_texts_are_element_text():
    """ElementTexts (crawler/extract/page.py) builds each element's text from its
    children's: it must read exactly what ``element_text`` reads, on every node of the
    frozen pages, comments and invisible elements included."""
    from pathlib import Path

    from crawler.extract.page import ElementTexts, element_text

    pages = sorted(Path(__file__).parent.joinpath("pages").rglob("*.htm*"))
    assert len(pages) >= 5
    compared = 0
    for path in pages:
        sel = make_selector(path.read_bytes(), "utf-8")
        texts = ElementTexts()
        for el in sel.root.iter():
            assert texts(el) == element_text(el), (path.name, el.tag)
            compared += 1
        # asked again, in the other order (children first): the same answers
        late = ElementTexts()
        for el in reversed(list(sel.root.iter())):
            assert late(el) == texts(el)
    assert compared > 1000


def test_the_date_finders_text_sizes_count_every_character_below_an_element():
    """dates.py measures an element's text from its children's (``_TextSizes``): what
    lxml's itertext gives, the element's own tail left out, on every element of the
    frozen pages, asked in any order."""
    from pathlib import Path

    from crawler.extract.generic.dates import _TextSizes

    for path in sorted(Path(__file__).parent.joinpath("pages").rglob("*.htm*")):
        sel = make_selector(path.read_bytes(), "utf-8")
        elements = [el for el in sel.root.iter() if isinstance(el.tag, str)]
        sizes = _TextSizes()
        for el in elements[::2] + elements[1::2]:
            assert sizes(el) == len("".join(el.itertext())), (path.name, el.tag)


def test_headline_candidates_are_headings_and_boxes_named_as_titles():
    """title.py picks its candidates by tag in lxml: every element of the frozen pages is
    one exactly when it is a heading, or a div/p/span/td/strong/a named as a title."""
    from pathlib import Path

    from crawler.extract.generic.hints import name_words
    from crawler.extract.generic.title import _TITLE_WORDS, _candidates

    pages = sorted(Path(__file__).parent.joinpath("pages").rglob("*.htm*"))
    named = 0
    for path in pages:
        sel = make_selector(path.read_bytes(), "utf-8")
        expected = [
            el
            for el in sel.root.iter()
            if isinstance(el.tag, str)
            and (
                el.tag.lower() in ("h1", "h2", "h3", "h4")
                or (
                    el.tag.lower() in ("div", "p", "span", "td", "strong", "a")
                    and name_words(el) & _TITLE_WORDS
                )
            )
        ]
        assert _candidates(sel) == expected, path.name
        named += sum(1 for el in expected if el.tag not in ("h1", "h2", "h3", "h4"))
    assert named  # boxes named as titles are among them
