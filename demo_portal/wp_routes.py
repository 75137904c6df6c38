"""Routes of the WordPress-like site (/wp): permalinks and their redirects, archives (category,
tag, author, and the endless date archives of the calendar widget), RSS feed and sitemap."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date
from email.utils import format_datetime
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from . import wordpress as wp
from .common import HTML, Reply, View, esc, etag_for, fake_file, redirect
from .families import WP_CATS, WP_TAGS, Post, wp_cat_path, wp_permalink, wp_shortlink

DATE_RE = re.compile(r"^/wp/(\d{4})/(?:(\d{2})/(?:(\d{2})/)?)?(?:page/(\d+)/)?$")
POST_RE = re.compile(r"^/wp/(\d{4})/(\d{2})/(\d{2})/([a-z0-9-]+)(/?)$")
ARCHIVE_RE = re.compile(r"^/wp/(chuyen-muc|the|author)/([a-z0-9-]+)/(?:page/(\d+)/)?$")
XML = "application/rss+xml; charset=UTF-8"
LOGIN = """<!DOCTYPE html><html lang="vi"><head><meta charset="UTF-8"/>
<title>Đăng nhập &lsaquo; Sở Y tế tỉnh Hòa An &#8212; WordPress</title></head>
<body class="login"><form name="loginform" id="loginform" method="post">
<input type="text" name="log"/><input type="password" name="pwd"/>
<input type="submit" name="wp-submit" value="Đăng nhập"/></form></body></html>"""

PAGES = {  # WordPress pages (type-page): no date, not articles
    "gioi-thieu": ("Giới thiệu", "Sở Y tế là cơ quan chuyên môn thuộc UBND tỉnh Hòa An, tham "
                   "mưu về y tế dự phòng, khám bệnh, chữa bệnh, dược và bảo hiểm y tế."),
    "van-ban": ("Văn bản", "Các văn bản chỉ đạo, điều hành của Sở Y tế."),
    "lien-he": ("Liên hệ", wp.FOOTER),
}  # fmt: skip
DOCS = [  # linked by the "Văn bản" page
    ("/wp/wp-content/uploads/2024/01/ke-hoach-tiem-chung-2024.pdf", "Kế hoạch tiêm chủng 2024"),
    ("/wp/wp-content/uploads/2023/12/quy-che-lam-viec.docx", "Quy chế làm việc của Sở"),
]


def _posts(v: View) -> list[Post]:
    return [a for a in v.site.live() if isinstance(a, Post)]


def _not_found(v: View) -> Reply:
    return Reply(404, render_404(v))


def route(v: View, path: str, query: str) -> Reply:
    q = dict(parse_qsl(query, keep_blank_values=True))
    if path == "/wp":
        return redirect(v.base + "/wp/")
    if path == "/wp/":
        if "p" in q:  # the shortlink
            a = _find(v, lambda x: str(x.id) == q["p"])
            return redirect(v.base + wp_permalink(a)) if a else _not_found(v)
        if "s" in q:
            heading = f"Kết quả tìm kiếm cho: {q['s']}"
            page = wp.render_archive(v, heading, [], 1, lambda n: v.base + "/wp/", empty_ok=True)
            return Reply(200, page or "")
        return Reply(200, wp.render_home(v))
    if path == "/wp/feed/":
        return feed(v)
    if path == "/wp/sitemap.xml":
        return sitemap(v)
    if path.startswith("/wp/wp-content/"):
        return fake_file(path) if path in v.files else _not_found(v)
    if path.startswith("/wp/wp-admin"):
        return redirect(f"{v.base}/wp/wp-login.php?redirect_to={quote(v.base + path, safe='')}",
                        302)  # fmt: skip
    if path == "/wp/wp-login.php":
        return Reply(200, LOGIN)
    m = POST_RE.match(path)
    if m and m.group(4) != "page":
        return _post(v, m, query)
    m = DATE_RE.match(path)
    if m:
        return _date_archive(v, m)
    m = ARCHIVE_RE.match(path)
    if m:
        return _archive(v, m.group(1), m.group(2), int(m.group(3) or 1))
    slug = path.removeprefix("/wp/").rstrip("/")
    if slug in PAGES and path.endswith("/"):
        return Reply(200, render_page(v, slug))
    bare = not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]
    if bare and route(v, path + "/", "").status != 404:  # WordPress adds the trailing slash
        return redirect(v.base + path + "/" + ("?" + query if query else ""))
    return _not_found(v)


def _find(v: View, match: Callable[[Post], bool]) -> Post | None:
    for a in v.site.articles:
        if isinstance(a, Post) and a.status == "live" and match(a):
            return a
    return None


def _post(v: View, m: re.Match[str], query: str) -> Reply:
    y, mo, d, slug, slash = m.groups()
    a = _find(v, lambda x: x.slug == slug)
    if a is None:  # an earlier slug of a post: WordPress redirects to the current permalink
        old = _find(v, lambda x: x.old_slug == slug)
        return redirect(v.base + wp_permalink(old)) if old else _not_found(v)
    if (y, mo, d) != (f"{a.published:%Y}", f"{a.published:%m}", f"{a.published:%d}") or not slash:
        return redirect(v.base + wp_permalink(a))
    etag = etag_for(a.site, a.id, a.title, wp.shown_date(a), a.lead, a.paras, a.byline,
                    a.author, a.source, a.encoding, a.caption, a.table, a.last_modified,
                    v.layout)  # fmt: skip
    headers = {"Link": f"<{v.base}{wp_shortlink(a)}>; rel=shortlink"}
    return Reply(200, wp.render_article(v, a), HTML, headers, article=a, etag=etag,
                 modified=a.last_modified)  # fmt: skip


def _date_archive(v: View, m: re.Match[str]) -> Reply:
    y, mo, d, page = int(m.group(1)), m.group(2), m.group(3), int(m.group(4) or 1)
    try:
        first = date(y, int(mo or 1), int(d or 1))
    except ValueError:
        return _not_found(v)
    if d:
        posts = [a for a in _posts(v) if a.published.date() == first]
        heading, base = f"Ngày: {first:%d/%m/%Y}", f"/wp/{y:04d}/{first:%m}/{first:%d}/"
    elif mo:
        posts = [a for a in _posts(v) if (a.published.year, a.published.month) == (y, first.month)]
        heading, base = f"Tháng: {first.month}/{y}", f"/wp/{y:04d}/{first:%m}/"
    else:
        posts = [a for a in _posts(v) if a.published.year == y]
        heading, base = f"Năm: {y}", f"/wp/{y:04d}/"

    def url(n: int) -> str:
        return v.base + base + (f"page/{n}/" if n > 1 else "")

    html = wp.render_archive(v, heading, posts, page, url, month=(y, first.month), empty_ok=True)
    return Reply(200, html) if html else _not_found(v)


def _archive(v: View, kind: str, slug: str, page: int) -> Reply:
    posts: list[Post]
    if kind == "chuyen-muc":
        cats = [i for i, (s, _) in enumerate(WP_CATS) if s == slug]
        if not cats:
            return _not_found(v)
        posts = [a for a in v.site.live(cats[0]) if isinstance(a, Post)]
        heading = f"Chuyên mục: {WP_CATS[cats[0]][1]}"
        html = wp.render_archive(
            v, heading, posts, page, lambda n: v.base + wp_cat_path(cats[0], n), tracked=True
        )
        return Reply(200, html) if html else _not_found(v)
    if kind == "the":
        tags = [i for i, (s, _) in enumerate(WP_TAGS) if s == slug]
        if not tags:
            return _not_found(v)
        posts = [a for a in _posts(v) if tags[0] in a.tags]
        heading = f"Thẻ: {WP_TAGS[tags[0]][1]}"
    elif slug == wp.AUTHOR_SLUG:
        posts, heading = _posts(v), f"Tác giả: {wp.AUTHOR_NAME}"
    else:
        return _not_found(v)
    base = f"/wp/{kind}/{slug}/"
    html = wp.render_archive(
        v, heading, posts, page, lambda n: v.base + base + (f"page/{n}/" if n > 1 else "")
    )
    return Reply(200, html) if html else _not_found(v)


# ---------------------------------------------------------------- pages


def render_page(v: View, slug: str) -> str:
    title, text = PAGES[slug]
    extra = ""
    if slug == "van-ban":
        extra = "<ul>" + "".join(f'<li><a href="{v.base}{p}">{esc(t)}</a></li>'
                                 for p, t in DOCS) + "</ul>"  # fmt: skip
    main = f"""<article class="page type-page status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{esc(title)}</h1></header>
<div class="entry-content"><p>{esc(text)}</p>{extra}</div></article>"""
    return wp.chrome(v, title, main, "page-template-default page")


def render_404(v: View) -> str:
    main = """<section class="error-404 not-found"><header class="page-header">
<h1 class="page-title">Không tìm thấy trang</h1></header><div class="page-content">
<p>Có vẻ như không có gì ở đây. Bạn hãy thử tìm kiếm?</p></div></section>"""
    return wp.chrome(v, "Không tìm thấy trang", main, "error404")


# ---------------------------------------------------------------- feed and sitemap


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def feed(v: View) -> Reply:
    """RSS 2.0 of the newest 20 posts (guid: the shortlink, as WordPress writes it)."""
    posts = _posts(v)[:20]
    newest = max((a.last_modified for a in posts), default=None)
    items = []
    for a in posts:
        items.append(f"""<item><title>{escape(a.title)}</title>
<link>{v.base}{wp_permalink(a)}</link>
<dc:creator>{_cdata(wp.AUTHOR_NAME)}</dc:creator>
<pubDate>{format_datetime(a.published)}</pubDate>
<category>{_cdata(WP_CATS[a.cat][1])}</category>
<guid isPermaLink="false">{v.base}{wp_shortlink(a)}</guid>
<description>{_cdata(a.lead)}</description>
<content:encoded>{_cdata(wp.content_html(v, a))}</content:encoded></item>""")
    built = format_datetime(newest) if newest else ""
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>{escape(wp.SITE_NAME)}</title>
<atom:link href="{v.base}/wp/feed/" rel="self" type="application/rss+xml"/>
<link>{v.base}/wp</link><description>Cổng thông tin điện tử</description>
<lastBuildDate>{built}</lastBuildDate><language>vi</language>
{chr(10).join(items)}
</channel></rss>
"""
    return Reply(200, body, XML, etag=etag_for("feed", body), modified=newest)


def sitemap(v: View) -> Reply:
    """Every live post with ``<lastmod>`` = its last modification (moves on an edit)."""
    posts = _posts(v)
    urls = "".join(
        f"<url><loc>{v.base}{wp_permalink(a)}</loc>"
        f"<lastmod>{a.last_modified.astimezone(UTC):%Y-%m-%dT%H:%M:%S+00:00}</lastmod></url>\n"
        for a in posts
    )
    xmlns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{xmlns}">\n{urls}</urlset>\n'
    return Reply(200, body, "application/xml; charset=UTF-8")


def file_paths(posts: list[Post]) -> set[str]:
    """Every file the WordPress site serves under /wp/wp-content/uploads/."""
    out = {p for p, _ in DOCS}
    for a in posts:
        out.update(a.attachments)
        if a.image:
            out.add(a.image)
    return out
