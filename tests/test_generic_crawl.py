"""Zero-config crawling end to end: profiles of only ``id``, ``name`` and ``start_urls``
(the news listings) against the demo portal, scored against its ground truth.

The bar of the [zero-config] issue, measured here on the bundled families: nearly every
article found, fields right, no listing page stored, no duplicate, no trap entered, no
robots.txt violation, requests bounded by the articles and listing pages; an edit caught
by the next incremental run with a handful of requests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from archive.store import Archive
from demo_portal import DemoPortal, ground_truth
from demo_portal.scoring import token_f1

pytestmark = pytest.mark.slow

ARTICLES = 120
FAMILIES = {
    # generic profile id: (demo site id, listing paths)
    "g-liferay": (
        "demo-liferay",
        ["/lf/web/so-tttt/cong-nghe-thong-tin", "/lf/web/so-tttt/chi-dao-dieu-hanh"],
    ),
    "g-aspnet": (
        "demo-aspnet",
        ["/asp/Pages/TinTuc.aspx?CatID=1", "/asp/Pages/TinTuc.aspx?CatID=2"],
    ),
}
TRAPS = ("tin-theo-ngay", "tintheongay", "/print", "print.aspx")


def write_profiles(folder: Path, base_url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for site, (_, paths) in FAMILIES.items():
        urls = ", ".join(f'"{base_url}{p}"' for p in paths)
        (folder / f"{site}.toml").write_text(
            f'id = "{site}"\nname = "{site}"\nstart_urls = [{urls}]\n'
            # Loopback: no politeness delay needed (the settings table is optional too).
            "[settings]\nDOWNLOAD_DELAY = 0\nAUTOTHROTTLE_START_DELAY = 0.05\n",
            encoding="utf-8",
        )
    return folder


def crawl(data: Path, sites: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "luutru", "crawl", *FAMILIES, "--data", str(data),
               "--sites", str(sites), "--quiet", *extra]  # fmt: skip
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def matched(archive: Archive, truth: list[dict[str, Any]], site: str) -> dict[str, tuple]:
    """Truth key → (archived article, truth), matched through any URL the truth lists."""
    found: dict[str, tuple] = {}
    rows = {r["article_key"]: r for r in archive.articles(site=site)}
    for record in truth:
        for url in [record["url"], *record["aliases"]]:
            owner = archive.resolve(url)
            if owner and owner[0] == site and owner[1] in rows:
                found[record["key"]] = (rows[owner[1]], record)
                break
    return found


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("generic")
    data = tmp / "data"
    with DemoPortal(articles=ARTICLES, epoch=0, port=0) as portal:
        sites = write_profiles(tmp / "sites", portal.base_url)
        result = crawl(data, sites)
        requests = list(portal.requests)
        truth = ground_truth(ARTICLES, 0, 1, portal.base_url)
        snapshot = {}
        with Archive.open(data) as archive:  # what the first crawl stored
            for site, (demo_site, _) in FAMILIES.items():
                live = [t for t in truth if t["site"] == demo_site and t["status"] == "live"]
                stored = list(archive.articles(site=site))
                snapshot[site] = (live, matched(archive, live, site), stored)
        # Epoch 1: new articles, 3 edited (their date line moves), 1 removed per site.
        portal.epoch = 1
        before = len(portal.requests)
        second = crawl(data, sites)
        incremental = portal.requests[before:]
        truth1 = ground_truth(ARTICLES, 1, 1, portal.base_url)
    return {
        "data": data, "result": result, "requests": requests, "truth": truth,
        "snapshot": snapshot,
        "second": second, "incremental": incremental, "truth1": truth1,
    }  # fmt: skip


def test_the_crawl_succeeds(first_crawl: dict[str, Any]) -> None:
    result = first_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("site", FAMILIES)
def test_nearly_every_article_is_found_and_nothing_else_stored(
    first_crawl: dict[str, Any], site: str
) -> None:
    truth, found, stored = first_crawl["snapshot"][site]
    assert len(found) >= 0.98 * len(truth)
    # Every stored record is a real article (no listing page), each one once.
    assert len(stored) == len(found)


@pytest.mark.parametrize("site", FAMILIES)
def test_fields_match_the_truth(first_crawl: dict[str, Any], site: str) -> None:
    pairs = list(first_crawl["snapshot"][site][1].values())
    right = Counter()
    f1 = []
    for row, want in pairs:
        for name in ("title", "date", "datetime", "author", "summary"):
            right[name] += row[name] == want[name]
        f1.append(token_f1(want["body"], row["body"]))
    n = len(pairs)
    assert right["title"] / n >= 0.98 and right["date"] / n >= 0.98
    assert right["author"] / n >= 0.9
    assert sum(f1) / n >= 0.95


def test_no_trap_no_robots_violation_and_requests_are_bounded(first_crawl: dict[str, Any]) -> None:
    paths = [path for _, path, _ in first_crawl["requests"]]
    assert not [p for p in paths if any(t in p.lower() for t in TRAPS)]
    assert not [p for p in paths if p.lower().startswith("/admin")]
    articles = sum(1 for t in first_crawl["truth"] if t["status"] == "live")
    listing_pages = sum(1 for p in paths if "tintuc.aspx" in p.lower() or "/so-tttt/c" in p)
    assert len(paths) <= 3 * (articles + listing_pages)


def test_an_incremental_run_catches_edits_without_item_date(first_crawl: dict[str, Any]) -> None:
    second = first_crawl["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    truth1 = {(t["site"], t["key"]): t for t in first_crawl["truth1"]}
    with Archive.open(first_crawl["data"]) as archive:
        for site, (demo_site, _) in FAMILIES.items():
            live = [t for t in truth1.values() if t["site"] == demo_site and t["status"] == "live"]
            for key, (row, want) in matched(archive, live, site).items():
                assert row["body"] == want["body"], f"{site}:{key} not updated"
    new = sum(1 for t in first_crawl["truth1"] if t["status"] == "live") - sum(
        1 for t in first_crawl["truth"] if t["status"] == "live"
    )
    # Listing pages, the new articles, the edited ones: a few percent of a full walk, besides
    # robots.txt and the one-time sitemap lookup (a missing sitemap is then remembered).
    probes = [r for r in first_crawl["incremental"] if r[1].endswith(("robots.txt", "sitemap.xml"))]
    assert len(probes) <= 3 * len(FAMILIES)
    pages = len(first_crawl["incremental"]) - len(probes)
    assert pages <= new + 0.05 * len(first_crawl["requests"]) + 12
