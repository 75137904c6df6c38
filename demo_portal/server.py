"""HTTP server for the demo portal: the DemoPortal (families, epochs, truth) and its CLI."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from http.server import ThreadingHTTPServer

from . import aspnet, liferay, php, wordpress, wp_routes
from .common import View
from .content import Article, Site, build_sites
from .families import (
    DEFAULT_EXTRA,
    DEFAULT_FAMILIES,
    EXTRA_FAMILIES,
    Post,
    build_family_site,
    check_families,
    ground_truth,
    listing_urls,
    post_canonical,
)
from .furniture import page_furniture
from .handler import ROBOTS, ROBOTS_EXTRA, SIDEBAR_FILES, Handler, etag_of
from .misbehave import parse_modes
from .truth import canonical_path

__all__ = ["ROBOTS", "DemoPortal", "Handler", "check_loopback", "etag_of", "main"]


def check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"demo portal binds loopback only, refusing host {host!r}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a crawler opening more connections at
    # once than the accepting thread keeps up with had SYNs dropped and waited out TCP's
    # 1 s retransmission (ListenDrops in /proc/net/netstat). Web servers use 511 (nginx,
    # Apache); the kernel caps it at net.core.somaxconn.
    request_queue_size = 511


class _Server6(_Server):
    address_family = socket.AF_INET6


class DemoPortal:
    """The demo portal, served from a background thread; use as a context manager."""

    def __init__(
        self, articles: int = 300, epoch: int = 0, port: int = 0, host: str = "127.0.0.1",
        delay: float = 0.0, seed: int = 1, layout: int = 1,
        misbehave: str | Iterable[str] = (), padding_kb: int = 0,
        families: str | Iterable[str] = DEFAULT_FAMILIES, extra_articles: int = DEFAULT_EXTRA,
    ) -> None:  # fmt: skip
        check_loopback(host)
        if layout not in (1, 2):
            raise ValueError("layout must be 1 or 2")
        if extra_articles < 0:
            raise ValueError("extra_articles must be >= 0")
        # Which CMS families are served: liferay, aspnet (default), wordpress, php (opt-in).
        self.families = check_families(families)
        self.extra_articles = extra_articles
        self.articles, self.seed, self.layout, self.delay = articles, seed, layout, delay
        if padding_kb < 0:
            raise ValueError("padding_kb must be >= 0")
        self.padding = page_furniture(padding_kb * 1024, seed)
        self.host, self.port = host, port
        # Reliability drills (demo_portal/misbehave.py): mode names, settable while running.
        self.misbehave: set[str] = parse_modes(misbehave)
        self._epoch = epoch
        self._sites = build_sites(articles, epoch, seed)
        self._extra = self._build_extra(epoch)
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
        self._extra = self._build_extra(value)
        self._epoch = value
        self._files = self._collect_files()

    def _build_extra(self, epoch: int) -> dict[str, tuple[Site, frozenset[str]]]:
        """Each opt-in family's site and the files it serves."""
        out = {}
        for family in (f for f in self.families if f in EXTRA_FAMILIES):
            site = build_family_site(family, self.extra_articles, epoch, self.seed)
            posts = [a for a in site.articles if isinstance(a, Post)]
            files = (wp_routes.file_paths if family == "wordpress" else php.file_paths)(posts)
            out[family] = (site, frozenset(files))
        return out

    def view(self, family: str) -> View:
        site, files = self._extra[family]
        return View(site, self.layout, self.base_url, files)

    def site(self, site_id: str) -> Site:
        """The served site called ``site_id`` (demo-liferay, demo-aspnet, demo-wp, demo-php)."""
        for s in (*self._sites, *(s for s, _ in self._extra.values())):
            if s.name == site_id:
                return s
        raise KeyError(site_id)

    def robots(self) -> str:
        """The default rules (unchanged), then the opt-in families' (WordPress names its
        sitemap there, as WordPress's own robots.txt does)."""
        text = ROBOTS + "".join(ROBOTS_EXTRA.get(f, "") for f in self.families)
        if "wordpress" in self.families:
            text += f"\nSitemap: {self.base_url}/wp/sitemap.xml\n"
        return text

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
        return ground_truth(self.articles, self._epoch, self.seed, self.base_url,
                            self.families, self.extra_articles)  # fmt: skip

    def listing_urls(self, family: str) -> list[str]:
        """The category listing start URLs of a served family."""
        return listing_urls(family, self.base_url)

    def listing_page_count(self) -> int:
        lf, asp = self._sites
        count = 0
        if "liferay" in self.families:
            count += sum(liferay.page_count(lf, c) for c in (0, 1))
        if "aspnet" in self.families:
            count += sum(aspnet.page_count(asp, c) for c in (0, 1))
        if "wordpress" in self._extra:
            site = self._extra["wordpress"][0]
            count += sum(wordpress.page_count(len(site.live(c))) for c in (0, 1))
        if "php" in self._extra:
            count += sum(php.page_count(len(self._extra["php"][0].live(c))) for c in (0, 1))
        return count

    def canonical_url(self, a: Article) -> str:
        return self.base_url + (post_canonical(a) if isinstance(a, Post) else canonical_path(a))


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
        "--padding-kb",
        type=int,
        default=0,
        help="KB of script added to every HTML page, as a real portal's furniture weighs",
    )
    p.add_argument(
        "--families",
        default=",".join(DEFAULT_FAMILIES),
        metavar="NAME,...",
        help="CMS families to serve: liferay, aspnet, wordpress, php (default: liferay,aspnet)",
    )
    p.add_argument(
        "--extra-articles",
        type=int,
        default=DEFAULT_EXTRA,
        help="articles of each opt-in family (wordpress, php)",
    )
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
                            layout=args.layout, misbehave=args.misbehave,
                            padding_kb=args.padding_kb,
                            families=args.families,
                            extra_articles=args.extra_articles)  # fmt: skip
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
