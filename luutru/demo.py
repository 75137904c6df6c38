"""`luutru demo`: the quick start. Serve the demo portal, crawl both families, show a record."""

from __future__ import annotations

import textwrap
from pathlib import Path

from crawler.profiles import get_profile
from luutru.crawling import run_crawls
from luutru.workspace import Workspace

DEMO_SITES = ("demo-liferay", "demo-aspnet")


def run_demo(workspace: Workspace, articles: int = 300, sites_dir: str | None = None) -> int:
    from demo_portal import DemoPortal

    with DemoPortal(articles=articles, epoch=0, port=0) as portal:
        print(f"demo portal serving {articles} articles at {portal.base_url}")
        profiles = [get_profile(s, sites_dir).rebased(portal.base_url) for s in DEMO_SITES]
        summaries = run_crawls(
            profiles, workspace, {"LUUTRU_PROGRESS": True, "LOG_LEVEL": "WARNING"}
        )
    print()
    for summary in summaries:
        print(summary.line())
    archive, data_dir = workspace.archive, workspace.data
    print(f"\narchive {Path(data_dir).resolve()}: {archive.counts()}")
    # Show a typical record: one with a byline and a time, as most portals print them.
    rows = list(archive.articles(site="demo-aspnet"))
    sample = next((a for a in rows if a["author"] and a["datetime"]), None)
    sample = sample or (rows[0] if rows else None)
    if sample:
        print("\none archived article:")
        print(f"  title : {sample['title']}")
        print(f"  date  : {sample['datetime'] or sample['date']}")
        print(f"  author: {sample['author']}")
        print(f"  source: {sample['source']}")
        print(f"  url   : {sample['url']}")
        first = sample["body"].split("\n\n")[:2]
        for para in first:
            print(textwrap.indent(textwrap.fill(para, 96), "  | "))
    print_example_search(workspace)
    print(f"\nnext: luutru export --data {data_dir} --format jsonl -o articles.jsonl")
    print(f"      luutru serve --data {data_dir}   (then open http://127.0.0.1:8080/)")
    ok = all(s.stats.get("finish_reason") == "finished" for s in summaries)
    return 0 if ok and sample else 1


def print_example_search(workspace: Workspace, query: str = "lao dong") -> None:
    """Search without diacritics, as a researcher would type it."""
    from archive.search import search

    result = search(workspace.archive, query, limit=3)
    plus = "+" if result.total_is_lower_bound else ""
    print(f'\nsearch "{query}" (no diacritics): {result.total}{plus} articles, e.g.')
    for hit in result.hits:
        print(f"  {hit.id}  {hit.date}  {hit.title}")
        print(f"    {hit.snippet}")
    print(f'  (luutru search "{query}" --data {workspace.data})')
