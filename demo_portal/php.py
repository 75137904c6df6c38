"""Pages and routes of the old bespoke PHP portal (Sở Nội vụ, ``demo-php``), under /php.

A table layout (``td.main``), relative links with raw ``&``, one generic ``<title>`` on every
page, no ``<h1>`` anywhere (the title is ``div.tieude``; layout 2: ``div.title_news``), the lead as
a bold first paragraph, sometimes ``<br><br>`` instead of paragraphs, a "Xem thêm »" link as the
only pagination, a "Tin theo ngày" list whose "Ngày trước" links go back forever, a soft-404
page for a missing id, a print view, a visit counter that changes on every request, and no
validators (no ETag, no Last-Modified: an old PHP site with sessions).
"""

from __future__ import annotations

import itertools
import math
import os
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl

from .common import (
    WEEKDAYS_LOWER,
    Reply,
    View,
    encoder,
    esc,
    fake_file,
    lead_html,
    paragraph_html,
    redirect,
    visitor_numbers,
)
from .families import (
    BY_HEADER,
    BY_SOURCE,
    PHP_CATS,
    PHP_MISSING_ID,
    Post,
    neighbours,
    php_alias,
    php_canonical,
    php_cat_path,
    php_day_path,
)

PER_PAGE = 12
SITE_NAME = "Sở Nội vụ tỉnh Hòa An"
TITLE = "SỞ NỘI VỤ TỈNH HÒA AN - CỔNG THÔNG TIN ĐIỆN TỬ"  # the same on every page
SOFT_404 = "Tin bài không tồn tại hoặc đã bị xóa"
DAYS_LISTED = 30
DOCS = [("/php/download.php?file=quy-che-lam-viec-snv.pdf", "Quy chế làm việc của Sở Nội vụ"),
        ("/php/download.php?file=bieu-mau-thi-dua.doc", "Biểu mẫu đăng ký thi đua")]  # fmt: skip
STATIC = {
    "about": ("Giới thiệu", "Sở Nội vụ là cơ quan chuyên môn thuộc UBND tỉnh Hòa An, tham mưu "
              "về tổ chức bộ máy, công chức, cải cách hành chính, thi đua, khen thưởng."),
    "contact": ("Liên hệ", "Địa chỉ: số 20 đường Hai Bà Trưng, thành phố Hòa An. "
                "Điện thoại: 0200 3 852 345. Fax: 0200 3 852 346."),
    "vanban": ("Văn bản", "Văn bản chỉ đạo, điều hành."),
}  # fmt: skip
_views = itertools.count(1)


def rel(path: str) -> str:
    """Links are relative to /php/, as the portal writes them."""
    return path.removeprefix("/php/")


def page_count(n: int) -> int:
    return max(1, math.ceil(n / PER_PAGE))


def date_line(a: Post) -> str:
    p = a.published
    wd = WEEKDAYS_LOWER[p.weekday()]
    return [f"(Cập nhật: {p:%H:%M} - {p:%d/%m/%Y})", f"{wd}, {p:%d/%m/%Y}",
            f"{wd}, {p:%d/%m/%Y} | {p:%H:%M}", f"Ngày đăng: {p.day}/{p.month}/{p.year}"][
        a.date_style
    ]  # fmt: skip


def _days(v: View) -> list[date]:
    live = v.site.live()
    last = live[0].published.date() if live else date(2024, 6, 28)
    return [last - timedelta(days=k) for k in range(DAYS_LISTED)]


# ---------------------------------------------------------------- chrome


def chrome(v: View, main: str) -> str:
    cats = "".join(f'<tr><td class="menu_trai"><a href="{rel(php_cat_path(i))}">&raquo; '
                   f"{esc(n)}</a></td></tr>" for i, (_, n) in enumerate(PHP_CATS))  # fmt: skip
    days = _days(v)
    day_links = "".join(f'<li><a href="{rel(php_day_path(f"{d:%d/%m/%Y}"))}">{d:%d/%m/%Y}</a></li>'
                        for d in days)  # fmt: skip
    options = "".join(f'<option value="{d:%d/%m/%Y}">{d:%d/%m/%Y}</option>' for d in days)
    newest = "".join(f'<li><a href="{rel(php_canonical(a))}">{esc(a.title)}</a></li>'
                     for a in v.site.live()[:6])  # fmt: skip
    _, total = visitor_numbers()
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{TITLE}</title>
<link href="css/style.css" rel="stylesheet" type="text/css">
<script language="javascript" src="js/common.js"></script>
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" cellpadding="0" cellspacing="0" align="center" class="khung">
<tr><td colspan="3" class="banner"><img src="images/banner.jpg" width="1000" height="150"
 alt="{SITE_NAME}"></td></tr>
<tr><td colspan="3" class="menu_top"><a href="index.php">Trang chủ</a> |
<a href="index.php?module=about">Giới thiệu</a> |
<a href="{rel(php_cat_path(0))}">Tin tức</a> |
<a href="index.php?module=vanban">Văn bản</a> |
<a href="index.php?module=contact">Liên hệ</a></td></tr>
<tr>
<td class="left" width="200" valign="top">
<table width="100%" cellpadding="3"><tr><td class="tieude_khoi">CHUYÊN MỤC</td></tr>{cats}</table>
<div class="khoi_ngay"><div class="tieude_khoi">Xem tin theo ngày</div>
<form method="get" action="index.php" name="frmNgay">
<input type="hidden" name="module" value="news">
<select name="ngay" onchange="document.frmNgay.submit()">{options}</select>
<input type="submit" value="Xem"></form>
<div class="tieude_khoi">Tin theo ngày</div><ul class="ds_ngay">{day_links}</ul></div>
</td>
<td class="main" valign="top">
{main}
</td>
<td class="right" width="220" valign="top">
<h2>Tin mới</h2><ul class="tinmoi">{newest}</ul>
<div class="lienket">Liên kết website<br><select onchange="window.open(this.value)">
<option value="">-- Chọn website --</option><option value="http://moha.gov.vn">Bộ Nội vụ</option>
</select></div>
<div class="thongke">Lượt truy cập: {total}</div>
</td>
</tr>
<tr><td colspan="3" class="footer" align="center">{SITE_NAME}<br>
Địa chỉ: số 20 đường Hai Bà Trưng, thành phố Hòa An - Điện thoại: 0200 3 852 345<br>
Ghi rõ nguồn "{SITE_NAME}" khi phát hành lại thông tin từ website này.
<a href="admin/">Quản trị</a></td></tr>
</table>
</body>
</html>
"""


def headers() -> dict[str, str]:
    return {
        "X-Powered-By": "PHP/5.2.17",
        "Set-Cookie": f"PHPSESSID={os.urandom(13).hex()}; path=/",
        "Expires": "Thu, 19 Nov 1981 08:52:00 GMT",
        "Cache-Control": "no-store, no-cache, must-revalidate, post-check=0, pre-check=0",
        "Pragma": "no-cache",
    }


# ---------------------------------------------------------------- pages


def render_home(v: View) -> str:
    blocks = ['<div class="tieude_khoi">TIN MỚI NHẤT</div><table class="tbl_tin" width="100%">'
              + "".join(_row(v, a) for a in v.site.live()[:6]) + "</table>"]  # fmt: skip
    for i, (_, name) in enumerate(PHP_CATS):
        lis = "".join(f'<li><a href="{rel(php_canonical(a))}">{esc(a.title)}</a> '
                      f"<i>({a.published:%d/%m/%Y})</i></li>"
                      for a in v.site.live(i)[:5])  # fmt: skip
        blocks.append(f'<div class="tieude_khoi">{esc(name.upper())}</div><ul>{lis}</ul>'
                      f'<div class="xemthem"><a href="{rel(php_cat_path(i))}">Xem thêm &raquo;'
                      "</a></div>")  # fmt: skip
    return chrome(v, "\n".join(blocks))


def _row(v: View, a: object, href: str | None = None, title: str = "", day: str = "",
         lead: str = "") -> str:  # fmt: skip
    if isinstance(a, Post):
        href, title, day, lead = rel(php_canonical(a)), a.title, f"{a.published:%d/%m/%Y}", a.lead
    if v.layout == 2:
        return (f'<div class="item_news"><a class="title_item" href="{href}">{esc(title)}</a> '
                f'<span class="date_item">{day}</span><div class="sapo_item">{esc(lead)}</div>'
                "</div>")  # fmt: skip
    return (f'<tr><td class="anh" width="110" valign="top"><a href="{href}"><img '
            f'src="images/news/no_image.jpg" width="100" border="0"></a></td><td class="tin" '
            f'valign="top"><a class="tieude_tin" href="{href}">{esc(title)}</a> '
            f'<span class="ngay">({day})</span><br><span class="trichdan">{esc(lead)}</span>'
            "</td></tr>")  # fmt: skip


def _list(v: View, rows: list[str]) -> str:
    if v.layout == 2:
        return f'<div class="list_news">{"".join(rows)}</div>'
    return f'<table class="tbl_tin" width="100%" cellpadding="4">{"".join(rows)}</table>'


def render_listing(v: View, cat: int, page: int) -> str:
    posts = v.site.live(cat)
    pages = page_count(len(posts))
    chunk = posts[(page - 1) * PER_PAGE : page * PER_PAGE] if page >= 1 else []
    rows = [_row(v, a) for a in chunk]
    if page == 1 and cat == 0:
        missing = f"index.php?module=news&act=detail&id={PHP_MISSING_ID}"
        row = _row(v, None, missing, "Thông báo tuyển dụng viên chức năm 2019", "12/03/2019",
                   "Thông báo.")  # fmt: skip
        rows.insert(min(4, len(rows)), row)
    heading_cls = "tieude_chuyenmuc" if v.layout == 1 else "cat_title"
    main = f'<div class="{heading_cls}">{esc(PHP_CATS[cat][1])}</div>\n'
    main += _list(v, rows) if rows else '<div class="thongbao">Chưa có tin trong chuyên mục.</div>'
    if 1 <= page < pages:
        more_cls = "xemthem" if v.layout == 1 else "view_more"
        main += (f'\n<div class="{more_cls}" align="right"><a href="'
                 f'{rel(php_cat_path(cat, page + 1))}">Xem thêm &raquo;</a></div>')  # fmt: skip
    return chrome(v, main)


def render_day(v: View, raw: str) -> str:
    try:
        day = datetime.strptime(raw, "%d/%m/%Y").date()
    except ValueError:
        return chrome(v, '<div class="thongbao">Ngày không hợp lệ.</div>')
    posts = [a for a in v.site.live() if a.published.date() == day]
    rows = _list(v, [_row(v, a) for a in posts]) if posts else (
        '<div class="thongbao">Không có tin nào trong ngày này.</div>')  # fmt: skip
    prev = rel(php_day_path(f"{day - timedelta(days=1):%d/%m/%Y}")) if day.year > 1 else ""
    link = f'<a class="ngaytruoc" href="{prev}">&laquo; Ngày trước</a>' if prev else ""
    return chrome(v, f'<div class="tieude_chuyenmuc">Tin ngày {day:%d/%m/%Y}</div>\n{rows}\n'
                     f'<div class="xemthem">{link}</div>')  # fmt: skip


def _byline(a: Post) -> str:
    text = a.byline_text
    if a.byline == BY_HEADER or text is None:
        return ""
    inner = encoder(a, "byline")(text)
    tag = "i" if a.byline == BY_SOURCE else "b"
    return f'<p align="right"><{tag}>{inner}</{tag}></p>'


def body_html(a: Post) -> str:
    paras = [paragraph_html(a, i).replace('href="/php/', 'href="') for i in range(len(a.paras))]
    if not a.br_body:
        return "\n".join(paras)
    inner = [p[p.index(">") + 1 : -len("</p>")] for p in paras]  # the same text, no <p>
    return "<br><br>\n".join(inner)


def render_article(v: View, a: Post) -> str:
    cname = PHP_CATS[a.cat][1]
    header = ""
    if a.byline == BY_HEADER:
        cls = "tacgia" if v.layout == 1 else "author_news"
        header = f'<span class="{cls}">{encoder(a, "byline")(f"Tác giả: {a.author}")}</span> '
    views = a.id % 3000 + 17 * next(_views)
    others = "".join(f'<li><a href="{rel(php_alias(o))}">{esc(o.title)}</a> '
                     f"<i>({o.published:%d/%m/%Y})</i></li>" for o in neighbours(v.site, a, 10)
                     if isinstance(o, Post))  # fmt: skip
    t, d, c = ("tieude", "ngaydang", "noidung") if v.layout == 1 else (
        "title_news", "date_news", "content_news")  # fmt: skip
    main = f"""<div class="duongdan"><a href="index.php">Trang chủ</a> &raquo;
<a href="{rel(php_cat_path(a.cat))}">{esc(cname)}</a></div>
<div class="{t}">{esc(a.title)}</div>
<div class="thongtin"><span class="{d}">{date_line(a)}</span> {header}\
<span class="luotxem">Lượt xem: {views}</span></div>
<div class="{c}">
<p><b>{lead_html(a)}</b></p>
{body_html(a)}
{_byline(a)}
</div>
<div class="congcu"><a href="{rel(php_canonical(a))}&print=1" target="_blank">In bài viết</a>
| <a href="javascript:history.back()">Quay lại</a></div>
<div class="tinkhac"><div class="tieude_tinkhac">Các tin khác</div><ul>{others}</ul></div>"""
    return chrome(v, main)


def render_print(a: Post) -> str:
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{TITLE}</title></head><body onload="window.print()">
<div class="tieude">{esc(a.title)}</div><div>{date_line(a)}</div>
<p><b>{lead_html(a)}</b></p>{body_html(a)}{_byline(a)}</body></html>"""


def render_static(v: View, module: str) -> str:
    title, text = STATIC[module]
    docs = ""
    if module == "vanban":
        docs = "<ul>" + "".join(f'<li><a href="{rel(p)}">{esc(t)}</a></li>' for p, t in DOCS)
        docs += "</ul>"
    return chrome(v, f'<div class="tieude_chuyenmuc">{esc(title)}</div><p>{esc(text)}</p>{docs}')


# ---------------------------------------------------------------- routes

APACHE_404 = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>
<p>The requested URL was not found on this server.</p></body></html>"""
ADMIN = """<html><head><title>Quản trị hệ thống</title></head><body>
<form method="post" action="login.php"><input name="username"><input name="password"
 type="password"><input type="submit" value="Đăng nhập"></form></body></html>"""


def route(v: View, path: str, query: str) -> Reply:
    q = {k.lower(): val for k, val in parse_qsl(query, keep_blank_values=True)}
    if path == "/php":
        return redirect(v.base + "/php/")
    if path.startswith("/php/admin"):
        return Reply(200, ADMIN, headers=headers())
    if path == "/php/download.php":
        file = "/php/download.php?file=" + q.get("file", "")
        return fake_file(q["file"]) if file in v.files else Reply(404, APACHE_404)
    if path not in ("/php/", "/php/index.php"):
        return Reply(404, APACHE_404)
    module = q.get("module", "").lower()
    if module in STATIC:
        return Reply(200, render_static(v, module), headers=headers())
    if module != "news":
        return Reply(200, render_home(v), headers=headers())
    if q.get("act", "").lower() == "detail":
        raw = q.get("id", "")
        a = v.site.by_id(int(raw)) if raw.isdigit() else None
        if not isinstance(a, Post) or a.status != "live":
            return Reply(
                200, chrome(v, f'<div class="thongbao">{SOFT_404}.</div>'), headers=headers()
            )
        if q.get("print") == "1":
            return Reply(200, render_print(a), headers=headers())
        return Reply(200, render_article(v, a), headers=headers(), article=a)
    if "ngay" in q:
        return Reply(200, render_day(v, q["ngay"]), headers=headers())
    cats = [i for i, (cid, _) in enumerate(PHP_CATS) if str(cid) == q.get("cat", "3")]
    if not cats:
        return Reply(200, chrome(v, '<div class="thongbao">Chuyên mục không tồn tại.</div>'),
                     headers=headers())  # fmt: skip
    page = int(q["page"]) if q.get("page", "").isdigit() else 1
    return Reply(200, render_listing(v, cats[0], page), headers=headers())


def file_paths(posts: list[Post]) -> set[str]:
    out = {p for p, _ in DOCS}
    for a in posts:
        out.update(a.attachments)
    return out
