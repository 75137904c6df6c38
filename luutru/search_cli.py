"""`luutru search QUERY …`: full-text search of the archive (archive/search.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from luutru.dates import FORMS, date_arg

_BOLD, _RESET = "\033[1m", "\033[0m"
CSV_FIELDS = ("id", "date", "title", "site", "author", "category", "status", "version",
              "score", "url", "snippet")  # fmt: skip


def add_parsers(sub: Any, common: Any) -> None:
    p = sub.add_parser(
        "search",
        help='full-text search (diacritic-insensitive; "phrases", AND/OR/NOT, -word, word*)',
    )
    p.add_argument(
        "query",
        nargs="?",
        default="",
        help="words, e.g. lao dong '\"thương binh\"' -tuyển (a NOT term such as -lao may come "
        "first; after -- everything is the query)",
    )
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    p.add_argument("--province")
    p.add_argument("--department")
    p.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        type=date_arg,
        help=f"published on/after DATE ({FORMS})",
    )
    p.add_argument(
        "--to", dest="date_to", metavar="DATE", type=date_arg, help="published on/before DATE"
    )
    p.add_argument("--author")
    p.add_argument("--category")
    p.add_argument("--status", choices=["live", "removed"])
    p.add_argument("--exact", action="store_true", help="diacritics must match exactly")
    p.add_argument("--all-versions", action="store_true", help="search every version")
    p.add_argument("--sort", choices=["relevance", "date"], default="relevance")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--reindex", action="store_true", help="rebuild the index from versions")
    common(p)


def cmd_search(args: argparse.Namespace) -> int:
    from archive.search import SearchSyntaxError, render, search

    archive = args.workspace.archive
    if args.reindex:
        count = archive.reindex_search()
        print(f"indexed {count} versions", file=sys.stderr)
        if not args.query:
            return 0
    try:
        result = search(
            archive,
            args.query,
            sites=args.site,
            province=args.province,
            department=args.department,
            date_from=args.date_from,
            date_to=args.date_to,
            author=args.author,
            category=args.category,
            status=args.status,
            exact=args.exact,
            all_versions=args.all_versions,
            sort=args.sort,
            limit=args.limit,
            offset=args.offset,
        )
    except SearchSyntaxError as exc:
        print(f"luutru search: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        payload = {
            "total": result.total,
            "total_is_lower_bound": result.total_is_lower_bound,
            "ranking_window": result.ranking_window,
            "hits": [h.as_dict() for h in result.hits],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        from archive.export import csv_chunks  # BOM, lists as JSON: opens in Excel as is

        for chunk in csv_chunks((hit.as_dict() for hit in result.hits), CSV_FIELDS):
            sys.stdout.write(chunk)
    else:
        tty = sys.stdout.isatty()
        open_, close = (_BOLD, _RESET) if tty else ("[", "]")
        for hit in result.hits:
            version = f" v{hit.version}" if args.all_versions else ""
            removed = " (removed)" if hit.status == "removed" else ""
            print(f"{hit.id}{version}  {hit.date or '----------'}  "
                  f"{render(hit.title_parts, open_, close)}{removed}")  # fmt: skip
            if hit.snippet_parts:
                print(f"    {render(hit.snippet_parts, open_, close)}")
        shown = f"{args.offset + 1}-{args.offset + len(result.hits)}" if result.hits else "0"
        plus = "+" if result.total_is_lower_bound else ""
        print(f"{result.total}{plus} match(es), showing {shown}")
        if result.ranking_window:
            print(
                f"ranked: the {result.ranking_window} most recently archived matches first, "
                "older ones after them (add words or filters, or --sort date)"
            )
    return 0


COMMANDS = {"search": cmd_search}
