"""The order of a crawl's requests (crawler/spiders/portal.py priorities)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo_portal import DemoPortal


@pytest.mark.slow
def test_the_listing_walk_is_not_queued_behind_its_articles(tmp_path: Path) -> None:
    """Each listing page names the next: fetched only after the articles queued from the
    page before, the walk left all download slots but one idle for a round trip per page
    (on a portal that answers in hundreds of ms, half a crawl's time)."""
    with DemoPortal(articles=120, epoch=0, port=0, delay=0.05) as portal:
        done = subprocess.run(
            [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "--base-url",
             portal.base_url, "--data", str(tmp_path / "a"), "--quiet"],
            capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUTF8": "1"},
        )  # fmt: skip
        requests = [path for _method, path, _status in portal.requests]
    assert done.returncode == 0, done.stderr[-2000:]
    second_pages = [i for i, p in enumerate(requests) if "_101_cur=2" in p]
    assert second_pages, "no second listing page requested"
    articles_before = [p for p in requests[: second_pages[0]] if "/-/view_content/" in p]
    # The first listing page shows 10 articles (demo_portal/liferay.py PER_PAGE); behind
    # them, the second page came after all 10.
    assert len(articles_before) < 10
