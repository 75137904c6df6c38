"""A POST never rides a kept-alive connection the server may have closed
(crawler/download.py): the ASP.NET pager's postbacks are a chain, one lost ends the walk."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.http import FormRequest, Request

from crawler.download import needs_fresh_connection

REPO = Path(__file__).resolve().parent.parent

SPIDER = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

BASE = sys.argv[1]
seen = {}

class Postback(scrapy.Spider):
    name = "postback"

    async def start(self):
        yield scrapy.Request(BASE + "/list", callback=self.listing)

    def listing(self, response):
        seen["list"] = response.status
        # sent as soon as /list is read: its connection is back in the pool by then
        yield scrapy.FormRequest(BASE + "/list", formdata={"__EVENTARGUMENT": "Page$2"},
                                 callback=self.page, errback=self.failed)

    def page(self, response):
        seen["postback"] = response.status

    def failed(self, failure):
        seen["postback"] = repr(failure.value)

settings = Settings()
settings.setmodule("crawler.settings", priority="project")
settings.setdict({"ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False, "DOWNLOAD_DELAY": 0,
                  "AUTOTHROTTLE_ENABLED": False, "ITEM_PIPELINES": {}, "EXTENSIONS": {},
                  "DOWNLOADER_MIDDLEWARES": {}, "LOG_LEVEL": "ERROR",
                  **json.loads(sys.argv[2])}, priority="cmdline")
process = CrawlerProcess(settings)
process.crawl(Postback)
process.start()
print(json.dumps(seen))
"""


class KeepAliveThenClose:
    """Answers the first request of each connection and keeps it open; a second request
    on it finds it closed unanswered, as when a keep-alive timeout runs out just then."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.log: list[tuple[str, int]] = []  # (method, nth request of its connection)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as rfile:
            nth = 0
            while line := rfile.readline():
                nth += 1
                length = 0
                while (header := rfile.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                rfile.read(length)
                self.log.append((line.split()[0].decode(), nth))
                if nth > 1:
                    return  # closed without an answer
                body = b"<html><body>ok</body></html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server() -> Iterator[KeepAliveThenClose]:
    s = KeepAliveThenClose()
    yield s
    s.close()


def _crawl(base: str, tmp_path: Path, settings: dict[str, object]) -> dict[str, object]:
    script = tmp_path / "postback.py"
    script.write_text(SPIDER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), base, json.dumps(settings)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_postback_gets_a_connection_of_its_own(server, tmp_path: Path) -> None:
    seen = _crawl(f"http://127.0.0.1:{server.port}", tmp_path, {})
    assert seen == {"list": 200, "postback": 200}
    assert ("POST", 1) in server.log and ("POST", 2) not in server.log


def test_get_requests_still_share_connections() -> None:
    assert not needs_fresh_connection(Request("http://x/a"))
    assert not needs_fresh_connection(Request("http://x/a", method="HEAD"))
    assert needs_fresh_connection(FormRequest("http://x/a", formdata={"a": "1"}))
    assert needs_fresh_connection(Request("http://x/a", method="POST"))  # no body, still unsafe
    assert needs_fresh_connection(Request("http://x/a", method="PUT", body=b"x"))
