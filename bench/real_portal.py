"""A portal of real pages for the crawl benchmark: ``python -m bench.real_portal``.

The demo portal serves its own templates, 6 KB a page. Real department portals serve
45-250 KB pages full of menus and links, and generic extraction of one costs two to three
times a demo page's. This portal serves the real article pages of tests/pages/real
(their provenance is there) behind listing pages of its own:

- ``/list/P``: 20 links to ``/a/N`` with a date each, and a "Trang sau" pager to ``/list/P+1``;
- ``/a/N``: real page ``N mod 5``, its headline numbered ("… (N)") wherever it appears
  and its declared URL (canonical link, og:url) made ``/a/N``, so that each is an
  article of its own for the archive;
- ``/robots.txt``: everything allowed; anything else 404.

HTTP/1.1 with kept connections and TCP_NODELAY, as the demo portal (demo_portal/handler.py);
``--delay`` seconds before each answer, as a remote portal's.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "tests" / "pages" / "real"
PER_LISTING = 20


@cache
def real_pages() -> tuple[tuple[bytes, bytes], ...]:
    """(page bytes, headline bytes) of each real page, in file-name order."""
    out = []
    for truth in sorted(PAGES_DIR.glob("*.truth.json")):
        title = json.loads(truth.read_text(encoding="utf-8"))["title"]
        html = truth.with_name(truth.name.removesuffix(".truth.json") + ".html")
        out.append((html.read_bytes(), title.encode("utf-8")))
    return tuple(out)


def listing_page(number: int, articles: int) -> bytes:
    first = (number - 1) * PER_LISTING
    items = "".join(
        f'<li class="news-item"><a href="/a/{n}">Tin tức số {n}: hoạt động của Sở trong '
        f'tuần</a> <span class="date">(05/12/2026)</span></li>'
        for n in range(first, min(first + PER_LISTING, articles))
    )
    pager = (
        f'<div class="pager"><a rel="next" href="/list/{number + 1}">Trang sau</a></div>'
        if first + PER_LISTING < articles
        else ""
    )
    return (
        '<html><head><meta charset="utf-8"><title>Tin tức - sự kiện</title></head><body>'
        f'<h1>Tin tức - sự kiện</h1><ul class="list-news">{items}</ul>{pager}</body></html>'
    ).encode()


# A page's own URL as it declares it (rel="canonical", og:url): served here as ``/a/N``,
# or the archive would rightly fold every copy of a page into one article.
_DECLARED_URL = re.compile(
    rb'<link\b[^>]*\brel="canonical"[^>]*>|<meta\b[^>]*\bproperty="og:url"[^>]*>'
)
_URL_ATTRIBUTE = re.compile(rb'\b(href|content)="[^"]*"')


def article_page(number: int) -> bytes:
    page, title = real_pages()[number % len(real_pages())]
    own = f'\\1="/a/{number}"'.encode()

    def declared(match: re.Match[bytes]) -> bytes:
        return _URL_ATTRIBUTE.sub(own, match[0])

    return _DECLARED_URL.sub(declared, page.replace(title, title + f" ({number})".encode()))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 5
    delay = 0.0
    articles = 1000

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        if self.delay > 0:
            time.sleep(self.delay)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def listing_pages(self) -> int:
        return max(1, -(-self.articles // PER_LISTING))

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        head, _, tail = path.rpartition("/")
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif head == "/list" and tail.isdigit() and 0 < int(tail) <= self.listing_pages():
            self._send(200, listing_page(int(tail), self.articles))
        elif head == "/a" and tail.isdigit() and int(tail) < self.articles:
            self._send(200, article_page(int(tail)))
        else:
            self._send(404, b"<html><body><h1>404</h1></body></html>")

    do_HEAD = do_GET


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 511  # as the demo portal's: no SYN dropped under a burst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    Handler.delay, Handler.articles = args.delay, args.articles
    Server(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
