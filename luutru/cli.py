"""The ``luutru`` command line: crawl, sites, site check, export, demo-portal, demo.

A failed command says why in one line on stderr and exits 1 (the work failed) or 2 (it
cannot be done as asked); ``--debug`` (or env ``LUUTRU_DEBUG=1``) adds the traceback
(luutru/errors.py). Commands that only read open an existing archive as it is and
create nothing (luutru/workspace.py). Each command's module is imported when it runs:
start-up stays quick, and `luutru --help` never loads Scrapy or the archive.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from luutru.cli_parser import build_parser, parse
from luutru.errors import debug_requested, report

if TYPE_CHECKING:  # imported when a command runs: `luutru --help` needs none of it
    from luutru.workspace import Workspace

__all__ = ["COMMANDS", "READING", "build_parser", "main", "run"]


def cmd_crawl(args: argparse.Namespace) -> int:
    from luutru import exiting
    from luutru.crawl_processes import process_count
    from luutru.crawling import crawl_sites, parse_setting_pairs

    exiting.want()  # the process ends without its heap's teardown (luutru/exiting.py)
    overrides: dict[str, Any] = parse_setting_pairs(args.settings)  # a bad pair: exit 2 here
    count = process_count(args.processes, len(dict.fromkeys(args.site)))
    if count > 1:
        from luutru.crawl_processes import run

        args.site = list(dict.fromkeys(args.site))
        return run(args, count)
    if args.full:
        overrides["LUUTRU_FULL"] = True
    return crawl_sites(
        args.site,
        args.workspace,
        args.sites,
        overrides,
        base_url=args.base_url,
        trigger=args.trigger,
        progress=not args.quiet,
        verbose=args.verbose,
    )


def cmd_sites(args: argparse.Namespace) -> int:
    import json

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
        "--padding-kb",
        str(args.padding_kb),
    ]
    return serve(argv) or 0


def cmd_bench(argv: Sequence[str]) -> int:
    """`luutru bench ...` = `python -m bench ...` in the repository checkout. bench/ sits
    above the application (it measures it), so it runs as its own process, not an import."""
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    root = next((r for r in (repo, Path.cwd()) if (r / "bench" / "__main__.py").is_file()), None)
    if root is None:
        print(
            "luutru bench: the benchmarks live in bench/ of the luutru repository, not in the "
            "installed package: run `python -m bench` in a checkout, or `luutru bench` from "
            "an editable install (pip install -e '.[bench]')",
            file=sys.stderr,
        )
        return 2
    return subprocess.call([sys.executable, "-m", "bench", *argv], cwd=root)


def cmd_migrate(args: argparse.Namespace) -> int:
    from archive.revisions import schema_revision

    archive = args.workspace.archive  # opening upgrades to head
    with archive.engine.connect() as conn:
        revision = schema_revision(conn)
    where = archive.path or archive.engine.url.render_as_string(hide_password=True)
    print(f"{where}: at revision {revision}")
    return 0


def _open_either(where: str, *, must_exist: bool = False):
    """A data directory or a database URL; ``must_exist``: as it is (a copy's source)."""
    from pathlib import Path

    from luutru.workspace import open_existing, open_or_create

    opener = open_existing if must_exist else open_or_create
    return opener(Path(where), where) if "://" in where else opener(Path(where))


def cmd_copy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archive.copy import copy_archive
    from archive.verify import verify

    warc_home = Path(args.source) if "://" not in args.source else args.workspace.data
    ok = True
    with _open_either(args.source, must_exist=True) as source, _open_either(args.dest) as dest:
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

    return run_demo(args.workspace, articles=args.articles, sites_dir=args.sites)


def cmd_schedule(args: argparse.Namespace) -> int:
    from luutru.scheduler import schedule_command

    return schedule_command(
        args.workspace, args.sites, list_only=args.list, every=args.every, only=args.site
    )


def cmd_worker(args: argparse.Namespace) -> int:
    from luutru.worker import worker_command

    return worker_command(
        args.workspace, args.sites,
        bind=args.host, port=args.port, max_proc=args.max_proc, poll=args.poll,
    )  # fmt: skip


def cmd_serve(args: argparse.Namespace) -> int:
    _ = args.workspace.archive  # refused here, before the server says anything, if missing
    from luutru.web.server import serve

    return serve(args)


# Commands in other modules are named, not imported: each loads only when it runs.
COMMANDS: dict[str, Callable[[argparse.Namespace], int] | str] = {
    "crawl": cmd_crawl,
    "sites": cmd_sites,
    "export": "luutru.reading:cmd_export",
    "history": "luutru.reading:cmd_history",
    "show": "luutru.reading:cmd_show",
    "diff": "luutru.reading:cmd_diff",
    "verify": "luutru.reading:cmd_verify",
    "dupes": "luutru.reading:cmd_dupes",
    "runs": "luutru.operations:cmd_runs",
    "log": "luutru.operations:cmd_log",
    "health": "luutru.operations:cmd_health",
    "search": "luutru.search_cli:cmd_search",
    "changes": "luutru.changes_cli:cmd_changes",
    "extract": "luutru.extract_cli:cmd_extract",
    "demo-portal": cmd_demo_portal,
    "demo": cmd_demo,
    "migrate": cmd_migrate,
    "copy": cmd_copy,
    "schedule": cmd_schedule,
    "worker": cmd_worker,
    "serve": cmd_serve,
}
SITE_COMMANDS = {"add": "luutru.site_add:cmd_site_add", "check": "luutru.checks:cmd_site_check"}

# Commands that read the archive: it must exist, and is neither created nor migrated.
READING = frozenset(
    {"search", "export", "show", "history", "diff", "dupes", "verify", "runs", "log",
     "health", "serve", "changes"}
)  # fmt: skip


def _handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    if args.command == "site":
        target: Any = SITE_COMMANDS[args.site_command]
    else:
        target = COMMANDS[args.command]
    if isinstance(target, str):
        module, name = target.split(":")
        target = getattr(importlib.import_module(module), name)
    return target


def run() -> NoReturn:
    """The `luutru` program: ``main``, then its exit (a crawl's: luutru/exiting.py)."""
    code = main()
    from luutru import exiting

    if exiting.wanted:
        exiting.leave(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["bench"]:
        return cmd_bench(raw[1:])
    debug = debug_requested(raw)
    args = parse(raw)  # a usage error: one line, SystemExit(2)
    debug = debug or bool(getattr(args, "debug", False))
    workspace: Workspace | None = None
    try:
        handler = _handler(args)
        if hasattr(args, "data"):
            from luutru.workspace import Workspace

            workspace = Workspace.resolve(
                args.data,
                getattr(args, "db", None),
                args.config,
                must_exist=args.command in READING,
                only_read=args.command in READING - {"serve"},
            )
            args.workspace = workspace
            own_sites = workspace.data / "sites"  # where `luutru site add` writes
            if hasattr(args, "sites") and not args.sites and own_sites.is_dir():
                args.sites = str(own_sites)
        return handler(args)
    except BrokenPipeError:
        # `luutru export | head`: the reader left; not an error worth a traceback.
        _quiet_stdout()
        return 0
    except (Exception, KeyboardInterrupt) as exc:
        return report(exc, debug)
    finally:
        if workspace is not None:
            try:
                workspace.close()
            except Exception as exc:  # closing must not hide what happened before
                report(exc, debug)


def _quiet_stdout() -> None:
    """After a broken pipe, Python's own flush of stdout at exit would complain again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
