"""Misbehaving portal modes for reliability drills (``DemoPortal(misbehave={...})``).

Article modes hit a small deterministic subset of live articles per site (``COUNT`` each,
chosen per mode by a hash, so two modes rarely pick the same article); listing modes hit
every listing page. Nothing changes when ``portal.misbehave`` is empty.

=================  =============================================================
``slow``           the answer comes after ``SLOW_SECONDS`` (beyond a short timeout)
``reset``          the connection is closed (RST) without any response
``storm500``       500 for every request to the subset
``truncated``      Content-Length larger than the body sent, then close
``huge``           a ``HUGE_BYTES`` page, streamed without Content-Length
``cp1258``         windows-1258 bytes, meta charset windows-1258, header says utf-8
``binary``         random bytes served as ``text/html``
``redirect_loop``  A → A?mb_loop=1 → A → …
``endless_listing`` the last listing page links a next page, which links the next,
                   each with fake article links that 404
=================  =============================================================
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import re
import socket
import struct
import time
import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import parse_qsl

from . import aspnet, liferay
from .content import ASP_CATS, LF, LF_CATS, LF_PREFIX, Article, Site
from .truth import lf_cat_path


# What the drills need of the server (server.py), described here so that this module does
# not import the server that calls it.
class DemoPortal(Protocol):
    misbehave: set[str]
    layout: int
    _sites: Any  # (Liferay site, ASP.NET site)


class Handler(Protocol):
    portal: DemoPortal
    path: str
    command: str
    connection: Any
    wfile: Any
    close_connection: bool

    def _send(
        self, status: int, body: str | bytes = ..., ctype: str = ..., headers: Any = ...
    ) -> None: ...
    def send_response(self, code: int, message: str | None = None) -> None: ...
    def send_header(self, keyword: str, value: str) -> None: ...
    def end_headers(self) -> None: ...


ARTICLE_MODES = (
    "slow", "reset", "storm500", "truncated", "huge", "cp1258", "binary", "redirect_loop",
)  # fmt: skip
LISTING_MODES = ("endless_listing",)
MODES = ARTICLE_MODES + LISTING_MODES

COUNT = 2  # misbehaving articles per site and mode
SLOW_SECONDS = 5.0
HUGE_BYTES = 50 * 1024 * 1024
FAKE_LINKS = 2  # fake (404) article links per endless listing page
LF_FAKE_BASE, ASP_FAKE_BASE = 9_100_000, 700_000  # above every real id
LOOP_PARAM = "mb_loop"
_LF_ARTICLE = re.compile(r"(?i)/view_content/(?P<id>\d+)-")
_META_UTF8 = re.compile(r"(?i)charset=([\"']?)utf-8")


def parse_modes(spec: str | Iterable[str] | None) -> set[str]:
    """``"slow,reset"`` or an iterable of names; unknown names raise ValueError."""
    if not spec:
        return set()
    names = spec.split(",") if isinstance(spec, str) else list(spec)
    modes = {n.strip() for n in names if n and n.strip()}
    unknown = sorted(modes - set(MODES))
    if unknown:
        raise ValueError(f"unknown misbehave mode(s) {unknown}; known: {', '.join(MODES)}")
    return modes


def _rank(mode: str, a: Article) -> str:
    return hashlib.sha1(f"{mode}:{a.site}:{a.id}".encode()).hexdigest()


def chosen(site: Site, mode: str, count: int = COUNT) -> list[Article]:
    """The live articles of ``site`` that misbehave under ``mode`` (deterministic).

    Modes pick in ``ARTICLE_MODES`` order and never share an article, whichever are on."""
    if mode not in ARTICLE_MODES:
        return []
    taken: set[int] = set()
    for name in ARTICLE_MODES:
        ranked = sorted((a for a in site.live() if a.id not in taken), key=lambda a: _rank(name, a))
        if name == mode:
            return ranked[:count]
        taken.update(a.id for a in ranked[:count])
    return []


def affected(portal: DemoPortal, modes: Iterable[str] | None = None) -> set[tuple[str, str]]:
    """(site, key) of every article an article mode of ``portal`` (or ``modes``) spoils."""
    out: set[tuple[str, str]] = set()
    for site in portal._sites:
        for mode in portal.misbehave if modes is None else modes:
            out.update((a.site, str(a.id)) for a in chosen(site, mode))
    return out


def _article_mode(portal: DemoPortal, a: Article) -> str | None:
    site = portal._sites[0] if a.site == LF else portal._sites[1]
    for mode in ARTICLE_MODES:
        if mode in portal.misbehave and any(x.id == a.id for x in chosen(site, mode)):
            return mode
    return None


# ---------------------------------------------------------------- the hook


def intercept(handler: Handler, url: Any, form: dict[str, str]) -> bool:
    """Serve a misbehaving answer for this request; False leaves it to the normal routes."""
    portal = handler.portal
    path: str = url.path
    query = {k.lower(): v for k, v in parse_qsl(url.query, keep_blank_values=True)}
    lf_site, asp_site = portal._sites
    article: Article | None = None
    m = _LF_ARTICLE.search(path) if path.startswith("/lf/") else None
    if m:
        article = lf_site.by_id(int(m.group("id")))
    elif path.lower() == "/asp/pages/chitiet.aspx" and query.get("itemid", "").isdigit():
        article = asp_site.by_id(int(query["itemid"]))
    if article is not None and article.status == "live":
        mode = _article_mode(portal, article)
        if mode is not None:
            with contextlib.suppress(OSError):
                _ARTICLE_HANDLERS[mode](handler, article, url, query)
            return True
        return False
    if "endless_listing" in portal.misbehave:
        return _endless(handler, path, query, form)
    return False


# ---------------------------------------------------------------- article modes


def _render(handler: Handler, a: Article) -> str:
    portal = handler.portal
    if a.site == LF:
        return liferay.render_article(portal._sites[0], a, portal.layout)
    action = handler.path.rsplit("/", 1)[-1]
    return aspnet.render_article(portal._sites[1], a, action, portal.layout)


def _head(handler: Handler, status: int, headers: dict[str, str]) -> None:
    handler.portal._log(handler.command, handler.path, status)
    handler.send_response(status)
    for k, v in headers.items():
        handler.send_header(k, v)
    handler.end_headers()


def _slow(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    time.sleep(SLOW_SECONDS)
    handler._send(200, _render(handler, a))


def _reset(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    handler.portal._log(handler.command, handler.path, 0)
    handler.close_connection = True
    # SO_LINGER 0: closing sends RST, not FIN; the real close happens once the handler's
    # file objects are closed, before anything was written.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()


def _storm500(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    body = "<html><body><h2>Server Error in '/' Application.</h2><p>Runtime Error</p></body></html>"
    handler._send(500, body)


def _truncated(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    data = _render(handler, a).encode("utf-8")
    _head(handler, 200, {"Content-Type": "text/html; charset=utf-8",
                         "Content-Length": str(len(data) + 4096)})  # fmt: skip
    handler.wfile.write(data[: len(data) // 2])
    handler.wfile.flush()
    handler.close_connection = True


def _huge(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    _head(handler, 200, {"Content-Type": "text/html; charset=utf-8", "Connection": "close"})
    handler.close_connection = True
    if handler.command == "HEAD":
        return
    head = f"<!DOCTYPE html><html><head><title>{a.title}</title></head><body>".encode()
    chunk = ("<p>Nội dung rất dài của trang. " * 2000 + "</p>\n").encode()
    handler.wfile.write(head)
    sent = len(head)
    while sent < HUGE_BYTES:  # streamed: never more than one chunk in memory
        piece = chunk[: HUGE_BYTES - sent]
        handler.wfile.write(piece)
        sent += len(piece)


def encode_cp1258(text: str) -> bytes:
    """windows-1258 bytes of ``text``: precomposed letters where the code page has them,
    combining tone marks otherwise (how Vietnamese is written in 1258); others as NCRs."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        for cut in range(len(parts), 0, -1):
            candidate = unicodedata.normalize("NFC", parts[:cut]) + parts[cut:]
            try:
                out += candidate.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += f"&#{ord(ch)};".encode("ascii")
    return bytes(out)


def cp1258_page(html: str) -> bytes:
    return encode_cp1258(_META_UTF8.sub(r"charset=\1windows-1258", html))


def _cp1258(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    handler._send(200, cp1258_page(_render(handler, a)), "text/html; charset=utf-8")


def _binary(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    rng = random.Random(f"binary:{a.site}:{a.id}")
    handler._send(200, rng.randbytes(8192), "text/html; charset=utf-8")


def _redirect_loop(handler: Handler, a: Article, url: Any, query: dict[str, str]) -> None:
    if LOOP_PARAM in query:
        pairs = [p for p in url.query.split("&") if p and not p.lower().startswith(LOOP_PARAM)]
        target = url.path + ("?" + "&".join(pairs) if pairs else "")
    else:
        target = url.path + ("?" + url.query + "&" if url.query else "?") + f"{LOOP_PARAM}=1"
    handler._send(302, "<html><body>Object moved</body></html>", headers={"Location": target})


_ARTICLE_HANDLERS = {
    "slow": _slow,
    "reset": _reset,
    "storm500": _storm500,
    "truncated": _truncated,
    "huge": _huge,
    "cp1258": _cp1258,
    "binary": _binary,
    "redirect_loop": _redirect_loop,
}


# ---------------------------------------------------------------- endless listings


def _endless(handler: Handler, path: str, query: dict[str, str], form: dict[str, str]) -> bool:
    lf_site, asp_site = handler.portal._sites
    rest = path.removeprefix(LF_PREFIX + "/").rstrip("/")
    for cat, (slug, _) in enumerate(LF_CATS):
        if path.startswith(LF_PREFIX + "/") and rest == slug:
            page = _int(query.get("_101_cur", "1"))
            handler._send(200, _lf_listing(lf_site, cat, page))
            return True
    if path.lower() == "/asp/pages/tintuc.aspx":
        cats = [i for i, (cid, _) in enumerate(ASP_CATS) if str(cid) == query.get("catid")]
        if not cats:
            return False
        page = _int(query.get("page", "1"))
        if cats[0] == 0:  # postback-only pager
            arg = form.get("__EVENTARGUMENT", "")
            page = _int(arg.removeprefix("Page$")) if arg.startswith("Page$") else 1
        handler._send(200, _asp_listing(asp_site, cats[0], page))
        return True
    return False


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 7 else 1


def _lf_listing(site: Site, cat: int, page: int) -> str:
    pages = liferay.page_count(site, cat)
    href = liferay.esc(liferay.listing_url(cat, page + 1))
    nxt = f'<li class="next"><a href="{href}">Sau</a></li>'
    if page <= pages:
        html = liferay.render_listing(site, cat, page) or ""
        if page == pages:
            start = html.index('<ul class="pager">')
            end = html.index("</ul>", start)
            html = html[:end] + nxt + html[end:]
        return html
    base = f"{lf_cat_path(cat)}/-/view_content"
    blocks = [
        liferay._abstract(
            f"{base}/{fid}-tin-khong-ton-tai-{fid}.html",
            f"Tin giả số {fid}",
            "02/01/2020 | 08:00 AM",
            "Không tồn tại.",
        )
        for fid in _fake_ids(LF_FAKE_BASE, cat, page)
    ]
    main = f"""<section class="portlet" id="portlet_101"><div class="portlet-content">
<h2 class="portlet-title">{liferay.esc(LF_CATS[cat][1])}</h2>
{"".join(blocks)}
<div class="taglib-page-iterator"><ul class="pager">{nxt}</ul></div>
</div></section>"""
    return liferay._chrome(LF_CATS[cat][1], main)


def _asp_listing(site: Site, cat: int, page: int) -> str:
    pages = aspnet.page_count(site, cat)
    href = aspnet._attr(aspnet._page_href(cat, page + 1))
    nxt = f'<a class="pager-next" href="{href}">Trang sau</a>'
    if page <= pages:
        html = aspnet.render_listing(site, cat, page) or ""
        if page == pages:
            start = html.index('<div class="pager">')
            end = html.index("</div>", start)
            html = html[:end] + " " + nxt + html[end:]
        return html
    cid = ASP_CATS[cat][0]
    items = [
        aspnet._item(
            f"ChiTiet.aspx?ItemID={fid}&CatID={cid}",
            f"Tin giả số {fid}",
            "05/01/2020",
            "Không tồn tại.",
        )
        for fid in _fake_ids(ASP_FAKE_BASE, cat, page)
    ]
    main = f"""<div class="news-list" id="ctl00_ContentPlaceHolder1_NewsList">
<h2 class="cat-title">{aspnet.esc(ASP_CATS[cat][1])}</h2>
{"".join(items)}
<div class="pager">{nxt}</div></div>"""
    return aspnet._chrome(
        ASP_CATS[cat][1], f"TinTuc.aspx?CatID={cid}", main, aspnet._crumb(ASP_CATS[cat][1])
    )


def _fake_ids(base: int, cat: int, page: int) -> list[int]:
    return [base + (page * 2 + cat) * 10 + k for k in range(FAKE_LINKS)]


__all__ = [
    "ARTICLE_MODES", "LISTING_MODES", "MODES", "affected", "chosen", "cp1258_page",
    "encode_cp1258", "intercept", "parse_modes",
]  # fmt: skip
