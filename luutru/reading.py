"""Commands that read the archive: history, show, diff, export, verify, dupes.

Each prints text for people or, with ``--format json``, one JSON document for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.store import Archive


def _json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _article(archive: Archive, ref: str) -> dict:
    article = archive.find(ref)
    if article is None:
        raise KeyError(f"no article {ref!r} (use site:key, a URL it was seen under, or its number)")
    return article


def cmd_history(args: argparse.Namespace) -> int:
    archive = args.workspace.archive
    article = _article(archive, args.article)
    versions = archive.versions(article["article_id"])
    captures = archive.captures(article["article_id"])
    dupes = archive.near_duplicates_of(article["article_id"])
    if args.format == "json":
        for v in versions:
            v.pop("minhash", None)
            v.pop("body_html", None)
        _json(
            {
                "article": {
                    k: article[k]
                    for k in (
                        "id",
                        "url",
                        "status",
                        "removed_at",
                        "first_seen",
                        "last_seen",
                        "aliases",
                    )
                },
                "versions": versions,
                "captures": captures,
                "near_duplicates": dupes,
            }
        )
        return 0
    print(f"{article['id']}  {article['status']}  {article['url']}")
    print(
        f"first seen {article['first_seen']}, last seen {article['last_seen']}"
        + (f", removed {article['removed_at']}" if article["removed_at"] else "")
    )
    for v in versions:
        warc = f"  warc {v['warc_file']}#{v['warc_offset']}" if v["warc_file"] else ""
        print(
            f"  v{v['number']}  {v['fetched_at']}  run {v['run_id']}  "
            f"{v['content_hash'][:12]}  {v['title']}{warc}"
        )
    print(
        f"captures: {len(captures)} ("
        + ", ".join(
            f"{o} {sum(1 for c in captures if c['outcome'] == o)}"
            for o in dict.fromkeys(c["outcome"] for c in captures)
        )
        + ")"
    )
    for alias in article["aliases"]:
        print(f"  alias {alias}")
    for dupe in dupes:
        print(f"  near-duplicate {dupe['id']} ({dupe['similarity']:.2f}) {dupe['title']}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    archive = args.workspace.archive
    article = _article(archive, args.article)
    version = archive.version(article["article_id"], args.version, args.as_of)
    if version is None:
        raise KeyError(f"{article['id']} has no such version")
    version.pop("body_html", None)
    if args.format == "json":
        _json(
            {
                **version,
                "id": article["id"],
                "url": article["url"],
                "status": article["status"],
                "version_count": article["version_count"],
            }
        )
        return 0
    print(
        f"{article['id']} · version {version['number']} of {article['version_count']}"
        f" · captured {version['fetched_at']} · {article['status']}"
    )
    print(f"url     : {article['url']}")
    for name in ("title", "date", "datetime", "author", "source", "category", "summary"):
        print(f"{name:<8}: {version[name]}")
    if version["attachments"]:
        print(f"files   : {', '.join(version['attachments'])}")
    if version["warc_file"]:
        print(f"warc    : {version['warc_file']}#{version['warc_offset']}")
    print()
    for para in version["body"].split("\n\n"):
        print(textwrap.fill(para, 100))
        print()
    return 0


def _colour(args: argparse.Namespace) -> bool:
    """Colour on a terminal, unless --no-color or NO_COLOR (no-color.org); --color forces."""
    import os

    if args.color:
        return True
    return sys.stdout.isatty() and not args.no_color and not os.environ.get("NO_COLOR")


def cmd_diff(args: argparse.Namespace) -> int:
    from archive.diff import diff_versions, render_text, to_json
    from archive.diff_view import summary, summary_text

    archive = args.workspace.archive
    article = _article(archive, args.article)
    a = archive.version(article["article_id"], args.a)
    b = archive.version(article["article_id"], args.b)
    if a is None or b is None:
        missing = args.a if a is None else args.b
        raise KeyError(
            f"{article['id']} has no version {missing} (it has {article['version_count']})"
        )
    if args.side_by_side and args.format == "json":
        raise ValueError("--side-by-side is a text view: not with --format json")
    diffs = diff_versions(a, b)
    if args.format == "json":
        _json({"id": article["id"], "a": args.a, "b": args.b,
               "summary": summary_text(summary(a, b)), "fields": to_json(diffs)})  # fmt: skip
    else:
        print(
            f"{article['id']}: version {args.a} ({a['fetched_at']}) → {args.b} ({b['fetched_at']})"
        )
        print(summary_text(summary(a, b)))
        if args.side_by_side:
            from luutru.diff_columns import render

            sys.stdout.flush()  # rich writes to the same stream: keep the order
            titles = (f"version {args.a}", f"version {args.b}")
            render(diffs, a, b, titles, sys.stdout, _colour(args))
        else:
            print(render_text(diffs, color=_colour(args)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archive import export

    options = {"since": args.since, "all_versions": args.all_versions}
    if args.format in ("parquet", "warc", "wacz", "cdxj") and not args.output:
        raise ValueError(f"--format {args.format} needs -o FILE")
    archive = args.workspace.archive
    if args.format == "parquet":
        count = export.write_parquet(archive, Path(args.output), site=args.site, **options)
    elif args.format == "warc":
        count = export.write_warc(
            archive, args.workspace.data / "warc", Path(args.output), site=args.site, **options
        )
    elif args.format in ("wacz", "cdxj"):
        from archive import wacz

        # A package (or its index) carries every version of the selected articles.
        where = (archive, args.workspace.data / "warc", Path(args.output))
        if args.format == "wacz":
            key = args.signing_key or args.workspace.config.export.wacz_signing_key or None
            result = wacz.write_wacz(*where, site=args.site, since=args.since, signing_key=key)
            count = result.pages
        else:
            count = wacz.write_cdxj(*where, site=args.site, since=args.since)
    else:
        writer = export.write_jsonl if args.format == "jsonl" else export.write_csv
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                count = writer(archive, out, site=args.site, **options)
        else:
            count = writer(archive, sys.stdout, site=args.site, **options)
    if args.output:
        unit = {"warc": "records", "wacz": "pages", "cdxj": "index lines"}.get(args.format, "rows")
        print(f"wrote {count} {unit} to {args.output}", file=sys.stderr)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from archive.verify import verify

    archive = args.workspace.archive
    report = verify(archive, args.workspace.data)
    if args.format == "json":
        _json(report.as_dict())
    else:
        print(
            f"checked {report.versions} versions, {report.pointers} WARC pointers, "
            f"{report.warc_files} WARC files ({report.warc_bytes} bytes)"
        )
        for problem in report.problems:
            print(f"PROBLEM {problem}")
        print("archive is consistent" if report.ok else f"{len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def cmd_dupes(args: argparse.Namespace) -> int:
    archive = args.workspace.archive
    clusters = archive.near_duplicate_clusters(args.site)
    if args.format == "json":
        _json(clusters)
        return 0
    if not clusters:
        print("no near-duplicate clusters")
    for i, cluster in enumerate(clusters, 1):
        print(f"cluster {i} ({len(cluster)} articles)")
        for member in cluster:
            print(f"  {member['id']}  {member['title']}")
    return 0
