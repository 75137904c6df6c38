"""Scope: nothing outside the portal's own hosts is requested, redirects included.

An article of the portal (127.0.0.1) that answers 302 to another host ("localhost", a
second server) must not be fetched there, nor archived as an article of this site; the
filtered request is counted in the run's stats.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.store import Archive

pytestmark = pytest.mark.slow

BODY = (
    "<p>Sở tổ chức hội nghị triển khai công tác chuyển đổi số năm 2024 với sự tham dự của "
    "các phòng, ban và đơn vị trực thuộc, thống nhất các nhiệm vụ trọng tâm của năm.</p>"
) * 3


def article(title: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='date'>Ngày đăng: 15/03/2024</div><div class='content'>{BODY}</div>"
        "</body></html>"
    ).encode()


class Site:
    """A tiny portal: one listing of three articles; article 2 redirects to ``elsewhere``."""

    def __init__(self, elsewhere: str = "") -> None:
        self.elsewhere, self.paths = elsewhere, []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.paths.append(self.path)
                if self.path == "/robots.txt":
                    return self.answer(200, b"User-agent: *\nDisallow:\n", "text/plain")
                if self.path == "/tin-tuc":
                    items = "".join(
                        f'<li><a href="/tin-tuc/bai-viet-so-{i}-ve-chuyen-doi-so.html">Sở tổ '
                        f"chức hội nghị về chuyển đổi số lần thứ {i}</a> (15/03/2024)</li>"
                        for i in (1, 2, 3)
                    )
                    return self.answer(200, f"<html><body><ul>{items}</ul></body></html>".encode())
                if self.path == "/tin-tuc/bai-viet-so-2-ve-chuyen-doi-so.html" and site.elsewhere:
                    self.send_response(302)
                    self.send_header("Location", site.elsewhere + "/bai-cua-trang-khac.html")
                    self.end_headers()
                    return None
                if self.path.startswith("/"):
                    return self.answer(200, article(f"Bài viết {self.path[-30:]}"))
                return self.answer(404, b"")

            def answer(self, status: int, body: bytes, ctype: str = "text/html") -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def test_a_redirect_to_another_host_is_not_followed(tmp_path: Path) -> None:
    other = Site()
    portal = Site(elsewhere=f"http://localhost:{other.port}")
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "scoped.toml").write_text(
        f'id = "scoped"\nname = "x"\nstart_urls = ["http://127.0.0.1:{portal.port}/tin-tuc"]\n'
        "[settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n",
        encoding="utf-8",
    )
    try:
        result = subprocess.run(
            [sys.executable, "-m", "luutru", "crawl", "scoped", "--data", str(tmp_path / "d"),
             "--sites", str(sites), "--quiet"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONUTF8": "1"},
        )  # fmt: skip
    finally:
        portal.close()
        other.close()
    assert result.returncode == 0, result.stderr[-2000:]
    assert other.paths == []  # the other host was never asked, not even robots.txt
    with Archive.open(tmp_path / "d") as archive:
        urls = [a["url"] for a in archive.articles(site="scoped")]
        run = archive.runs("scoped")[0]
    assert len(urls) == 2 and all(f"127.0.0.1:{portal.port}" in u for u in urls)
    assert run["stats"]["offsite/filtered"] == 1
    assert run["status"] == "succeeded"
