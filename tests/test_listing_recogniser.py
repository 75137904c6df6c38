"""The listing recogniser (crawler/listing/): article items, pagers, traps and URL identity,
on real Liferay listing captures (tests/fixtures/vn-portals, PROVENANCE.md) and on small
pages built for one rule each."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.extract.page import make_selector
from crawler.listing import find_items, find_pager
from crawler.listing.identity import (
    clean_url,
    declared_canonical,
    is_print_view,
    url_key,
)
from crawler.listing.traps import in_calendar, moves_a_date

FIXTURES = Path(__file__).parent / "fixtures" / "vn-portals"
BASE = "https://sotttt.hanoi.gov.vn/web/so-tttthn/cong-nghe-thong-tin"
SITE = "https://portal.example.gov.vn/tin-tuc"


def same_host(url: str) -> bool:
    return (urlsplit(url).hostname or "").endswith(("sotttt.hanoi.gov.vn", "example.gov.vn"))


def sel_of(name: str):  # type: ignore[no-untyped-def]
    return make_selector((FIXTURES / name).read_bytes())


def page(body: str) -> object:
    return make_selector(f"<html><head><title>T</title></head><body>{body}</body></html>")


def news_list(n: int = 5, dated: bool = True) -> str:
    items = "".join(
        f'<li><a href="/tin-tuc/bai-viet-so-{i}-ve-cong-tac-chuyen-doi-so-{1000 + i}.html">'
        f"Sở tổ chức hội nghị triển khai công tác chuyển đổi số đợt {i}</a>"
        + (f" <span>({i + 1:02d}/03/2024)</span>" if dated else "")
        + "</li>"
        for i in range(n)
    )
    return f'<div class="news"><ul>{items}</ul></div>'


MENU = """<nav><a href="/gioi-thieu">Giới thiệu</a><a href="/lien-he">Liên hệ</a>
<a href="/tin-tuc">Tin tức</a></nav>
<div class="menu-left"><a href="/van-ban">Văn bản pháp quy của Sở Thông tin và Truyền thông</a>
<a href="/thu-tuc">Thủ tục hành chính của Sở Thông tin và Truyền thông tỉnh</a>
<a href="/lich-cong-tac">Lịch công tác tuần của Ban Giám đốc Sở Thông tin</a></div>"""


# ---------------------------------------------------------------- items


def test_real_liferay_listing_items_are_the_ten_news_links() -> None:
    sel = sel_of("liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html")
    items = [i for i in find_items(sel, BASE, same_host) if i.rank == 0]
    assert len(items) == 10
    assert "/view_content/4418033-" in items[0].url
    assert all("/view_content/" in i.url for i in items)
    assert all(i.date for i in items)  # every item prints its date


def test_real_listing_dates_come_from_the_item() -> None:
    sel = sel_of("liferay_sotttt-hanoi_listing_chi-dao-dieu-hanh.html")
    items = [i for i in find_items(sel, BASE, same_host) if i.rank == 0]
    assert items and all(i.date and i.date[:2] == "20" for i in items)


def test_menus_and_navigation_are_not_items() -> None:
    items = find_items(page(MENU + news_list(4)), SITE, same_host)
    urls = {urlsplit(i.url).path for i in items}
    assert all(p.startswith("/tin-tuc/bai-viet-so-") for p in urls)
    assert len(urls) == 4


def test_a_list_of_short_labels_is_not_a_list_of_articles() -> None:
    labels = "".join(f'<li><a href="/muc-{i}">Mục {i}</a></li>' for i in range(12))
    assert find_items(page(f"<ul>{labels}</ul>"), SITE, same_host) == []


def test_items_of_another_site_or_files_are_left_out() -> None:
    body = news_list(3) + (
        '<ul><li><a href="https://other.example.com/a-very-long-headline-of-another-site">'
        "Một bài viết rất dài của một trang khác hoàn toàn</a></li>"
        '<li><a href="/files/quyet-dinh-so-123-ve-viec-ban-hanh.pdf">'
        "Quyết định số 123 về việc ban hành kế hoạch năm 2024</a></li></ul>"
    )
    urls = {i.url for i in find_items(page(body), SITE, same_host)}
    assert not any("other.example.com" in u or u.endswith(".pdf") for u in urls)


def test_main_list_ranks_before_the_sidebar() -> None:
    sidebar = (
        '<div class="sidebar">' + news_list(4, dated=False).replace("bai-viet", "xem") + "</div>"
    )
    items = find_items(page(sidebar + news_list(6)), SITE, same_host)
    assert items[0].rank == 0 and "/bai-viet-so-" in items[0].url
    assert {i.rank for i in items if "/xem-so-" in i.url} == {1}


def test_a_changed_headline_or_date_changes_the_signature() -> None:
    first = find_items(page(news_list(3)), SITE, same_host)
    again = find_items(page(news_list(3)), SITE, same_host)
    edited = find_items(page(news_list(3).replace("(01/03/2024)", "(05/03/2024)")), SITE, same_host)
    assert [i.signature for i in first] == [i.signature for i in again]
    assert first[0].signature != edited[0].signature
    assert first[1].signature == edited[1].signature


# ---------------------------------------------------------------- pager


def test_real_liferay_pager_gives_every_numbered_page_once() -> None:
    sel = sel_of("liferay_sotttt-hanoi_listing_cong-nghe-thong-tin_paginated.html")
    links = find_pager(sel, BASE, same_host)
    numbers = sorted(link.number for link in links if link.kind == "numbered")
    assert numbers == sorted(set(numbers)) and len(numbers) >= 5
    assert len({link.url for link in links}) == len(links)


@pytest.mark.parametrize(
    "label", ["Trang sau", "Sau »", "»", "Tiếp theo", "Xem thêm", "Tin cũ hơn", "Next", "›"]
)
def test_next_page_labels(label: str) -> None:
    links = find_pager(page(f'<div><a href="?page=2">{label}</a></div>'), SITE, same_host)
    assert [link.url for link in links] == [SITE + "?page=2"]


@pytest.mark.parametrize("label", ["Kế hoạch tài chính", "Tiếp tục đẩy mạnh cải cách", "Sau đây"])
def test_words_that_only_start_like_next_are_not_pagers(label: str) -> None:
    assert find_pager(page(f'<a href="/x">{label}</a>'), SITE, same_host) == []


def test_rel_next_and_postback_pagers() -> None:
    html = make_selector(
        '<html><head><link rel="next" href="/tin-tuc/page/2/"></head><body>'
        "<div class='pager'><a href=\"javascript:__doPostBack('ctl00$Pager','2')\">2</a>"
        "<a href=\"javascript:__doPostBack('ctl00$Pager','3')\">3</a></div></body></html>"
    )
    links = find_pager(html, SITE, same_host)
    kinds = {(link.kind, link.url, link.postback) for link in links}
    assert ("rel-next", "https://portal.example.gov.vn/tin-tuc/page/2/", None) in kinds
    assert ("numbered", None, ("ctl00$Pager", "2")) in kinds


def test_a_lone_number_is_not_a_pager() -> None:
    assert find_pager(page('<p>Lượt xem: <a href="/thong-ke">1234</a></p>'), SITE, same_host) == []


# ---------------------------------------------------------------- traps


CALENDAR = (
    """<table id="wp-calendar"><caption>Tháng 3 2024</caption>
<thead><tr><th>T2</th><th>T3</th><th>T4</th><th>T5</th><th>T6</th><th>T7</th><th>CN</th></tr>
</thead><tbody><tr>"""
    + "".join(f'<td><a href="/2024/03/{d:02d}/">{d}</a></td>' for d in range(1, 15))
    + """</tr></tbody><tfoot><a href="/2024/02/">« Th2</a> <a href="/2024/04/">Th4 »</a></tfoot>
</table>"""
)


def test_calendar_links_are_never_pager_links() -> None:
    sel = page(CALENDAR)
    assert find_pager(sel, SITE, same_host) == []
    day = sel.css("a")[0].root
    assert in_calendar(day)


def test_date_browsing_is_a_trap_not_a_pager() -> None:
    sel = page('<div class="xem-theo-ngay"><a href="?ngay=14/03/2024">Trang sau</a></div>')
    assert find_pager(sel, SITE, same_host) == []
    assert moves_a_date(SITE, SITE + "?ngay=14/03/2024")
    assert moves_a_date(SITE, "https://portal.example.gov.vn/2024/03/14/")
    assert not moves_a_date(SITE, SITE + "?page=2")
    assert not moves_a_date(SITE, "https://portal.example.gov.vn/2024/03/14/slug-bai-viet/")


def test_date_browsing_links_are_not_article_items() -> None:
    days = "".join(
        f'<li><a href="?ngay={d:02d}/03/2024">Tin tức ngày {d:02d} tháng 3 năm 2024</a></li>'
        for d in range(1, 9)
    )
    assert find_items(page(f"<ul>{days}</ul>"), SITE, same_host) == []


# ---------------------------------------------------------------- identity


def test_tracking_and_session_parameters_do_not_make_another_article() -> None:
    a = "https://portal.example.gov.vn/tin/bai-viet-123.html"
    variants = [
        a + "?utm_source=zalo&utm_medium=share",
        a + "?fbclid=IwAR0abc",
        a + "#binh-luan",
        "http://PORTAL.example.gov.vn/tin/bai-viet-123.html?zarsrc=30",
    ]
    assert {url_key(v) for v in variants} == {url_key(a)} == {"/tin/bai-viet-123.html"}


def test_parameter_order_and_iis_case_fold_but_not_other_paths() -> None:
    one = url_key("https://x.gov.vn/Pages/ChiTiet.aspx?ItemID=5&CatID=2")
    two = url_key("https://x.gov.vn/pages/chitiet.aspx?CatID=2&ItemID=5&sid=9f8e7d6c")
    assert one == two
    assert url_key("https://x.gov.vn/Tin/Bai.html") != url_key("https://x.gov.vn/tin/bai.html")
    assert clean_url("https://x.gov.vn/Pages/ChiTiet.aspx?ItemID=5").endswith(
        "/Pages/ChiTiet.aspx?ItemID=5"
    )


def test_long_keys_fit_the_archive_and_stay_distinct() -> None:
    long_a = "https://x.gov.vn/" + "tin-" * 80 + "a.html"
    long_b = "https://x.gov.vn/" + "tin-" * 80 + "b.html"
    assert len(url_key(long_a)) <= 200
    assert url_key(long_a) != url_key(long_b)


def test_print_views_are_not_articles() -> None:
    assert is_print_view("https://x.gov.vn/index.php?module=news&id=5&print=1")
    assert is_print_view("https://x.gov.vn/lf/print/1234")
    assert not is_print_view("https://x.gov.vn/tin/in-bai-viet-ve-in-an-123.html")


def test_a_canonical_naming_the_front_page_is_not_trusted() -> None:
    page_url = "https://x.gov.vn/tin/bai-viet-123.html"
    assert declared_canonical(page_url, "https://x.gov.vn/", None) is None
    assert declared_canonical(page_url, "/index.php", None) is None
    assert declared_canonical(page_url, "https://other.vn/tin/a.html", None) is None
    assert (
        declared_canonical(page_url, None, "/tin/bai-viet-123")
        == "https://x.gov.vn/tin/bai-viet-123"
    )
    assert (
        declared_canonical(page_url, "/index.php?id=5", None) == "https://x.gov.vn/index.php?id=5"
    )


# ---- links resolved as urljoin resolves them ------------------------------------------

_PAGES = [
    "http://a.gov.vn",
    "http://a.gov.vn/",
    "http://a.gov.vn/x/y/z.html?b=1#f",
    "https://a.gov.vn/x;p/y;q?x#y",
    "http://a.gov.vn/x/y/",
    "http://a.gov.vn/web/so/-/asset_publisher/abc/content/slug-12?redirect=%2Fx",
    "http://a.gov.vn/a/b/c/d/e/f.aspx?ItemID=3",
]
_HREFS = [
    "../../../trang-chu.html", "./a.html", "a.html", "/a/b", "?p=2", ";x", "//a.gov.vn/q",
    "http://a.gov.vn/x/../y", "../", ".", "..", "a/./b/../c", "  b.html  ", "a.html#frag",
    "../../../../../../../x", "a//b", "?", "x?id=1&z=2", "HTTP://A.gov.vn/Z", "%2e%2e/x",
]  # fmt: skip


@pytest.mark.parametrize("page", _PAGES)
def test_article_links_resolve_as_urljoin_does(page: str) -> None:
    """The pages of one directory share their resolved links (items.py ``_joined``): the
    answer must be urljoin's against the page itself, query and last segment included."""
    from urllib.parse import urljoin

    from crawler.listing.items import ArticleLinks

    resolve = ArticleLinks(page, lambda url: True)
    for href in _HREFS:
        expected = urljoin(page, href.strip()).split("#", 1)[0]
        got = resolve(href)
        assert got in (expected, None), (page, href)
        if expected != page.split("#", 1)[0]:
            assert got == expected, (page, href)


# ---- the boxes around links, each answered once ---------------------------------------

_FROZEN = sorted(Path(__file__).parent.joinpath("pages").rglob("*.htm*")) + sorted(
    Path(__file__).parent.joinpath("fixtures", "vn-portals").glob("*.htm*")
)


@pytest.mark.parametrize("path", _FROZEN, ids=lambda path: path.name)
def test_boxes_around_links_are_their_ancestors_below_body(path: Path) -> None:
    """items.py ``_Boxes`` answers each element once: the answers are those of walking up
    from every link (and every element: nested and fresh ones alike) to <body>."""
    from crawler.listing.items import _Boxes

    root = make_selector(path.read_bytes(), "utf-8").root
    around = _Boxes()
    links = list(root.iter("a"))
    assert links
    for el in links + [e for e in root.iter() if isinstance(e.tag, str)]:
        expected = []
        for box in el.iterancestors():
            if box.tag in ("body", "html"):
                break
            expected.append(box)
        assert around.above(el) == tuple(expected)
        shape, box = [], el
        while box is not None and len(shape) < 4:
            shape.append((box.tag, tuple(sorted((box.get("class") or "").split()))))
            box = box.getparent()
        assert around.shape(el) == tuple(shape)
