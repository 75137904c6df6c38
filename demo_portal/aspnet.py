"""Page renderers for the ASP.NET/SharePoint-like site (Sở LĐ-TB&XH), under /asp/Pages."""

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
from .content import ASP_CATS, ASP_MISSING_IDS, ASP_SOFT404_ID, Article, Site
from .truth import alias_path

PER_PAGE = 10
SITE_NAME = "Sở Lao động - Thương binh và Xã hội tỉnh Hòa An"
PAGER_TARGET = "ctl00$ContentPlaceHolder1$NewsList$pager"


def page_count(site: Site, cat: int) -> int:
    return max(1, math.ceil(len(site.live(cat)) / PER_PAGE))


def rel(a: Article) -> str:
    return f"ChiTiet.aspx?ItemID={a.id}&CatID={ASP_CATS[a.cat][0]}"


def _alias_rel(a: Article) -> str:
    return alias_path(a).removeprefix("/asp/Pages/")


def _chrome(title: str, action: str, main: str, breadcrumb: str = "") -> str:
    online, total = visitor_numbers()
    menu = "".join(f'<a href="TinTuc.aspx?CatID={cid}">{esc(name)}</a> ' for cid, name in ASP_CATS)
    return f"""<!DOCTYPE html>
<html dir="ltr" lang="vi-VN">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
<title>{esc(title)} - {SITE_NAME}</title></head>
<body>
<form name="aspnetForm" method="post" action="{esc(action)}" id="aspnetForm">
<div>
<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />
<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{token(120)}" />
</div>
<script type="text/javascript">
function __doPostBack(eventTarget, eventArgument) {{
  var theForm = document.forms['aspnetForm'];
  theForm.__EVENTTARGET.value = eventTarget; theForm.__EVENTARGUMENT.value = eventArgument;
  theForm.submit();
}}
</script>
<div id="header"><div class="site-name">{SITE_NAME}</div>
<div id="menu"><a href="Default.aspx">Trang chủ</a> <a href="GioiThieu.aspx">Giới thiệu</a>
{menu}<a href="LienHe.aspx">Liên hệ</a></div></div>
<div class="search-box"><input name="ctl00$txtSearch" type="text"/><a href="#">Tìm kiếm</a></div>
{breadcrumb}
<div id="main">{main}</div>
<div id="sidebar"><div class="van-ban-moi"><h3>Văn bản mới</h3><ul>
<li><a href="/asp/Uploads/bieu-mau/to-khai-dang-ky-that-nghiep.pdf">
Tờ khai đăng ký thất nghiệp</a></li>
<li><a href="/asp/Uploads/bieu-mau/mau-don-de-nghi.docx">Mẫu đơn đề nghị hỗ trợ</a></li>
</ul></div>
<div class="thong-ke">Thống kê truy cập <span>Lượt truy cập: {total}</span>
<span>Đang truy cập: {online}</span></div>
</div>
<div id="footer">{SITE_NAME} <a href="/Admin/Login.aspx">Đăng nhập</a></div>
<div><input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION"
 value="{token(40)}" /></div>
</form></body></html>
"""


def _crumb(name: str) -> str:
    return (
        '<div class="breadcrumb"><a href="Default.aspx">Trang chủ</a> » '
        f'<a class="cat">{esc(name)}</a></div>'
    )


def render_home(site: Site) -> str:
    newest = site.live()[:6]
    items = "".join(f'<li><a href="{esc(rel(a))}">{esc(a.title)}</a></li>' for a in newest)
    extra = [a for c in (0, 1) if len(site.live(c)) < 2 for a in site.live(c)]
    extra += newest[:3]
    alias_items = "".join(
        f'<li><a href="{esc(_alias_rel(a))}">{esc(a.title)}</a></li>' for a in extra
    )
    day = ddmmyyyy(newest[0]) if newest else "01/07/2024"
    main = f"""<div class="tin-moi"><h2>Tin mới</h2><ul>{items}</ul></div>
<div class="tin-noi-bat"><h2>Tin nổi bật</h2><ul>{alias_items}</ul></div>
<div class="xem-tin-theo-ngay">Xem tin theo ngày
<a href="TinTheoNgay.aspx?d={day}">{day}</a></div>"""
    return _chrome("Trang chủ", "Default.aspx", main)


def _page_href(cat: int, n: int) -> str:
    if cat == 0:
        return f"javascript:__doPostBack('{PAGER_TARGET}','Page${n}')"
    return f"TinTuc.aspx?CatID={ASP_CATS[cat][0]}&Page={n}"


def _attr(href: str) -> str:
    """Attribute-escape keeping single quotes literal, as ASP.NET does in __doPostBack hrefs."""
    return href.replace("&", "&amp;").replace('"', "&quot;")


def _item(href: str, title: str, day: str, summary: str) -> str:
    return (
        f'<div class="news-item"><a class="news-title" href="{esc(href)}">{esc(title)}</a> '
        f'<span class="news-date">({day})</span><p class="news-summary">{esc(summary)}</p></div>'
    )


def render_listing(site: Site, cat: int, page: int) -> str | None:
    pages = page_count(site, cat)
    if page < 1 or page > pages:
        return None
    chunk = site.live(cat)[(page - 1) * PER_PAGE : page * PER_PAGE]
    items = [_item(rel(a), a.title, ddmmyyyy(a), a.lead) for a in chunk]
    cid = ASP_CATS[cat][0]
    if page == 1:
        items.insert(
            min(2, len(items)),
            _item(
                f"ChiTiet.aspx?ItemID={ASP_MISSING_IDS[cat]}&CatID={cid}",
                "Thông báo lịch tiếp công dân của Giám đốc Sở",
                "05/01/2020",
                "Thông báo.",
            ),
        )
        if cat == 0:
            items.insert(
                min(5, len(items)),
                _item(
                    f"ChiTiet.aspx?ItemID={ASP_SOFT404_ID}&CatID={cid}",
                    "Kết quả xét duyệt hồ sơ hưởng trợ cấp thất nghiệp",
                    "06/01/2020",
                    "Kết quả.",
                ),
            )
    links = [
        f'<span class="current">{n}</span>'
        if n == page
        else f'<a href="{_attr(_page_href(cat, n))}">{n}</a>'
        for n in range(1, pages + 1)
    ]
    if page < pages:
        links.append(
            f'<a class="pager-next" href="{_attr(_page_href(cat, page + 1))}">Trang sau</a>'
        )
    main = f"""<div class="news-list" id="ctl00_ContentPlaceHolder1_NewsList">
<h2 class="cat-title">{esc(ASP_CATS[cat][1])}</h2>
{"".join(items)}
<div class="pager">{" ".join(links)}</div></div>"""
    return _chrome(ASP_CATS[cat][1], f"TinTuc.aspx?CatID={cid}", main, _crumb(ASP_CATS[cat][1]))


def render_article(site: Site, a: Article, action: str, layout: int = 1) -> str:
    live = site.live(a.cat)
    idx = next((i for i, x in enumerate(live) if x.id == a.id), 0)
    others = [live[(idx + k) % len(live)] for k in range(1, 6) if len(live) > k]
    lis = "".join(
        f'<li><a href="{esc(_alias_rel(o) if k == 0 else rel(o))}">{esc(o.title)}</a> '
        f"<span>({ddmmyyyy(o)})</span></li>"
        for k, o in enumerate(others)
    )
    date_cls = "ngay-dang" if layout == 2 else "tandan-span-date-publish"
    day = ddmmyyyy(a)
    # Layout 2 is a redesign: the byline moves out of the body into its own block, as
    # redesigned portals do; a profile written for layout 1 no longer finds it.
    byline = author_html(a, layout)
    inside, outside = ("", byline) if layout == 2 else (byline, "")
    main = f"""<div class="tandan-article">
<h1 class="tandan-title">{esc(a.title)}</h1>
<div class="tandan-date"><span class="{date_cls}">{date_line(a)}</span></div>
<p class="tandan-p-article-news-summary">{lead_html(a)}</p>
<div class="ms-rtestate-field">
{body_html(a)}
{inside}
</div>{outside}</div>
<div class="article-tools"><a href="Print.aspx?ItemID={a.id}" rel="nofollow">In trang</a></div>
<div class="tin-khac"><h3>Các tin khác</h3><ul>{lis}</ul></div>
<div class="xem-tin-theo-ngay">Xem tin theo ngày
<a href="TinTheoNgay.aspx?d={day}">{day}</a></div>"""
    return _chrome(a.title, action, main, _crumb(ASP_CATS[a.cat][1]))


def render_soft404(action: str) -> str:
    main = (
        '<div class="tandan-article"><p class="thong-bao">'
        "Bài viết không tồn tại hoặc đã bị xóa.</p></div>"
    )
    return _chrome("Chi tiết", action, main)


def render_trap(site: Site, day: date) -> str:
    live = site.live()
    same = [a for a in live if a.published.date() == day]
    picks = same or [live[(day.toordinal() * 7 + k) % len(live)] for k in range(3)] if live else []
    nxt = (day + timedelta(days=1)).strftime("%d/%m/%Y")
    items = "".join(
        f'<li><a href="{esc(rel(a))}">{esc(a.title)}</a> ({ddmmyyyy(a)})</li>' for a in picks
    )
    main = f"""<div class="tin-theo-ngay"><h2>Tin ngày {day:%d/%m/%Y}</h2><ul>{items}</ul>
<a class="ngay-sau" href="TinTheoNgay.aspx?d={nxt}">Ngày sau &raquo;</a></div>"""
    return _chrome("Xem tin theo ngày", f"TinTheoNgay.aspx?d={day:%d/%m/%Y}", main)


def render_print(a: Article) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"/>
<title>{esc(a.title)}</title></head>
<body><h1>{esc(a.title)}</h1><div>{date_line(a)}</div><div>{body_html(a)}</div></body></html>"""


def render_static(name: str) -> str:
    text = {
        "gioithieu.aspx": "Sở Lao động - Thương binh và Xã hội là cơ quan chuyên môn "
        "thuộc UBND tỉnh.",
        "lienhe.aspx": "Địa chỉ: số 5 đường Lê Lợi, thành phố Hòa An. Điện thoại: 0200 3 654 321.",
    }[name]
    return _chrome(name, name, f'<div class="noi-dung"><p>{esc(text)}</p></div>')
