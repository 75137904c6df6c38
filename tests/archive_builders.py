"""Archives the web tests read: the demo portal crawled twice (so some articles have two
versions), and a hostile article whose fields and archived page carry scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from archive.records import ArticleRecord, WarcRef
from archive.store import Archive
from archive.warc import WarcSeries


def crawl_demo(base_url: str, data: Path, *extra: str) -> None:
    """Both demo sites into ``data`` (a subprocess: the reactor cannot start twice)."""
    command = [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
               "--base-url", base_url, "--data", str(data), "--quiet", "-s", "LOG_LEVEL=INFO",
               *extra]  # fmt: skip
    env = {**os.environ, "PYTHONUTF8": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]


def plant_hostile_article(
    data: Path, *, title: str, body: str, author: str, page: bytes, key: str = "evil1"
) -> str:
    """An archived article with hostile fields and a hostile WARC capture; its public id."""
    with WarcSeries(data / "warc" / "evil", "luutru-evil-run000999") as series:
        url = f"http://127.0.0.1:9/evil?id={key}"
        pointer, record_id, digest = series.write_response(
            url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], page
        )
    record = ArticleRecord(
        site="demo-aspnet",
        article_key=key,
        url=url,
        fetched_url=url,
        title=title,
        body=body,
        body_html="<p>" + body + "</p>",
        date="2024-05-01",
        author=author,
        category="Tin <i>hoạt động</i>",
        fetched_at="2024-05-02T08:00:00+07:00",
        raw_html=page,
        warc=WarcRef(f"evil/{pointer.file}", pointer.offset, pointer.length, digest, record_id),
    )
    with Archive.open(data) as archive:
        assert archive.record(record, None) == "new"
    return f"demo-aspnet:{key}"
