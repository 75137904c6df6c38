"""HTTP server for the demo portal: routing, quirks, conditional GET, delay, transient 503s."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import ipaddress
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import aspnet, liferay
from .common import date_line
from .content import (
    ASP_CATS,
    ASP_SOFT404_ID,
    LF_CATS,
    LF_PREFIX,
    LF_SOFT404_ID,
    Article,
    Site,
    build_sites,
    canonical_path,
    ground_truth,
)
from .misbehave import intercept as misbehave_intercept
from .misbehave import parse_modes

ROBOTS = "User-agent: *\nDisallow: /Admin/\nDisallow: /lf/print/\nDisallow: /asp/Pages/Print.aspx\n"
LF_ARTICLE_RE = re.compile(r"(?i)/view_content/(?P<id>\d+)-")
SIDEBAR_FILES = {
    "/lf/documents/10180/0/quy-che-hoat-dong.pdf",
    "/lf/documents/10180/0/lich-cong-tac-tuan.doc",
    "/asp/Uploads/bieu-mau/to-khai-dang-ky-that-nghiep.pdf",
    "/asp/Uploads/bieu-mau/mau-don-de-nghi.docx",
}
CTYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HTML = "text/html; charset=utf-8"


def check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"demo portal binds loopback only, refusing host {host!r}")


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
    portal: DemoPortal
    server_version = "Microsoft-IIS/8.5"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # ------------------------------------------------------------ plumbing
    def _send(
        self, status: int, body: str | bytes = b"", ctype: str = HTML,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        if self.portal.delay > 0:
            time.sleep(self.portal.delay)
        data = body.encode("utf-8") if isinstance(body, str) else body
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
        if path == "/robots.txt":
            return self._send(200, ROBOTS, "text/plain; charset=utf-8")
        if path == "/":
            return self._send(200, INDEX)
        if path.lower() in ("/admin/", "/admin/login.aspx"):
            return self._send(200, ADMIN)
        if path in self.portal._files:
            ext = path.rsplit(".", 1)[-1].lower()
            return self._send(
                200, _fake_file(path, ext), CTYPES.get(ext, "application/octet-stream")
            )
        if path.startswith("/lf/"):
            return self._route_lf(path, dict(query), lf_site)
        if path.lower().startswith("/asp/pages/"):
            qi = {k.lower(): v for k, v in query}
            return self._route_asp(path.lower().removeprefix("/asp/pages/"), qi, form, asp_site)
        return self._not_found()

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
        etag = etag_of(a, self.portal.layout)
        modified = a.published.astimezone(UTC)
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True),
                   "Cache-Control": "no-cache"}  # fmt: skip
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            if etag in tags or "*" in tags:
                return self._send(304, headers=headers)
        elif ims:
            try:
                since = parsedate_to_datetime(ims)
                if since.tzinfo is None:
                    since = since.replace(tzinfo=UTC)
                if since >= modified.replace(microsecond=0):
                    return self._send(304, headers=headers)
            except (TypeError, ValueError):
                pass
        self._send(200, render(a), headers=headers)


def _find_live(site: Site, raw: str) -> Article | None:
    a = site.by_id(int(raw)) if raw.isdigit() else None
    return a if a and a.status == "live" else None


def _fake_file(path: str, ext: str) -> bytes:
    if ext == "pdf":
        return b"%PDF-1.4\n% demo portal attachment\n" + path.encode() + b"\n%%EOF\n"
    return b"DEMO-ATTACHMENT " + path.encode() + b"\n"


INDEX = """<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Demo portal</title></head>
<body><h1>Cổng thông tin demo tỉnh Hòa An</h1><ul>
<li><a href="/lf/web/so-tttt/trang-chu">Sở Thông tin và Truyền thông (Liferay)</a></li>
<li><a href="/asp/Pages/Default.aspx">Sở Lao động - Thương binh và Xã hội (ASP.NET)</a></li>
</ul></body></html>"""
ADMIN = """<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Đăng nhập</title></head>
<body><form method="post"><input name="user"/><input name="pass" type="password"/>
<button>Đăng nhập</button></form></body></html>"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class DemoPortal:
    """The demo portal, served from a background thread; use as a context manager."""

    def __init__(
        self, articles: int = 300, epoch: int = 0, port: int = 0, host: str = "127.0.0.1",
        delay: float = 0.0, seed: int = 1, layout: int = 1,
        misbehave: str | Iterable[str] = (),
    ) -> None:  # fmt: skip
        check_loopback(host)
        if layout not in (1, 2):
            raise ValueError("layout must be 1 or 2")
        self.articles, self.seed, self.layout, self.delay = articles, seed, layout, delay
        self.host, self.port = host, port
        # Reliability drills (demo_portal/misbehave.py): mode names, settable while running.
        self.misbehave: set[str] = parse_modes(misbehave)
        self._epoch = epoch
        self._sites = build_sites(articles, epoch, seed)
        self._files = self._collect_files()
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._seen: set[tuple[str, int]] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ state
    @property
    def epoch(self) -> int:
        return self._epoch

    @epoch.setter
    def epoch(self, value: int) -> None:
        """Switch the running portal to another epoch ("the same site, later")."""
        self._sites = build_sites(self.articles, value, self.seed)
        self._epoch = value
        self._files = self._collect_files()

    def _collect_files(self) -> set[str]:
        files = set(SIDEBAR_FILES)
        for site in self._sites:
            for a in site.articles:
                files.update(a.attachments)
        return files

    def _log(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.requests.append((method, path, status))

    def _first_hit(self, a: Article) -> bool:
        with self._lock:
            key = (a.site, a.id)
            if key in self._seen:
                return False
            self._seen.add(key)
            return True

    # ------------------------------------------------------------ lifecycle
    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host == "localhost" else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> DemoPortal:
        if self._server is not None:
            return self
        handler = type("BoundHandler", (Handler,), {"portal": self})
        cls = _Server6 if ":" in self.host else _Server
        bind = "127.0.0.1" if self.host == "localhost" else self.host
        self._server = cls((bind, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="demo-portal", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> DemoPortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ truth
    def truth(self) -> list[dict[str, object]]:
        return ground_truth(self.articles, self._epoch, self.seed, self.base_url)

    def listing_page_count(self) -> int:
        lf, asp = self._sites
        return sum(liferay.page_count(lf, c) for c in (0, 1)) + sum(
            aspnet.page_count(asp, c) for c in (0, 1)
        )

    def canonical_url(self, a: Article) -> str:
        return self.base_url + canonical_path(a)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m demo_portal", description=__doc__)
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--epoch", type=int, default=0, choices=(0, 1))
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--layout", type=int, default=1, choices=(1, 2))
    p.add_argument(
        "--misbehave",
        default="",
        metavar="MODE,...",
        help="reliability drills: misbehaving modes (see demo_portal/misbehave.py)",
    )
    args = p.parse_args(argv)
    try:
        portal = DemoPortal(articles=args.articles, epoch=args.epoch, port=args.port,
                            host=args.host, delay=args.delay, seed=args.seed,
                            layout=args.layout, misbehave=args.misbehave)  # fmt: skip
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    with portal:
        print(portal.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0
