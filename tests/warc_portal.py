"""One archive made the way the WARC/WACZ tests need it, shared by tests/test_warc_standard.py
and tests/test_wacz.py (crawled once per session): the demo portal with every family —
the two profiled ones (Liferay, ASP.NET: ETags, so re-fetches are 304s; ASP.NET articles
reached under an alias URL) and the two nobody wrote selectors for (WordPress, and an old
PHP site without validators, so unchanged re-fetches are 200s with the same payload) —
crawled at epoch 0, then again with ``--full`` at epoch 1: new, edited, unchanged, 304 and
removed captures all occur.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo_portal import DemoPortal

FAMILIES = ("liferay", "aspnet", "wordpress", "php")
ZERO_CONFIG = {"h-wp": "wordpress", "h-php": "php"}
SITES = ("demo-liferay", "demo-aspnet", *ZERO_CONFIG)
ARTICLES = 60  # the two profiled families together (ASP.NET listings get a postback page 2)
EXTRA = 16  # each zero-config family


@dataclass
class Crawled:
    data: Path
    truth: list[dict[str, Any]]  # the portal's ground truth after the second crawl
    base_url: str
    outputs: list[str]


_CACHE: dict[str, Crawled] = {}


def _crawl(portal: DemoPortal, data: Path, sites: Path, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "luutru", "crawl", *SITES, "--data", str(data),
         "--sites", str(sites), "--base-url", portal.base_url, "-s", "LOG_LEVEL=WARNING",
         *extra],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONUTF8": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def crawled_twice(root: Path) -> Crawled:
    """The archive (under ``root`` the first time it is asked for in a session)."""
    if "archive" in _CACHE:
        return _CACHE["archive"]
    data, sites = root / "data", root / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    with DemoPortal(articles=ARTICLES, port=0, families=FAMILIES, extra_articles=EXTRA) as portal:
        for site, family in ZERO_CONFIG.items():
            (sites / f"{site}.toml").write_text(
                f'id = "{site}"\nname = "{family}"\n'
                f"start_urls = {json.dumps(portal.listing_urls(family))}\n"
                "[settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_START_DELAY = 0.05\n",
                encoding="utf-8",
            )
        first = _crawl(portal, data, sites)
        portal.epoch = 1  # new articles, edits, a removal
        second = _crawl(portal, data, sites, "--full")
        _CACHE["archive"] = Crawled(data, portal.truth(), portal.base_url, [first, second])
    return _CACHE["archive"]
