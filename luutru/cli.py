"""The ``luutru`` command line: crawl, sites, site check, export, demo-portal, demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from luutru import checks, extract_cli, operations, reading, search_cli, site_add
from luutru.cli_parser import build_parser
from luutru.workspace import Workspace


def cmd_crawl(args: argparse.Namespace) -> int:
    from luutru.crawling import crawl_sites, parse_setting_pairs

    overrides: dict[str, Any] = parse_setting_pairs(args.settings)
    overrides["LUUTRU_PROGRESS"] = not args.quiet
    if args.full:
        overrides["LUUTRU_FULL"] = True
    return crawl_sites(
        args.site,
        args.workspace,
        args.sites,
        overrides,
        base_url=args.base_url,
        trigger=args.trigger,
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
    from archive.db import current_revision

    archive = args.workspace.archive  # opening upgrades to head
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

    warc_home = Path(args.source) if "://" not in args.source else args.workspace.data
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
    from luutru.web.app import serve_command

    return serve_command(args)


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
    **extract_cli.COMMANDS,
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

    raw = list(sys.argv[1:] if argv is None else argv)
    if raw[:1] == ["bench"]:
        return cmd_bench(raw[1:])
    args = build_parser().parse_args(argv)
    if args.command == "site":
        handler = site_add.cmd_site_add if args.site_command == "add" else checks.cmd_site_check
    else:
        handler = COMMANDS[args.command]
    workspace: Workspace | None = None
    try:
        if hasattr(args, "data"):
            workspace = Workspace.resolve(args.data, getattr(args, "db", None), args.config)
            args.workspace = workspace
            own_sites = workspace.data / "sites"  # where `luutru site add` writes
            if hasattr(args, "sites") and not args.sites and own_sites.is_dir():
                args.sites = str(own_sites)
        return handler(args)
    except BrokenPipeError:
        # `luutru export | head`: the reader left; not an error worth a traceback.
        sys.stderr.close()
        return 0
    except (ProfileError, KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
        print(f"luutru: error: {message}", file=sys.stderr)
        return 2
    finally:
        if workspace is not None:
            workspace.close()


if __name__ == "__main__":
    sys.exit(main())
