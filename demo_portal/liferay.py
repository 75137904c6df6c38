"""Page renderers for the Liferay-like site (Sở Thông tin và Truyền thông), under /lf."""

from __future__ import annotations

import math
from datetime import date, timedelta

from .common import (
    author_html,
    body_html,
    date_line,
    ddmmyyyy,
    esc,
    lead_html,
    token,
    visitor_numbers,
)
from .content import LF_CATS, LF_MISSING_IDS, LF_PREFIX, LF_SOFT404_ID, Article, Site
from .truth import alias_path, canonical_path, lf_cat_path

PER_PAGE = 10
SITE_NAME = "Sở Thông tin và Truyền thông tỉnh Hòa An"


def listing_url(cat: int, page: int) -> str:
    return f"{lf_cat_path(cat)}?p_p_id=101&p_p_lifecycle=0&_101_delta=10&_101_cur={page}"


def page_count(site: Site, cat: int) -> int:
    return max(1, math.ceil(len(site.live(cat)) / PER_PAGE))


def _visitor_box() -> str:
    online, total = visitor_numbers()
    return (
        '<div class="visitor-tracking-wraper"><h4>Số lượng truy cập</h4>'
        '<div class="current-visitor-online"><span class="online-lable">Đang truy cập: </span>'
        f'<span style="font-weight: bold;color: blue;">{online} </span></div>'
        '<div class="total-visitor"><span class="online-lable">Tổng: </span>'
        f'<span style="font-weight: bold;color: red;">{total} </span></div></div>'
    )


def _canonical_link(path: str) -> str:
    return f'\n<link href="{esc(path)}" rel="canonical"/>' if path else ""


def _chrome(title: str, main: str, breadcrumb: str = "", canonical: str = "") -> str:
    nav = "".join(f'<li><a href="{lf_cat_path(i)}">{esc(n)}</a></li>' for i, (_, n) in
                  enumerate(LF_CATS))  # fmt: skip
    return f"""<!DOCTYPE html>
<html class="aui ltr" dir="ltr" lang="vi-VN">
<head><meta content="text/html; charset=UTF-8" http-equiv="content-type"/>
<title>{esc(title)} - {SITE_NAME}</title>{_canonical_link(canonical)}</head>
<body class="yui3-skin-sam controls-visible guest-site signed-out public-page site">
<div id="wrapper" class="container-fluid">
<header id="banner" role="banner"><div class="site-title">{SITE_NAME}</div>
<nav id="navigation" class="sort-pages modify-pages" role="navigation"><ul>
<li><a href="{LF_PREFIX}/trang-chu">Trang chủ</a></li>
<li><a href="{LF_PREFIX}/gioi-thieu">Giới thiệu</a></li>
{nav}
<li><a href="{LF_PREFIX}/lien-he">Liên hệ</a></li>
</ul></nav></header>
<div id="content">{breadcrumb}
<div class="row-fluid"><div class="span8 portlet-column" id="column-1">
{main}
</div>
<div class="span4 portlet-column" id="column-2">
<div class="portlet-boundary van-ban"><h4>Văn bản mới</h4><ul>
<li><a href="/lf/documents/10180/0/quy-che-hoat-dong.pdf">Quy chế hoạt động của Cổng TTĐT</a></li>
<li><a href="/lf/documents/10180/0/lich-cong-tac-tuan.doc">Lịch công tác tuần</a></li>
</ul></div>
<div class="portlet-boundary xem-tin">
<a href="{LF_PREFIX}/tin-theo-ngay?ngay=01/07/2024">Xem tin theo ngày</a></div>
{_visitor_box()}
</div></div></div>
<form action="{LF_PREFIX}/trang-chu" method="post" name="hrefFm">
<input name="p_auth" type="hidden" value="{token(6)[:8]}"/></form>
<footer id="footer"><p>Cơ quan chủ quản: {SITE_NAME}</p>
<a href="/Admin/">Quản trị</a></footer>
</div></body></html>
"""


def _abstract(href: str, title: str, dline: str, summary: str) -> str:
    return f"""<div class="asset-abstract ">
<div class="asset-content normal-news"><div class="asset-content-custom">
<h3 class="asset-title"> <a href="{esc(href)}">{esc(title)}</a> </h3>
<div class="assetPublishDate block_timer"> {dline} </div>
<div class="asset-summary"> {esc(summary)} </div>
</div></div></div>"""


def render_home(site: Site) -> str:
    newest = site.live()[:6]
    items = "".join(
        f'<li><a href="{esc(canonical_path(a))}">{esc(a.title)}</a></li>' for a in newest
    )
    extra = [a for c in (0, 1) if len(site.live(c)) < 2 for a in site.live(c)]
    extra += newest[:3]
    alias_items = "".join(
        f'<li><a href="{esc(alias_path(a))}">{esc(a.title)}</a></li>' for a in extra
    )
    day = newest[0].published.strftime("%d/%m/%Y") if newest else "01/07/2024"
    main = f"""<div class="portlet-boundary tin-moi"><h2>Tin mới</h2><ul>{items}</ul></div>
<div class="portlet-boundary tin-noi-bat"><h2>Tin nổi bật</h2><ul>{alias_items}</ul></div>
<div class="tin-theo-ngay">
<a href="{LF_PREFIX}/tin-theo-ngay?ngay={day}">Xem tin theo ngày</a></div>"""
    return _chrome("Trang chủ", main)


def render_listing(site: Site, cat: int, page: int) -> str | None:
    arts = site.live(cat)
    pages = page_count(site, cat)
    if page < 1 or page > pages:
        return None
    chunk = arts[(page - 1) * PER_PAGE : page * PER_PAGE]
    blocks = [
        _abstract(canonical_path(a), a.title, a.published.strftime("%d/%m/%Y | %I:%M %p"), a.lead)
        for a in chunk
    ]
    if page == 1:
        base = f"{lf_cat_path(cat)}/-/view_content"
        blocks.insert(
            min(3, len(blocks)),
            _abstract(
                f"{base}/{LF_MISSING_IDS[cat]}-thong-bao-lich-tiep-cong-dan.html",
                "Thông báo lịch tiếp công dân định kỳ",
                "02/01/2020 | 08:00 AM",
                "Thông báo.",
            ),
        )
        if cat == 0:
            blocks.insert(
                min(6, len(blocks)),
                _abstract(
                    f"{base}/{LF_SOFT404_ID}-bai-viet-da-go.html",
                    "Bài viết đã gỡ về hội nghị trực tuyến",
                    "03/01/2020 | 09:00 AM",
                    "Đã gỡ.",
                ),
            )
    pager = "".join(
        f'<li class="custom-paging"><a href="{esc(listing_url(cat, n))}">{n}</a></li>'
        for n in range(1, pages + 1)
    )
    if page < pages:
        pager += f'<li class="next"><a href="{esc(listing_url(cat, page + 1))}">Sau</a></li>'
    main = f"""<section class="portlet" id="portlet_101"><div class="portlet-content">
<h2 class="portlet-title">{esc(LF_CATS[cat][1])}</h2>
{"".join(blocks)}
<div class="taglib-page-iterator"><ul class="pager">{pager}</ul></div>
</div></section>"""
    return _chrome(LF_CATS[cat][1], main)


def render_article(site: Site, a: Article, layout: int = 1) -> str:
    live = site.live(a.cat)
    idx = next((i for i, x in enumerate(live) if x.id == a.id), 0)
    others = [live[(idx + k) % len(live)] for k in range(1, 6) if len(live) > k]
    lis = []
    for k, o in enumerate(others):
        href = alias_path(o) if k == 0 else canonical_path(o)
        lis.append(
            f'<li><a href="{esc(href)}">{esc(o.title)}</a> '
            f'<span class="date_content_asset">({ddmmyyyy(o)})</span></li>'
        )
    date_cls = "ngay-dang" if layout == 2 else "assetPublishDate block_timer"
    crumb = (
        f'<ul class="breadcrumb"><li><a href="{LF_PREFIX}/trang-chu">Trang chủ</a></li>'
        f'<li class="active"><a href="{lf_cat_path(a.cat)}">{esc(LF_CATS[a.cat][1])}</a></li></ul>'
    )
    # Layout 2 is a redesign: the byline moves out of the body into its own block, as
    # redesigned portals do; a profile written for layout 1 no longer finds it.
    byline = author_html(a, layout)
    inside, outside = ("", byline) if layout == 2 else (byline, "")
    main = f"""<div class="journal-content-article">
<h3 class="header-title">{esc(a.title)}</h3>
<div class="{date_cls}">{date_line(a)}</div>
<div class="article-summary"><strong>{lead_html(a)}</strong></div>
<div class="article-content">
{body_html(a)}
{inside}
</div>{outside}</div>
<div class="print-link"><a href="/lf/print/{a.id}" rel="nofollow">In bài viết</a></div>
<div class="other-news"><h4>Các tin khác</h4><ul>{"".join(lis)}</ul></div>"""
    # Liferay 6 declares the canonical URL of a web content page (as the real capture does).
    return _chrome(a.title, main, crumb, canonical_path(a))


def render_soft404() -> str:
    main = """<section class="portlet" id="portlet_status"><div class="portlet-content">
<h3 class="alert alert-error"> Không tìm thấy </h3>
Tài nguyên không được tìm thấy.
<br /><br />
<a href="javascript:history.go(-1);">&laquo; Quay lại</a>
</div></section>"""
    return _chrome("Trạng thái", main)


def render_trap(site: Site, day: date) -> str:
    live = site.live()
    same = [a for a in live if a.published.date() == day]
    picks = same or [live[(day.toordinal() * 7 + k) % len(live)] for k in range(3)] if live else []
    nxt = (day + timedelta(days=1)).strftime("%d/%m/%Y")
    items = "".join(
        f'<li><a href="{esc(canonical_path(a))}">{esc(a.title)}</a> ({ddmmyyyy(a)})</li>'
        for a in picks
    )
    main = f"""<div class="tin-theo-ngay"><h2>Tin ngày {day:%d/%m/%Y}</h2><ul>{items}</ul>
<a class="ngay-sau" href="{LF_PREFIX}/tin-theo-ngay?ngay={nxt}">Ngày sau &raquo;</a></div>"""
    return _chrome("Xem tin theo ngày", main)


def render_print(a: Article) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"/>
<title>{esc(a.title)}</title></head>
<body onload="window.print()"><h3>{esc(a.title)}</h3><div>{date_line(a)}</div>
<div>{body_html(a)}</div></body></html>"""


def render_static(name: str) -> str:
    text = {
        "gioi-thieu": "Sở Thông tin và Truyền thông là cơ quan chuyên môn thuộc UBND tỉnh Hòa An.",
        "lien-he": "Địa chỉ: số 1 đường Trần Hưng Đạo, thành phố Hòa An. "
        "Điện thoại: 0200 3 123 456.",
    }[name]
    return _chrome(name, f'<div class="journal-content-static"><p>{esc(text)}</p></div>')
