"""`luutru changes`: new, edited and removed articles per day and site (archive/changes.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import quote

from luutru.dates import FORMS, date_arg, parse_date

CSV_FIELDS = ("day", "site", "kind", "id", "version", "previous", "title", "at", "run_id",
              "url", "link", "diff")  # fmt: skip
DEFAULT_SINCE = "7d"


def version_link(article_id: str, number: int) -> str:
    """The web UI's page of one version (luutru/web/service.py ``version_path``; kept
    here too so this command loads no web stack)."""
    return f"/articles/{quote(article_id, safe=':')}/versions/{number}"


def diff_link(article_id: str, a: int, b: int) -> str:
    return f"/articles/{quote(article_id, safe=':')}/diff?a={a}&b={b}"


def with_links(change: Any) -> dict[str, Any]:
    """A change as a dict with its version link and, for an edit, the diff's."""
    row = change.as_dict()
    row["link"] = version_link(change.id, change.version)
    row["diff"] = diff_link(change.id, change.previous, change.version) if change.previous else None
    return row


def add_parsers(sub: Any, common: Any) -> None:
    p = sub.add_parser("changes", help="new, edited and removed articles per day and site")
    p.add_argument(
        "--since",
        metavar="DATE",
        type=date_arg,
        default=None,
        help=f"runs started on/after DATE ({FORMS}; default {DEFAULT_SINCE})",
    )
    p.add_argument("--until", metavar="DATE", type=date_arg, help="runs started on/before DATE")
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    p.add_argument("--run", type=int, help="only what this run changed")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    common(p)


def cmd_changes(args: argparse.Namespace) -> int:
    from archive.changes import by_day_and_site, changes, counts

    since = args.since or parse_date(DEFAULT_SINCE).isoformat()
    if args.until and since > args.until:
        print(f"luutru changes: error: --since {since} is after --until {args.until}",
              file=sys.stderr)  # fmt: skip
        return 2
    archive = args.workspace.archive
    if args.run is not None and archive.run(args.run) is None:
        print(f"luutru changes: error: no run {args.run}", file=sys.stderr)
        return 2
    found = changes(
        archive,
        since=None if args.run is not None else since,
        until=None if args.run is not None else args.until,
        sites=args.site,
        run_id=args.run,
    )
    rows = [with_links(c) for c in found]
    if args.format == "json":
        window = {"since": since, "until": args.until, "run": args.run}
        payload = {"window": window, "counts": counts(found), "changes": rows}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if args.format == "csv":
        from archive.export import csv_chunks  # BOM: opens in Excel as is

        for chunk in csv_chunks(rows, CSV_FIELDS):
            sys.stdout.write(chunk)
        return 0
    links = {(r["id"], r["version"], r["kind"]): r for r in rows}
    for day, sites in by_day_and_site(found):
        print(day)
        for site, items in sites:
            print(f"  {site}")
            for c in items:
                row = links[(c.id, c.version, c.kind)]
                number = f"v{c.previous}→v{c.version}" if c.previous else f"v{c.version}"
                print(f"    {c.kind:<8} {c.id} {number}  {c.title}")
                print(f"             {row['diff'] or row['link']}")
    n = counts(found)
    where = (
        f"run {args.run}"
        if args.run is not None
        else (f"runs started {since} … {args.until or 'today'}")
    )
    print(f"{n['new']} new, {n['edited']} edited, {n['removed']} removed ({where})")
    return 0


COMMANDS = {"changes": cmd_changes}
