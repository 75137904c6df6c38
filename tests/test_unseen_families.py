"""Zero-config on CMS families nothing in luutru was written for: the demo portal's
WordPress-like Sở Y tế and old-PHP Sở Nội vụ (demo_portal/wordpress.py, php.py), given
profiles of only ``id``, ``name`` and their news listing URLs.

The [zero-config] bar, end to end: ≥ 98 % of the articles found, title/date ≥ 0.98,
author ≥ 0.90, body F1 ≥ 0.95, no listing page stored, no duplicate, no trap entered,
requests ≤ 3 × (articles + listing pages); an edit caught by the next incremental run
(WordPress keeps the first date on its listings: the sitemap says what changed); after a
redesign every new and edited article archived with its real title and text, the run not
"succeeded", `luutru health` exiting 1 and no current version blank.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from archive.store import Archive
from demo_portal import DemoPortal, ground_truth, is_trap
from demo_portal.scoring import token_f1

pytestmark = pytest.mark.slow

FAMILIES = ("liferay", "aspnet", "wordpress", "php")
NEW = {"g-wp": ("wordpress", "demo-wp", "/wp/"), "g-php": ("php", "demo-php", "/php/")}
PER_FAMILY = 80


def luutru(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args], capture_output=True, text=True, timeout=600,
        env=env,
    )  # fmt: skip


def crawl(data: Path, sites: Path) -> subprocess.CompletedProcess[str]:
    return luutru("crawl", *NEW, "--data", str(data), "--sites", str(sites), "--quiet")


def live_truth(truth: list[dict[str, Any]], demo_site: str) -> list[dict[str, Any]]:
    return [t for t in truth if t["site"] == demo_site and t["status"] == "live"]


def matched(archive: Archive, truth: list[dict[str, Any]], site: str) -> dict[str, tuple]:
    rows = {r["article_key"]: r for r in archive.articles(site=site)}
    found: dict[str, tuple] = {}
    for record in truth:
        for url in [record["url"], *record["aliases"]]:
            owner = archive.resolve(url)
            if owner and owner[0] == site and owner[1] in rows:
                found[record["key"]] = (rows[owner[1]], record)
                break
    return found


def snapshot(data: Path, truth: list[dict[str, Any]]) -> dict[str, Any]:
    with Archive.open(data) as archive:
        out = {}
        for site, (_, demo_site, _) in NEW.items():
            live = live_truth(truth, demo_site)
            stored = list(archive.articles(site=site))
            out[site] = {"live": live, "found": matched(archive, live, site), "stored": stored,
                         "runs": archive.runs(site)}  # fmt: skip
        return out


def run_scenario(tmp: Path, *, redesign: bool) -> dict[str, Any]:
    data, sites = tmp / "data", tmp / "sites"
    sites.mkdir(parents=True)
    with DemoPortal(articles=4, port=0, families=FAMILIES, extra_articles=PER_FAMILY) as portal:
        for site, (family, _, _) in NEW.items():
            (sites / f"{site}.toml").write_text(
                f'id = "{site}"\nname = "{family}"\n'
                f"start_urls = {json.dumps(portal.listing_urls(family))}\n"
                "[settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_START_DELAY = 0.05\n",
                encoding="utf-8",
            )
        first = crawl(data, sites)
        requests = list(portal.requests)
        truth0 = ground_truth(4, 0, 1, portal.base_url, families=FAMILIES,
                              extra_articles=PER_FAMILY)  # fmt: skip
        after_first = snapshot(data, truth0)
        portal.epoch = 1  # new articles, edits, a removal
        if redesign:
            portal.layout = 2
        before = len(portal.requests)
        second = crawl(data, sites)
        incremental = portal.requests[before:]
        truth1 = ground_truth(4, 1, 1, portal.base_url, families=FAMILIES,
                              extra_articles=PER_FAMILY)  # fmt: skip
    health = luutru("health", "--data", str(data), "--sites", str(sites), "--format", "json")
    return {
        "first": first, "second": second, "requests": requests, "incremental": incremental,
        "after_first": after_first, "after_second": snapshot(data, truth1), "health": health,
        "base": portal.base_url,
    }  # fmt: skip


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_scenario(tmp_path_factory.mktemp("edited"), redesign=False)


@pytest.fixture(scope="module")
def redesigned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_scenario(tmp_path_factory.mktemp("redesigned"), redesign=True)


def test_both_crawls_run(edited: dict[str, Any]) -> None:
    assert edited["first"].returncode == 0, edited["first"].stderr[-3000:]
    assert edited["second"].returncode == 0, edited["second"].stderr[-3000:]


@pytest.mark.parametrize("site", NEW)
def test_articles_found_once_and_nothing_else_stored(edited: dict[str, Any], site: str) -> None:
    snap = edited["after_first"][site]
    assert len(snap["found"]) >= 0.98 * len(snap["live"])
    assert len(snap["stored"]) == len(snap["found"])  # no listing page, no duplicate


@pytest.mark.parametrize("site", NEW)
def test_fields_of_an_unseen_family(edited: dict[str, Any], site: str) -> None:
    pairs = list(edited["after_first"][site]["found"].values())
    right, f1 = Counter(), []
    for row, want in pairs:
        for name in ("title", "date", "author"):
            right[name] += row[name] == want[name]
        f1.append(token_f1(want["body"], row["body"]))
    n = len(pairs)
    assert right["title"] / n >= 0.98 and right["date"] / n >= 0.98
    assert right["author"] / n >= 0.90
    assert sum(f1) / n >= 0.95


@pytest.mark.parametrize("site", NEW)
def test_no_trap_entered_and_requests_bounded(edited: dict[str, Any], site: str) -> None:
    prefix = NEW[site][2]
    paths = [p for _, p, _ in edited["requests"] if p.startswith(prefix)]
    traps = [p for p in paths if is_trap(edited["base"] + p)]
    assert len(traps) <= 2, traps
    articles = len(edited["after_first"][site]["live"])
    listings = sum(1 for p in paths if "chuyen-muc" in p or "cat=" in p)
    assert len(paths) <= 3 * (articles + listings)


@pytest.mark.parametrize("site", NEW)
def test_the_next_incremental_run_catches_every_edit(edited: dict[str, Any], site: str) -> None:
    snap = edited["after_second"][site]
    for key, (row, want) in snap["found"].items():
        assert row["body"] == want["body"], f"{site}:{key} not up to date"
    assert snap["runs"][0]["status"] == "succeeded"
    assert len(edited["incremental"]) < 0.25 * len(edited["requests"])


def test_a_redesign_is_an_alarm_and_loses_nothing(redesigned: dict[str, Any]) -> None:
    assert redesigned["second"].returncode == 0, redesigned["second"].stderr[-3000:]
    for site in NEW:
        snap = redesigned["after_second"][site]
        run = snap["runs"][0]
        assert run["status"] == "unhealthy"
        assert run["reasons"] and run["reasons"][0].startswith("layout changed: the article text")
        for key, (row, want) in snap["found"].items():
            assert row["title"] == want["title"], f"{site}:{key}"
            assert token_f1(want["body"], row["body"]) >= 0.95, f"{site}:{key}"
            assert row["body"].strip() and row["title"].strip()
        assert len(snap["found"]) >= 0.98 * len(snap["live"])
    health = redesigned["health"]
    assert health.returncode == 1
    sites = {s["site"]: s for s in json.loads(health.stdout)["sites"]}
    assert all(sites[site]["status"] == "unhealthy" for site in NEW)
