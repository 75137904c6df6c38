"""Concurrent readers: `luutru serve` answers searches while a crawl writes (SQLite WAL):
no error, no stale lock, and the results grow as the crawl archives."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from demo_portal import DemoPortal

pytestmark = pytest.mark.slow
ENV = {**os.environ, "PYTHONUTF8": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode("utf-8", "replace")}


def test_serve_answers_searches_while_a_crawl_writes(tmp_path: Path) -> None:
    data = tmp_path / "archive"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with DemoPortal(articles=120, port=0, delay=0.01) as portal:
        # The archive exists (migrated) before the server opens it.
        seed = [sys.executable, "-m", "luutru", "crawl", "demo-aspnet", "--quiet",
                "--base-url", portal.base_url, "--data", str(data)]  # fmt: skip
        assert subprocess.run(seed, env=ENV, capture_output=True, timeout=300).returncode == 0
        server = subprocess.Popen(
            [sys.executable, "-m", "luutru", "serve", "--port", str(port), "--data", str(data)],
            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        crawl = None
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if get(f"{base}/api/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "luutru serve did not start"
                time.sleep(0.2)
            crawl = subprocess.Popen(
                [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "--quiet",
                 "--base-url", portal.base_url, "--data", str(data)],
                env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            totals, errors = [], []
            while crawl.poll() is None:
                status, body = get(f"{base}/api/search?q=lao+dong&limit=5")
                if status != 200:
                    errors.append((status, body))
                else:
                    totals.append(body["total"])
                time.sleep(0.05)
            assert crawl.returncode == 0, crawl.stderr.read()[-2000:]
            status, body = get(f"{base}/api/search?q=lao+dong&site=demo-liferay&limit=5")
        finally:
            if crawl is not None and crawl.poll() is None:
                crawl.kill()
            server.terminate()
            server.wait(timeout=30)
    assert errors == []
    assert len(totals) >= 5  # the server really answered during the crawl
    assert status == 200 and body["total"] > 0  # and it sees what the crawl wrote
    assert "locked" not in (server.stderr.read() or "")
