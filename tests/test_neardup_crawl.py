"""Near-duplicates end to end: crawl the demo portal, whose ASP.NET department republishes a
few of the Liferay department's releases with small edits, and find exactly those pairs.

The demo portal's ground truth names each copy's original (``republished_of``); the archive
must link every copy with its original (MinHash, Jaccard >= 0.8 on word 3-shingles) and
nothing else: the generator's independent articles share sentences from a small pool but stay
well below the threshold, so any other cluster is a false positive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from archive.store import Archive
from demo_portal import DemoPortal

ARTICLES = 300
pytestmark = pytest.mark.slow


def luutru(*args: str) -> subprocess.CompletedProcess[str]:
    # A subprocess: the Twisted reactor cannot start twice in one test process.
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("archive")
    with DemoPortal(articles=ARTICLES, port=0) as portal:
        result = luutru(
            "crawl",
            "demo-liferay",
            "demo-aspnet",
            "--base-url",
            portal.base_url,
            "--data",
            str(data),
            "-s",
            "LOG_LEVEL=WARNING",
        )
        truth = portal.truth()
    assert result.returncode == 0, result.stderr[-3000:]
    with Archive.open(data) as archive:
        out = {
            "data": data,
            "truth": truth,
            "clusters": archive.near_duplicate_clusters(),
            "asp_clusters": archive.near_duplicate_clusters("demo-aspnet"),
            "lf_clusters": archive.near_duplicate_clusters("demo-liferay"),
            "records": list(archive.articles()),
        }
    return out


def ids(clusters: list[list[dict]]) -> list[list[str]]:
    return [[str(member["id"]) for member in cluster] for cluster in clusters]


def republications(truth: list[dict]) -> dict[str, str]:
    """Copy id -> original id ("site:key"), from the ground truth."""
    return {
        f"{t['site']}:{t['key']}": str(t["republished_of"]) for t in truth if t["republished_of"]
    }


def test_truth_has_republications(crawled: dict) -> None:
    pairs = republications(crawled["truth"])
    assert len(pairs) == max(2, ARTICLES // 2 // 50)
    assert all(
        c.startswith("demo-aspnet:") and o.startswith("demo-liferay:") for c, o in pairs.items()
    )


def test_every_republication_clustered_with_its_original(crawled: dict) -> None:
    clusters = [set(c) for c in ids(crawled["clusters"])]
    for copy, original in republications(crawled["truth"]).items():
        assert any({copy, original} <= c for c in clusters), (copy, original, clusters)


def test_no_false_positive_clusters(crawled: dict) -> None:
    pairs = {frozenset(p) for p in republications(crawled["truth"]).items()}
    clusters = ids(crawled["clusters"])
    assert len(clusters) == len(pairs)
    for cluster in clusters:
        assert frozenset(cluster) in pairs, cluster  # exactly one copy and its original


def test_cluster_members_describe_articles(crawled: dict) -> None:
    truth = {f"{t['site']}:{t['key']}": t for t in crawled["truth"]}
    for cluster in crawled["clusters"]:
        for member in cluster:
            t = truth[member["id"]]
            assert member["site"] == t["site"]
            assert member["title"] == t["title"]
            assert member["url"] == t["url"]


def test_site_filter(crawled: dict) -> None:
    everything = ids(crawled["clusters"])
    asp = ids(crawled["asp_clusters"])
    assert asp and all(any(i.startswith("demo-aspnet:") for i in c) for c in asp)
    assert asp == [c for c in everything if any(i.startswith("demo-aspnet:") for i in c)]
    # Every pair spans both sites: each site's view is the whole list.
    assert ids(crawled["lf_clusters"]) == everything == asp


def test_linked_never_merged(crawled: dict) -> None:
    # Each copy and its original stay separate records, each with its own text.
    records = {str(r["id"]): r for r in crawled["records"]}
    live = [t for t in crawled["truth"] if t["status"] == "live"]
    assert len(records) == len(live)
    for copy, original in republications(crawled["truth"]).items():
        assert records[copy]["body"] != records[original]["body"]
        assert records[copy]["title"] != records[original]["title"]


def test_dupes_cli_json_matches(crawled: dict) -> None:
    result = luutru("dupes", "--data", str(crawled["data"]), "--format", "json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == crawled["clusters"]
    result = luutru(
        "dupes", "--site", "demo-aspnet", "--data", str(crawled["data"]), "--format", "json"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == crawled["asp_clusters"]
