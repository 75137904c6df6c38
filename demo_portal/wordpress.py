"""Page renderers for the WordPress-like site (Sở Y tế, ``demo-wp``), under /wp.

Layout 1 is a Twenty-Seventeen-like theme (``article.type-post``, ``h1.entry-title``,
``div.entry-content``, ``time.entry-date``, core ``nav.pagination``); layout 2 is a theme
switch (``h1.post-title``, ``div.post-content``, ``span.date``, WP-PageNavi). Internal links
are absolute, as WordPress writes them. Jetpack's share bar and related posts sit inside the
content container, as Jetpack puts them there.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from urllib.parse import quote

from .common import View, encoder, esc, lead_html, paragraph_html
from .families import (
    BY_NONE,
    BY_SOURCE,
    WP_CATS,
    WP_DEAD_LINK,
    WP_TAGS,
    Post,
    neighbours,
    wp_cat_path,
    wp_listing_href,
    wp_permalink,
    wp_related_href,
    wp_shortlink,
)

PER_PAGE = 10
SITE_NAME = "Sở Y tế tỉnh Hòa An"
AUTHOR_SLUG, AUTHOR_NAME = "quan-tri", "Quản trị viên"
FOOTER = ("Cơ quan chủ quản: Sở Y tế tỉnh Hòa An. Địa chỉ: số 12 đường Nguyễn Trãi, "
          "thành phố Hòa An. Điện thoại: 0200 3 822 111. Email: soyte@hoaan.gov.vn")  # fmt: skip
THEME_CSS = ".single-author .byline,.updated:not(.published){display:none}"


def page_count(n_posts: int) -> int:
    return max(1, math.ceil(n_posts / PER_PAGE))


def shown_date(a: Post) -> str:
    p = a.published
    return [f"{p:%d/%m/%Y}", f"{p:%d/%m/%Y %H:%M}", f"{p.day} Tháng {p.month}, {p.year}"][
        a.date_style
    ]


def _iso(a: Post, modified: bool = False) -> str:
    return (a.last_modified if modified else a.published).isoformat(timespec="seconds")


# ---------------------------------------------------------------- chrome


def _menu(v: View) -> str:
    cats = "".join(f'<li class="menu-item"><a href="{v.base}{wp_cat_path(i)}">{esc(n)}</a></li>'
                   for i, (_, n) in enumerate(WP_CATS))  # fmt: skip
    return f"""<nav id="site-navigation" class="main-navigation" aria-label="Menu chính">
<ul id="primary-menu" class="menu"><li class="menu-item"><a href="{v.base}/wp/">Trang chủ</a></li>
<li class="menu-item"><a href="{v.base}/wp/gioi-thieu/">Giới thiệu</a></li>
<li class="menu-item menu-item-has-children"><a href="#">Tin tức</a>
<ul class="sub-menu">{cats}</ul></li>
<li class="menu-item"><a href="{v.base}/wp/van-ban/">Văn bản</a></li>
<li class="menu-item"><a href="{v.base}/wp/lien-he/">Liên hệ</a></li></ul></nav>"""


def calendar_widget(v: View, year: int, month: int) -> str:
    """``table#wp-calendar``: day links to day archives, endless «Th1 / Th3» month links."""
    days = {a.published.day for a in v.site.live() if (a.published.year, a.published.month)
            == (year, month)}  # fmt: skip
    rows = []
    for week in calendar.Calendar(0).monthdayscalendar(year, month):
        cells = []
        for d in week:
            if not d:
                cells.append('<td class="pad">&nbsp;</td>')
            elif d in days:
                href = f"{v.base}/wp/{year:04d}/{month:02d}/{d:02d}/"
                label = f"Các bài viết đã được đăng vào {d:02d}/{month:02d}/{year}"
                cells.append(f'<td><a href="{href}" aria-label="{label}">{d}</a></td>')
            else:
                cells.append(f"<td>{d}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    py, pm = (year, month - 1) if month > 1 else (year - 1, 12)
    ny, nm = (year, month + 1) if month < 12 else (year + 1, 1)
    heads = "".join(f'<th scope="col" title="{t}">{t[:2] if t != "CN" else t}</th>' for t in
                    ("T2", "T3", "T4", "T5", "T6", "T7", "CN"))  # fmt: skip
    prev = f'<a href="{v.base}/wp/{py:04d}/{pm:02d}/">&laquo; Th{pm}</a>' if py >= 1000 else ""
    nxt = f'<a href="{v.base}/wp/{ny:04d}/{nm:02d}/">Th{nm} &raquo;</a>' if ny <= 9999 else ""
    return f"""<section id="calendar-2" class="widget widget_calendar">
<h2 class="widget-title">Lịch bài viết</h2><div id="calendar_wrap" class="calendar_wrap">
<table id="wp-calendar" class="wp-calendar-table"><caption>Tháng {month} {year}</caption>
<thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table>
<nav aria-label="Tháng trước và tháng sau" class="wp-calendar-nav">
<span class="wp-calendar-nav-prev">{prev}</span><span class="pad">&nbsp;</span>
<span class="wp-calendar-nav-next">{nxt}</span></nav></div></section>"""


def _popular(v: View) -> list[Post]:
    live = [a for a in v.site.live() if isinstance(a, Post)]
    return sorted(live, key=lambda a: (a.id * 2654435761) % 1009)[:5]


def sidebar(v: View, month: tuple[int, int] | None = None) -> str:
    live = [a for a in v.site.live() if isinstance(a, Post)]
    newest = "".join(
        f'<li><a href="{v.base}{wp_permalink(a)}">{esc(a.title)}</a> '
        f'<span class="post-date">{a.published:%d/%m/%Y}</span></li>'
        for a in live[:5]
    )
    popular = [f'<li><a href="{v.base}{wp_related_href(a)}">{esc(a.title)}</a></li>'
               for a in _popular(v)]  # fmt: skip
    popular.insert(2, f'<li><a href="{v.base}{WP_DEAD_LINK}">Thông báo lịch trực Tết</a></li>')
    cats = "".join(
        f'<li class="cat-item"><a href="{v.base}{wp_cat_path(i)}">{esc(n)}</a> '
        f"({len(v.site.live(i))})</li>"
        for i, (_, n) in enumerate(WP_CATS)
    )
    months = sorted({(a.published.year, a.published.month) for a in live}, reverse=True)[:12]
    archives = "".join(f'<li><a href="{v.base}/wp/{y:04d}/{m:02d}/">Tháng {m} {y}</a></li>'
                       for y, m in months)  # fmt: skip
    tags = " ".join(f'<a href="{v.base}/wp/the/{s}/" class="tag-cloud-link">{esc(n)}</a>'
                    for s, n in WP_TAGS)  # fmt: skip
    if month is None:
        month = (live[0].published.year, live[0].published.month) if live else (2024, 6)
    return f"""<aside id="secondary" class="widget-area" aria-label="Thanh bên">
<section class="widget widget_search"><form role="search" method="get" class="search-form"
 action="{v.base}/wp/"><input type="search" class="search-field" name="s"/>
<button type="submit" class="search-submit">Tìm kiếm</button></form></section>
<section class="widget widget_recent_entries"><h2 class="widget-title">Bài viết mới</h2>
<ul>{newest}</ul></section>
<section class="widget widget_top-posts"><h2 class="widget-title">Tin xem nhiều</h2>
<ul>{"".join(popular)}</ul></section>
<section class="widget widget_categories"><h2 class="widget-title">Chuyên mục</h2>
<ul>{cats}</ul></section>
{calendar_widget(v, *month)}
<section class="widget widget_archive"><h2 class="widget-title">Lưu trữ</h2>
<ul>{archives}</ul></section>
<section class="widget widget_tag_cloud"><h2 class="widget-title">Thẻ</h2>
<div class="tagcloud">{tags}</div></section></aside>"""


def chrome(v: View, title: str, main: str, body_class: str, head: str = "",
           month: tuple[int, int] | None = None) -> str:  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="vi" class="no-js no-svg">
<head><meta charset="UTF-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{esc(title)} &#8211; {SITE_NAME}</title>
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Dòng thông tin"
 href="{v.base}/wp/feed/"/>{head}
<meta name="generator" content="WordPress 6.4.3"/>
<style id="theme-inline-css">{THEME_CSS}</style></head>
<body class="{body_class} single-author">
<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">
Chuyển đến nội dung</a>
<header id="masthead" class="site-header"><div class="site-branding">
<p class="site-title"><a href="{v.base}/wp/" rel="home">{SITE_NAME}</a></p>
<p class="site-description">Cổng thông tin điện tử</p></div>
{_menu(v)}</header>
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main">
{main}
</main></div>
{sidebar(v, month)}
</div>
<footer id="colophon" class="site-footer"><div class="site-info"><p>{esc(FOOTER)}</p>
<p>Liên kết: <a href="https://moh.gov.vn/">Bộ Y tế</a></p>
<p>Bản quyền &copy; {SITE_NAME}. Được xây dựng bằng WordPress.</p></div></footer>
</div></body></html>
"""


# ---------------------------------------------------------------- listings


def pager(v: View, page: int, pages: int, url: Callable[[int], str]) -> str:
    if pages <= 1:
        return ""
    if v.layout == 2:  # WP-PageNavi
        parts = [f'<span class="pages">Trang {page} trên {pages}</span>']
        if page > 1:
            parts.append(f'<a class="previouspostslink" rel="prev" href="{url(page - 1)}">«</a>')
        for n in range(max(1, page - 2), min(pages, page + 2) + 1):
            parts.append(f'<span aria-current="page" class="current">{n}</span>' if n == page
                         else f'<a class="page larger" href="{url(n)}">{n}</a>')  # fmt: skip
        if page < pages:
            parts.append(f'<a class="nextpostslink" rel="next" href="{url(page + 1)}">»</a>')
            parts.append(f'<a class="last" href="{url(pages)}">Cuối »</a>')
        return f'<div class="wp-pagenavi" role="navigation">{"".join(parts)}</div>'
    links = []
    if page > 1:
        links.append(f'<a class="prev page-numbers" href="{url(page - 1)}">« Trang trước</a>')
    last_dots = False
    for n in range(1, pages + 1):
        if n == page:
            links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
        elif n == 1 or n == pages or abs(n - page) <= 2:
            links.append(f'<a class="page-numbers" href="{url(n)}">{n}</a>')
        elif not last_dots:
            links.append('<span class="page-numbers dots">&hellip;</span>')
            last_dots = True
            continue
        else:
            continue
        last_dots = False
    if page < pages:
        links.append(f'<a class="next page-numbers" href="{url(page + 1)}">Trang sau »</a>')
    return ('<nav class="navigation pagination" aria-label="Phân trang bài viết">'
            '<h2 class="screen-reader-text">Phân trang bài viết</h2>'
            f'<div class="nav-links">{"".join(links)}</div></nav>')  # fmt: skip


def _item(v: View, a: Post, href: str) -> str:
    img = ""
    if a.image:
        img = (f'<img width="300" height="200" src="{v.base}{a.image}" '
               'class="attachment-medium size-medium wp-post-image" alt=""/>')  # fmt: skip
    if v.layout == 2:
        return f"""<div class="post-item clearfix"><div class="post-thumb">
<a href="{href}">{img}</a></div><div class="post-info">
<h3 class="post-title"><a href="{href}">{esc(a.title)}</a></h3>
<span class="date"><i class="fa fa-clock-o"></i> {shown_date(a)}</span>
<p class="post-excerpt">{esc(a.lead)}</p></div></div>"""
    cls = f"post-{a.id} post type-post status-publish format-standard hentry"
    cls += f" category-{WP_CATS[a.cat][0]}" + "".join(f" tag-{WP_TAGS[t][0]}" for t in a.tags)
    thumb = f'<a class="post-thumbnail" href="{href}" aria-hidden="true">{img}</a>' if img else ""
    return f"""<article id="post-{a.id}" class="{cls}">{thumb}
<header class="entry-header"><div class="entry-meta"><span class="posted-on">
<a href="{href}" rel="bookmark"><time class="entry-date published" datetime="{_iso(a)}">\
{shown_date(a)}</time></a></span></div>
<h2 class="entry-title"><a href="{href}" rel="bookmark">{esc(a.title)}</a></h2></header>
<div class="entry-summary"><p>{esc(a.lead)}</p></div>
<a class="more-link" href="{href}">Đọc tiếp<span class="screen-reader-text"> “{esc(a.title)}”\
</span></a></article>"""


def render_archive(v: View, heading: str, posts: list[Post], page: int, url: Callable[[int], str],
                   tracked: bool = False, month: tuple[int, int] | None = None,
                   empty_ok: bool = False) -> str | None:  # fmt: skip
    """A paginated archive (category, tag, author, date); None past its last page."""
    pages = page_count(len(posts))
    if page < 1 or page > pages or (not posts and not empty_ok):
        return None
    chunk = posts[(page - 1) * PER_PAGE : page * PER_PAGE]
    items = [_item(v, a, v.base + (wp_listing_href(a) if tracked else wp_permalink(a)))
             for a in chunk]  # fmt: skip
    if not items:
        items = ['<section class="no-results not-found"><h2 class="page-title">Không tìm '
                 'thấy bài viết</h2><p>Không có bài viết nào trong thời gian này.</p>'
                 "</section>"]  # fmt: skip
    head = f'\n<link rel="canonical" href="{url(page)}"/>'
    if page > 1:
        head += f'\n<link rel="prev" href="{url(page - 1)}"/>'
    if page < pages:
        head += f'\n<link rel="next" href="{url(page + 1)}"/>'
    title_cls = "archive-title" if v.layout == 2 else "page-title"
    main = (f'<header class="page-header"><h1 class="{title_cls}">{esc(heading)}</h1></header>\n'
            + "\n".join(items) + "\n" + pager(v, page, pages, url))  # fmt: skip
    return chrome(v, heading, main, "archive paged-" + str(page), head, month)


def render_home(v: View) -> str:
    live = [a for a in v.site.live() if isinstance(a, Post)]
    blocks = ['<section class="home-block latest"><h2 class="block-title">Tin mới nhất</h2><ul>'
              + "".join(f'<li><a href="{v.base}{wp_permalink(a)}">{esc(a.title)}</a> '
                        f'<span class="post-date">{a.published:%d/%m/%Y}</span></li>'
                        for a in live[:6]) + "</ul></section>"]  # fmt: skip
    for i, (_, name) in enumerate(WP_CATS):
        lis = "".join(f'<li><a href="{v.base}{wp_permalink(a)}">{esc(a.title)}</a></li>'
                      for a in v.site.live(i)[:5])  # fmt: skip
        blocks.append(f'<section class="home-block"><h2 class="block-title">{esc(name)}</h2>'
                      f'<ul>{lis}</ul><a class="view-all" href="{v.base}{wp_cat_path(i)}">'
                      "Xem tất cả »</a></section>")  # fmt: skip
    return chrome(v, "Trang chủ", "\n".join(blocks), "home page-template-default")


# ---------------------------------------------------------------- articles


def _byline(a: Post) -> str:
    if a.byline == BY_NONE or a.byline_text is None:
        return ""
    text = encoder(a, "byline")(a.byline_text)
    tag = "em" if a.byline == BY_SOURCE else "strong"
    return f'<p style="text-align: right;"><{tag}>{text}</{tag}></p>'


def _figure(v: View, a: Post) -> str:
    if not a.image or not a.caption:
        return ""
    cap = encoder(a, "caption")(a.caption)
    return (f'<figure class="wp-block-image size-large"><img loading="lazy" width="1024" '
            f'height="683" src="{v.base}{a.image}" alt="" class="wp-image-{a.id + 1}"/>'
            f"<figcaption>{cap}</figcaption></figure>")  # fmt: skip


def _table(a: Post) -> str:
    enc = encoder(a, "table")
    rows = []
    for i, row in enumerate(a.table):
        cells = "".join(f"<td><strong>{enc(c)}</strong></td>" if i == 0 else f"<td>{enc(c)}</td>"
                        for c in row)  # fmt: skip
        rows.append(f"<tr>{cells}</tr>")
    return f'<figure class="wp-block-table"><table><tbody>{"".join(rows)}</tbody></table></figure>'


def content_html(v: View, a: Post) -> str:
    parts = [f"<p><strong>{lead_html(a)}</strong></p>"]
    for i in range(len(a.paras)):
        parts.append(paragraph_html(a, i, href_prefix=v.base))
        if i == 0:
            parts.append(_figure(v, a))
        if a.table and i == a.table_at:
            parts.append(_table(a))
    parts.append(_byline(a))
    return "\n".join(p for p in parts if p)


def _share(v: View, a: Post) -> str:
    url = quote(v.base + wp_permalink(a), safe="")
    return f"""<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block \
sd-social sd-sharing"><h3 class="sd-title">Chia sẻ:</h3><div class="sd-content"><ul>
<li class="share-facebook"><a rel="nofollow noopener noreferrer" class="share-facebook sd-button"
 href="https://www.facebook.com/sharer/sharer.php?u={url}" target="_blank">
<span>Facebook</span></a></li>
<li class="share-zalo"><a rel="nofollow noopener noreferrer" class="sd-button"
 href="https://zalo.me/share?u={url}" target="_blank"><span>Zalo</span></a></li>
<li class="share-link"><a class="sd-button" href="{v.base}{wp_shortlink(a)}">\
<span>Liên kết rút gọn</span></a></li></ul></div></div></div>"""


def _related(v: View, a: Post) -> str:
    posts = [x for x in neighbours(v.site, a, 3) if isinstance(x, Post)]
    items = "".join(
        f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title">'
        f'<a class="jp-relatedposts-post-a" href="{v.base}{wp_related_href(x)}">'
        f'{esc(x.title)}</a></h4><p class="jp-relatedposts-post-date">{x.published:%d/%m/%Y}'
        f'</p><p class="jp-relatedposts-post-context">Trong "{esc(WP_CATS[x.cat][1])}"</p></div>'
        for x in posts
    )
    return (f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-'
            f'headline"><em>Bài viết liên quan</em></h3><div class="jp-relatedposts-items">'
            f"{items}</div></div>")  # fmt: skip


def render_article(v: View, a: Post) -> str:
    perm = v.base + wp_permalink(a)
    cat_slug, cat_name = WP_CATS[a.cat]
    cat_link = f'<a href="{v.base}{wp_cat_path(a.cat)}" rel="category tag">{esc(cat_name)}</a>'
    tags = ", ".join(f'<a href="{v.base}/wp/the/{WP_TAGS[t][0]}/" rel="tag">{esc(WP_TAGS[t][1])}'
                     "</a>" for t in a.tags)  # fmt: skip
    head = f"""
<link rel="canonical" href="{perm}"/>
<link rel="shortlink" href="{v.base}{wp_shortlink(a)}"/>
<meta property="og:type" content="article"/>
<meta property="og:title" content="{esc(a.title)}"/>
<meta property="og:url" content="{perm}"/>
<meta property="article:published_time" content="{_iso(a)}"/>
<meta property="article:modified_time" content="{_iso(a, True)}"/>"""
    if v.layout == 2:
        main = f"""<div class="single-post-wrap" id="post-{a.id}">
<div class="post-cat">{cat_link}</div>
<h1 class="post-title">{esc(a.title)}</h1>
<div class="post-meta"><span class="date"><i class="fa fa-calendar"></i> {shown_date(a)}</span>
</div>
<div class="post-content">
{content_html(v, a)}
</div>
{_share(v, a)}
<div class="post-tags">Thẻ: {tags}</div>
{_related(v, a)}
</div>"""
        return chrome(v, a.title, main, f"single single-post postid-{a.id}", head)
    updated = ""
    if a.last_modified != a.published:
        updated = (
            f'<time class="updated" datetime="{_iso(a, True)}">{a.last_modified:%d/%m/%Y}</time>'
        )
    others = [x for x in neighbours(v.site, a, 1)]
    nav = ""
    if others:
        nav = (f'<nav class="navigation post-navigation" aria-label="Bài viết"><div class="nav-'
               f'links"><div class="nav-next"><a href="{v.base}{wp_permalink(others[0])}" '
               f'rel="next"><span class="meta-nav">Bài tiếp theo</span> {esc(others[0].title)}'
               "</a></div></div></nav>")  # fmt: skip
    cls = f"post-{a.id} post type-post status-publish format-standard hentry category-{cat_slug}"
    main = f"""<article id="post-{a.id}" class="{cls}">
<header class="entry-header"><h1 class="entry-title">{esc(a.title)}</h1>
<div class="entry-meta"><span class="posted-on"><span class="screen-reader-text">Đăng vào </span>\
<a href="{perm}" rel="bookmark"><time class="entry-date published" datetime="{_iso(a)}">\
{shown_date(a)}</time>{updated}</a></span><span class="byline"> bởi <span class="author vcard">\
<a class="url fn n" href="{v.base}/wp/author/{AUTHOR_SLUG}/">{AUTHOR_NAME}</a></span></span></div>
</header>
<div class="entry-content">
{content_html(v, a)}
{_share(v, a)}
{_related(v, a)}
</div>
<footer class="entry-footer"><span class="cat-links">Chuyên mục: {cat_link}</span>
<span class="tags-links">Thẻ: {tags}</span></footer></article>
{nav}
<div id="comments" class="comments-area"><div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">Để lại một bình luận</h3>
<form action="{v.base}/wp/wp-comments-post.php" method="post" id="commentform">
<p class="comment-notes">Email của bạn sẽ không được hiển thị công khai.</p>
<textarea id="comment" name="comment" rows="8"></textarea><input id="author" name="author"/>
<input id="email" name="email"/><input type="hidden" name="comment_post_ID" value="{a.id}"/>
<input name="submit" type="submit" value="Phản hồi"/></form></div></div>"""
    return chrome(v, a.title, main, f"post-template-default single single-post postid-{a.id}", head)
