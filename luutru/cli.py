"""The ``luutru`` command line: crawl, sites, site check, export, demo-portal, demo."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

DEFAULT_DATA = "luutru-data"


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", default=None, help="configuration file (default <data>/luutru.toml)"
    )
    parser.add_argument(
        "--data",
        default=os.environ.get("LUUTRU_DATA", DEFAULT_DATA),
        help="archive directory (env LUUTRU_DATA; default ./luutru-data)",
    )
    parser.add_argument(
        "--sites",
        default=os.environ.get("LUUTRU_SITES"),
        help="extra directory of site profiles (env LUUTRU_SITES)",
    )
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="archive database, a SQLAlchemy URL (env LUUTRU_DB, config [database] url; "
        "default <data>/archive.sqlite)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="luutru", description="Scheduled scraper and versioned archive of Vietnamese portals"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    crawl = sub.add_parser("crawl", help="crawl one site into the archive")
    crawl.add_argument("site", nargs="+", help="site profile id(s)")
    crawl.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting (repeatable)",
    )
    crawl.add_argument(
        "--base-url", help="move the profile's start URLs to this scheme://host:port"
    )
    crawl.add_argument(
        "--full",
        action="store_true",
        help="walk every listing page and revisit every known article (default: incremental)",
    )
    crawl.add_argument("--trigger", choices=["manual", "schedule"], default="manual")
    crawl.add_argument("--quiet", action="store_true", help="no progress line")
    _common(crawl)

    sites = sub.add_parser("sites", help="list site profiles")
    sites.add_argument("--format", choices=["text", "json"], default="text")
    _common(sites)

    site = sub.add_parser("site", help="site profile tools")
    site_sub = site.add_subparsers(dest="site_command", required=True)
    check = site_sub.add_parser("check", help="fetch one listing and three articles, print fields")
    check.add_argument("site")
    check.add_argument("--articles", type=int, default=3)
    check.add_argument("--base-url")
    check.add_argument("--format", choices=["text", "json"], default="text")
    _common(check)

    export = sub.add_parser("export", help="export the archive")
    export.add_argument("--format", choices=["jsonl", "csv", "parquet", "warc"], default="jsonl")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.add_argument("--site", help="only this site")
    export.add_argument("--since", help="only articles/versions seen since DATE (YYYY-MM-DD)")
    export.add_argument("--all-versions", action="store_true", help="one row per version")
    _common(export)

    history = sub.add_parser("history", help="versions and captures of one article")
    history.add_argument("article", help="site:key, a URL it was seen under, or its number")
    history.add_argument("--format", choices=["text", "json"], default="text")
    _common(history)

    show = sub.add_parser("show", help="one version of an article")
    show.add_argument("article")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="version number (default: current)")
    which.add_argument("--as-of", help="the version current at DATE or ISO datetime")
    show.add_argument("--format", choices=["text", "json"], default="text")
    _common(show)

    diff = sub.add_parser("diff", help="word-level diff of two versions")
    diff.add_argument("article")
    diff.add_argument("a", type=int)
    diff.add_argument("b", type=int)
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.add_argument("--color", action="store_true")
    diff.add_argument("--no-color", action="store_true")
    _common(diff)

    verify = sub.add_parser("verify", help="re-hash every version and WARC record")
    verify.add_argument("--format", choices=["text", "json"], default="text")
    _common(verify)

    dupes = sub.add_parser("dupes", help="near-duplicate clusters (republished articles)")
    dupes.add_argument("--site")
    dupes.add_argument("--format", choices=["text", "json"], default="text")
    _common(dupes)

    migrate = sub.add_parser("migrate", help="upgrade the archive database to the newest schema")
    _common(migrate)

    copy = sub.add_parser(
        "copy", help="copy the archive database to another backend (e.g. SQLite to PostgreSQL)"
    )
    copy.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL_OR_DIR",
        help="source: a SQLAlchemy URL, or a data directory (its archive.sqlite)",
    )
    copy.add_argument(
        "--to",
        dest="dest",
        required=True,
        metavar="URL_OR_DIR",
        help="destination (must be empty): a URL or a data directory",
    )
    copy.add_argument(
        "--no-verify",
        action="store_true",
        help="skip `luutru verify` (hashes, WARC records) on both ends",
    )
    _common(copy)  # --data: where the WARC files are (a directory --from by default)

    operations.add_parsers(sub, _common)
    search_cli.add_parsers(sub, _common)

    portal = sub.add_parser("demo-portal", help="serve the bundled demo portal on 127.0.0.1")
    portal.add_argument("--articles", type=int, default=300)
    portal.add_argument("--epoch", type=int, default=0)
    portal.add_argument("--port", type=int, default=8765)
    portal.add_argument("--host", default="127.0.0.1")
    portal.add_argument("--delay", type=float, default=0.0)
    portal.add_argument("--seed", type=int, default=1)
    portal.add_argument("--layout", type=int, default=1, help="2: renamed author/date classes")
    _common(portal)  # accepted for uniformity; the portal keeps no archive

    demo = sub.add_parser("demo", help="serve the demo portal, crawl it offline, show the result")
    demo.add_argument("--articles", type=int, default=300)
    _common(demo)

    schedule = sub.add_parser(
        "schedule", help="run every site's crawl on its cron schedule (foreground)"
    )
    schedule.add_argument("--list", action="store_true", help="sync, print the jobs, exit")
    schedule.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="for drills and tests: every site every SECONDS instead of its cron",
    )
    schedule.add_argument(
        "--site", action="append", default=[], help="only this site (repeatable; default all)"
    )
    _common(schedule)

    worker = sub.add_parser(
        "worker", help="run a crawl worker: a Scrapyd node that schedulers dispatch crawls to"
    )
    worker.add_argument("--host", default="127.0.0.1", help="address Scrapyd listens on")
    worker.add_argument("--port", type=int, default=6800)
    worker.add_argument("--max-proc", type=int, default=4, help="crawls at once on this node")
    worker.add_argument(
        "--poll", type=float, default=5.0, help="seconds between Scrapyd's queue polls"
    )
    _common(worker)

    serve = sub.add_parser("serve", help="web UI and JSON API (read-only without operator token)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    _common(serve)

    # Dev tool: every argument goes to `python -m bench` (main() hands them over unparsed).
    sub.add_parser("bench", help="run the benchmarks (repo checkout only; luutru bench --help)")
    return parser


def cmd_crawl(args: argparse.Namespace) -> int:
    from luutru.config import load_config
    from luutru.crawling import crawl_sites, parse_setting_pairs

    overrides: dict[str, Any] = parse_setting_pairs(args.settings)
    overrides["LUUTRU_PROGRESS"] = not args.quiet
    if args.full:
        overrides["LUUTRU_FULL"] = True
    return crawl_sites(
        args.site,
        args.data,
        args.sites,
        overrides,
        base_url=args.base_url,
        trigger=args.trigger,
        config=load_config(args.data, args.config),
        db=args.db,
    )


def cmd_sites(args: argparse.Namespace) -> int:
    from crawler.profiles import load_profiles

    profiles = load_profiles(args.sites)
    if args.format == "json":
        rows = [{**p.describe(), "file": p.source_path} for p in profiles.values()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for p in profiles.values():
        mark = "" if p.verified_offline else "  [not verified offline]"
        print(f"{p.id:<18} {p.cms or '-':<8} {p.schedule:<14} {p.name}{mark}")
    return 0


def cmd_site_check(args: argparse.Namespace) -> int:
    from crawler.profiles import get_profile
    from luutru.checks import field_warnings, render_check
    from luutru.crawling import run_crawls

    profile = get_profile(args.site, args.sites)
    if args.base_url:
        profile = profile.rebased(args.base_url)
    summary = run_crawls(
        [profile], args.data, {"LOG_LEVEL": "WARNING"}, check=args.articles, db=args.db
    )[0]
    records = [(item, field_warnings(item)) for item in summary.items]
    if args.format == "json":
        print(
            json.dumps(
                [{**item.as_dict(), "warnings": w} for item, w in records],
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(render_check(profile, summary, records))
    return 0 if records else 1


def cmd_demo_portal(args: argparse.Namespace) -> int:
    from demo_portal.server import main as serve

    argv = [
        "--articles",
        str(args.articles),
        "--epoch",
        str(args.epoch),
        "--port",
        str(args.port),
        "--host",
        args.host,
        "--delay",
        str(args.delay),
        "--seed",
        str(args.seed),
        "--layout",
        str(args.layout),
    ]
    return serve(argv) or 0


def cmd_bench(argv: Sequence[str]) -> int:
    """`luutru bench ...` = `python -m bench ...`; bench/ lives in the repo, not the package."""
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    for root in (repo, Path.cwd()):
        if (root / "bench" / "__main__.py").is_file() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
    try:
        from bench.__main__ import main as bench_main
    except ImportError as exc:
        print(
            f"luutru bench: the benchmarks are not importable ({exc}); they live in bench/ of "
            "the luutru repository, not in the installed package: run `python -m bench` "
            "in a checkout, or `luutru bench` from an editable install (pip install -e '.[bench]')",
            file=sys.stderr,
        )
        return 2
    return bench_main(list(argv))


def cmd_migrate(args: argparse.Namespace) -> int:
    from archive.db import current_revision
    from archive.store import Archive

    with Archive.open(args.data, url=args.db) as archive:  # opening upgrades to head
        revision = current_revision(archive.engine)
        where = archive.path or archive.engine.url.render_as_string(hide_password=True)
    print(f"{where}: at revision {revision}")
    return 0


def _open_either(where: str):
    from archive.store import Archive

    return Archive.open(url=where) if "://" in where else Archive.open(where)


def cmd_copy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archive.copy import copy_archive
    from archive.verify import verify

    warc_home = Path(args.source if "://" not in args.source else args.data)
    ok = True
    with _open_either(args.source) as source, _open_either(args.dest) as dest:
        report = copy_archive(source, dest)
        for table, rows in report.rows.items():
            print(f"{table:<16} {rows} rows")
        print(f"search index rebuilt on the destination: {report.indexed} versions")
        for problem in report.problems:
            print(f"PROBLEM {problem}")
        ok = report.ok
        if not args.no_verify:
            for name, archive in (("source", source), ("destination", dest)):
                checked = verify(archive, warc_home)
                for problem in checked.problems:
                    print(f"PROBLEM {name}: {problem}")
                print(
                    f"verify {name}: {checked.versions} versions, {checked.pointers} WARC "
                    f"pointers: {'clean' if checked.ok else 'PROBLEMS'}"
                )
                ok = ok and checked.ok
    print("copy is identical and clean" if ok else "copy has problems (see above)")
    return 0 if ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from luutru.demo import run_demo

    return run_demo(articles=args.articles, data_dir=args.data, sites_dir=args.sites, db=args.db)


def cmd_schedule(args: argparse.Namespace) -> int:
    from luutru.scheduler import schedule_command

    return schedule_command(
        args.data,
        args.sites,
        args.config,
        list_only=args.list,
        every=args.every,
        only=args.site,
        db=args.db,
    )


def cmd_worker(args: argparse.Namespace) -> int:
    from luutru.worker import worker_command

    return worker_command(
        args.data, args.db, args.sites, args.config,
        bind=args.host, port=args.port, max_proc=args.max_proc, poll=args.poll,
    )  # fmt: skip


def cmd_serve(args: argparse.Namespace) -> int:
    from luutru.web.app import serve_command

    return serve_command(args)


from luutru import operations, reading, search_cli  # noqa: E402  (after the parser: fast --help)

COMMANDS = {
    "crawl": cmd_crawl,
    "sites": cmd_sites,
    "export": reading.cmd_export,
    "history": reading.cmd_history,
    "show": reading.cmd_show,
    "diff": reading.cmd_diff,
    "verify": reading.cmd_verify,
    "dupes": reading.cmd_dupes,
    **operations.COMMANDS,
    **search_cli.COMMANDS,
    "demo-portal": cmd_demo_portal,
    "demo": cmd_demo,
    "migrate": cmd_migrate,
    "copy": cmd_copy,
    "schedule": cmd_schedule,
    "worker": cmd_worker,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    from crawler.profiles import ProfileError
    from luutru import reading  # noqa: F401  (COMMANDS refers to it)

    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["bench"]:
        return cmd_bench(raw[1:])
    args = build_parser().parse_args(argv)
    handler = cmd_site_check if args.command == "site" else COMMANDS[args.command]
    try:
        if hasattr(args, "data"):
            from luutru.config import resolve_db

            args.db = resolve_db(getattr(args, "db", None), args.data, args.config)
        return handler(args)
    except BrokenPipeError:
        # `luutru export | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        return 0
    except (ProfileError, KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
        print(f"luutru: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
