"""Request handling of the demo portal: routing, quirks, conditional GET, transient 503s."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from . import aspnet, liferay, php, wp_routes
from .common import HTML, Reply, View, date_line, fake_file
from .content import ASP_CATS, ASP_SOFT404_ID, LF_CATS, LF_PREFIX, LF_SOFT404_ID, Article, Site
from .misbehave import intercept as misbehave_intercept


class Portal(Protocol):
    """What the handler needs of the DemoPortal (server.py) that serves it."""

    delay: float
    padding: bytes  # page furniture added to every HTML page (server.py, --padding-kb)
    layout: int
    misbehave: set[str]
    families: tuple[str, ...]
    _sites: Any  # (Liferay site, ASP.NET site)
    _files: set[str]
    epoch: int

    def _log(self, method: str, path: str, status: int) -> None: ...
    def _first_hit(self, a: Article) -> bool: ...
    def robots(self) -> str: ...
    def view(self, family: str) -> View: ...


ROBOTS = "User-agent: *\nDisallow: /Admin/\nDisallow: /lf/print/\nDisallow: /asp/Pages/Print.aspx\n"
ROBOTS_EXTRA = {"wordpress": "Disallow: /wp/wp-admin/\n", "php": "Disallow: /php/admin/\n"}
SERVERS = {"/wp": "nginx/1.18.0 (Ubuntu)", "/php": "Apache/2.2.15 (CentOS)"}
LF_ARTICLE_RE = re.compile(r"(?i)/view_content/(?P<id>\d+)-")
SIDEBAR_FILES = {
    "/lf/documents/10180/0/quy-che-hoat-dong.pdf",
    "/lf/documents/10180/0/lich-cong-tac-tuan.doc",
    "/asp/Uploads/bieu-mau/to-khai-dang-ky-that-nghiep.pdf",
    "/asp/Uploads/bieu-mau/mau-don-de-nghi.docx",
}


def etag_of(a: Article, layout: int) -> str:
    key = repr((a.site, a.id, a.title, date_line(a), a.lead, a.paras, a.author_form, a.author,
                a.source, a.encoding, layout))  # fmt: skip
    return '"' + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20] + '"'


def _parse_day(s: str) -> date | None:
    try:
        return datetime.strptime(s, "%d/%m/%Y").date()
    except ValueError:
        return None


class Handler(BaseHTTPRequestHandler):
    portal: Portal
    server_version = "Microsoft-IIS/8.5"
    sys_version = ""
    # Connections kept open between requests, as IIS, Apache and nginx keep them (every
    # answer carries its Content-Length), and closed after 5 s idle (Apache's default
    # KeepAliveTimeout): a crawler meets both the reuse and the stale kept connection.
    protocol_version = "HTTP/1.1"
    timeout = 5
    # Headers and body go out in two writes: with Nagle's algorithm on a kept connection,
    # the body waited for the client's delayed ACK (40 ms). nginx sets TCP_NODELAY too.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def version_string(self) -> str:  # each family its own web server
        path = getattr(self, "path", "")
        for prefix, name in SERVERS.items():
            if path == prefix or path.startswith(prefix + "/"):
                return name
        return super().version_string()

    # ------------------------------------------------------------ plumbing
    def _send(
        self, status: int, body: str | bytes = b"", ctype: str = HTML,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        if self.portal.delay > 0:
            time.sleep(self.portal.delay)
        data = body.encode("utf-8") if isinstance(body, str) else body
        if self.portal.padding and status == 200 and ctype == HTML:
            data = _padded(data, self.portal.padding)
        self.portal._log(self.command, self.path, status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(data)

    def _not_found(self) -> None:
        self._send(404, "<html><body><h1>404 - Không tìm thấy trang</h1></body></html>")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(urlsplit(self.path), {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        form = dict(parse_qsl(raw, keep_blank_values=True))
        url = urlsplit(self.path)
        if not url.path.lower().startswith("/asp/"):
            self._send(405, "Method Not Allowed", "text/plain; charset=utf-8")
            return
        if not form.get("__VIEWSTATE"):
            body = (
                "<html><body><h2>Server Error in '/' Application.</h2>"
                "<p>Validation of viewstate MAC failed.</p></body></html>"
            )
            self._send(500, body)
            return
        self._route(url, form)

    # ------------------------------------------------------------ routing
    def _route(self, url: Any, form: dict[str, str]) -> None:
        if self.portal.misbehave and misbehave_intercept(self, url, form):
            return None  # demo_portal/misbehave.py answered (drills only)
        path: str = url.path
        query = parse_qsl(url.query, keep_blank_values=True)
        lf_site, asp_site = self.portal._sites
        families = self.portal.families
        if path == "/robots.txt":
            return self._send(200, self.portal.robots(), "text/plain; charset=utf-8")
        if path == "/":
            return self._send(200, index_page(families))
        if path.lower() in ("/admin/", "/admin/login.aspx"):
            return self._send(200, ADMIN)
        if path in self.portal._files:
            return self._reply(fake_file(path, self.portal.epoch))
        if path.startswith("/lf/") and "liferay" in families:
            return self._route_lf(path, dict(query), lf_site)
        if path.lower().startswith("/asp/pages/") and "aspnet" in families:
            qi = {k.lower(): v for k, v in query}
            return self._route_asp(path.lower().removeprefix("/asp/pages/"), qi, form, asp_site)
        for family, prefix, router in (("wordpress", "/wp", wp_routes.route),
                                       ("php", "/php", php.route)):  # fmt: skip
            if family in families and (path == prefix or path.startswith(prefix + "/")):
                return self._reply(router(self.portal.view(family), path, url.query))
        return self._not_found()

    def _reply(self, r: Reply) -> None:
        """Send an opt-in family's answer (flaky first hit, conditional GET as for articles)."""
        if r.article is not None and r.article.flaky and self.portal._first_hit(r.article):
            return self._send(503, "<html><body>Service Unavailable</body></html>",
                              headers={"Retry-After": "1"})  # fmt: skip
        if r.etag is None and r.modified is None:
            return self._send(r.status, r.body, r.ctype, r.headers)
        self._conditional(r.etag, r.modified, lambda: r.body, r.headers, r.ctype)

    def _route_lf(self, path: str, q: dict[str, str], site: Site) -> None:
        m = LF_ARTICLE_RE.search(path)
        if m:
            aid = int(m.group("id"))
            if aid == LF_SOFT404_ID:
                return self._send(200, liferay.render_soft404())
            return self._article(
                site, aid, lambda a: liferay.render_article(site, a, self.portal.layout)
            )
        if path.startswith("/lf/print/"):
            a = _find_live(site, path.removeprefix("/lf/print/"))
            return self._send(200, liferay.render_print(a)) if a else self._not_found()
        rest = path.removeprefix(LF_PREFIX + "/").rstrip("/")
        if rest == "trang-chu":
            return self._send(200, liferay.render_home(site))
        if rest in ("gioi-thieu", "lien-he"):
            return self._send(200, liferay.render_static(rest))
        if rest == "tin-theo-ngay":
            day = _parse_day(q.get("ngay", ""))
            return self._send(200, liferay.render_trap(site, day)) if day else self._not_found()
        for i, (slug, _) in enumerate(LF_CATS):
            if rest == slug:
                try:
                    page = int(q.get("_101_cur", "1"))
                except ValueError:
                    page = 1
                html = liferay.render_listing(site, i, page)
                return self._send(200, html) if html else self._not_found()
        return self._not_found()

    def _route_asp(self, page: str, q: dict[str, str], form: dict[str, str], site: Site) -> None:
        action = self.path.rsplit("/", 1)[-1]
        if page == "default.aspx":
            return self._send(200, aspnet.render_home(site))
        if page in ("gioithieu.aspx", "lienhe.aspx"):
            return self._send(200, aspnet.render_static(page))
        if page == "chitiet.aspx":
            try:
                aid = int(q.get("itemid", ""))
            except ValueError:
                return self._not_found()
            if aid == ASP_SOFT404_ID:
                return self._send(200, aspnet.render_soft404(action))
            return self._article(site, aid, lambda a: aspnet.render_article(
                site, a, action, self.portal.layout))  # fmt: skip
        if page == "print.aspx":
            a = _find_live(site, q.get("itemid", ""))
            return self._send(200, aspnet.render_print(a)) if a else self._not_found()
        if page == "tintheongay.aspx":
            day = _parse_day(q.get("d", ""))
            return self._send(200, aspnet.render_trap(site, day)) if day else self._not_found()
        if page == "tintuc.aspx":
            cats = [i for i, (cid, _) in enumerate(ASP_CATS) if str(cid) == q.get("catid")]
            if not cats:
                return self._not_found()
            n = q.get("page", "1")
            if cats[0] == 0:  # postback-only pagination
                n = "1"
                arg = form.get("__EVENTARGUMENT", "")
                if form.get("__EVENTTARGET") == aspnet.PAGER_TARGET and arg.startswith("Page$"):
                    n = arg.removeprefix("Page$")
            html = aspnet.render_listing(site, cats[0], int(n)) if n.isdigit() else None
            return self._send(200, html) if html else self._not_found()
        return self._not_found()

    def _article(self, site: Site, aid: int, render: Any) -> None:
        a = site.by_id(aid)
        if a is None or a.status != "live":
            return self._not_found()
        if a.flaky and self.portal._first_hit(a):
            return self._send(503, "<html><body>Service Unavailable</body></html>",
                              headers={"Retry-After": "1"})  # fmt: skip
        self._conditional(etag_of(a, self.portal.layout), a.published, lambda: render(a))

    def _conditional(
        self, etag: str | None, modified: datetime | None, render: Any,
        extra: dict[str, str] | None = None, ctype: str = HTML,
    ) -> None:  # fmt: skip
        """200 with validators, or 304 when the request's validators still match."""
        headers = dict(extra or {})
        if etag is not None:
            headers["ETag"] = etag
        mod = modified.astimezone(UTC) if modified is not None else None
        if mod is not None:
            headers["Last-Modified"] = format_datetime(mod, usegmt=True)
        headers["Cache-Control"] = "no-cache"
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            if etag is not None and (etag in tags or "*" in tags):
                return self._send(304, headers=headers)
        elif ims and mod is not None:
            try:
                since = parsedate_to_datetime(ims)
                if since.tzinfo is None:
                    since = since.replace(tzinfo=UTC)
                if since >= mod.replace(microsecond=0):
                    return self._send(304, headers=headers)
            except (TypeError, ValueError):
                pass
        self._send(200, render(), ctype, headers=headers)


def _find_live(site: Site, raw: str) -> Article | None:
    a = site.by_id(int(raw)) if raw.isdigit() else None
    return a if a and a.status == "live" else None


INDEX_ITEMS = {
    "liferay": ("/lf/web/so-tttt/trang-chu", "Sở Thông tin và Truyền thông (Liferay)"),
    "aspnet": ("/asp/Pages/Default.aspx", "Sở Lao động - Thương binh và Xã hội (ASP.NET)"),
    "wordpress": ("/wp/", "Sở Y tế (WordPress)"),
    "php": ("/php/index.php", "Sở Nội vụ (PHP)"),
}


def index_page(families: Sequence[str]) -> str:
    items = "\n".join(f'<li><a href="{INDEX_ITEMS[f][0]}">{INDEX_ITEMS[f][1]}</a></li>'
                       for f in families)  # fmt: skip
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Demo portal</title></head>
<body><h1>Cổng thông tin demo tỉnh Hòa An</h1><ul>
{items}
</ul></body></html>"""


ADMIN = """<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Đăng nhập</title></head>
<body><form method="post"><input name="user"/><input name="pass" type="password"/>
<button>Đăng nhập</button></form></body></html>"""


def _padded(page: bytes, padding: bytes) -> bytes:
    """``page`` with ``padding`` just before its ``</body>`` (appended if it has none)."""
    at = page.lower().rfind(b"</body>")
    return page + padding if at < 0 else page[:at] + padding + page[at:]
