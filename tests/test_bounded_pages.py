"""Bounded work from hostile pages: a 16 MB article page is refused at DOWNLOAD_MAXSIZE
(recorded as a failure with its size), memory stays bounded, and the other articles of
the listing are archived as usual."""

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

PARAGRAPH = (
    "<p>Sở tổ chức hội nghị triển khai công tác chuyển đổi số năm 2024 với sự tham dự của "
    "các phòng, ban và đơn vị trực thuộc, thống nhất các nhiệm vụ trọng tâm của năm.</p>"
)
HUGE = 16 * 1024 * 1024


def page(title: str, filler: int = 0) -> bytes:
    body = PARAGRAPH * 3 + ("<p>" + "x" * 1000 + "</p>") * (filler // 1008)
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<div class='date'>Ngày đăng: 15/03/2024</div><div class='content'>{body}</div>"
        "</body></html>"
    ).encode()


class Portal:
    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/robots.txt":
                    body, ctype = b"User-agent: *\nDisallow:\n", "text/plain"
                elif self.path == "/tin-tuc":
                    items = "".join(
                        f'<li><a href="/tin/bai-viet-so-{i}.html">Sở tổ chức hội nghị về chuyển '
                        f"đổi số lần thứ {i} trong năm</a> (15/03/2024)</li>"
                        for i in range(1, 5)
                    )
                    body, ctype = f"<ul>{items}</ul>".encode(), "text/html"
                elif self.path == "/tin/bai-viet-so-2.html":
                    return self.stream()
                elif self.path == "/tin/bai-viet-so-3.html":
                    body, ctype = page("Bài viết quá lớn", HUGE), "text/html"
                else:
                    body, ctype = page(f"Bài viết {self.path}"), "text/html"
                self.send_response(200)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def stream(self) -> None:
                """16 MB with no Content-Length: only the bytes received tell the size."""
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                chunk = b"<p>" + b"y" * 65_000 + b"</p>"
                try:
                    for _ in range(HUGE // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def test_an_oversized_page_is_a_recorded_failure_and_memory_stays_bounded(tmp_path: Path) -> None:
    portal = Portal()
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "big.toml").write_text(
        f'id = "big"\nname = "x"\nstart_urls = ["{portal.url}/tin-tuc"]\n'
        "[settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_ENABLED = false\n",
        encoding="utf-8",
    )
    # The crawl's own peak, through a small launcher: Linux carries a process's peak RSS
    # over fork and exec, so a crawl started straight from this (large) pytest worker would
    # report the worker's size, and RUSAGE_CHILDREN here the largest child it ever had.
    peak_file = tmp_path / "peak-kib"
    launcher = (
        "import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
        "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN)"
        ".ru_maxrss)); sys.exit(code)"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", launcher, str(peak_file), sys.executable, "-m", "luutru",
             "crawl", "big", "--data", str(tmp_path / "d"), "--sites", str(sites), "--quiet"],
            capture_output=True, text=True, timeout=180, env={**os.environ, "PYTHONUTF8": "1"},
        )  # fmt: skip
    finally:
        portal.server.shutdown()
    err = result.stderr
    peak_mib = int(peak_file.read_text()) / 1024  # KiB on Linux
    assert peak_mib < 600, f"crawl peaked at {peak_mib:.0f} MiB"
    with Archive.open(tmp_path / "d") as archive:
        titles = sorted(a["title"] for a in archive.articles(site="big"))
        run = archive.runs("big")[0]
    assert titles == ["Bài viết /tin/bai-viet-so-1.html", "Bài viết /tin/bai-viet-so-4.html"]
    assert run["stats"]["luutru/articles_failed"] == 2
    log = Path(run["log_path"]).read_text("utf-8")
    assert "larger than download max size" in log  # with the size, by Scrapy
    assert str(8 * 1024 * 1024) in log
    assert result.returncode in (0, 1), err[-2000:]
