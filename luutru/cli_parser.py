"""The ``luutru`` argument parser: every command, its options and their help.

Kept apart from the commands (luutru/cli.py and the modules it names) so that reading
the interface does not mean reading the implementations.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from luutru.dates import FORMS, date_arg, moment_arg

DEFAULT_DATA = "luutru-data"


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (``luutru search: error: …; see luutru
    search --help``) and exit status 2, instead of the usage block and then the error."""

    def error(self, message: str) -> NoReturn:
        if "invalid choice" in message and self._subparsers is not None:
            guess = _did_you_mean(self, message)
            if guess:  # the guess, not the list of every command
                message = message.split(" (choose from", 1)[0] + guess
        unknown = message.startswith("unrecognized arguments: ")
        if unknown and self.prog.endswith(" search"):
            words = message.removeprefix("unrecognized arguments: ")
            message += f" (a query starting with '-' goes after --: luutru search -- {words})"
        elif unknown and self.prog == "luutru":
            message += " (a command's options go after it: luutru COMMAND --help lists them)"
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    import difflib  # only for a mistyped command

    word = message.split("invalid choice: ", 1)[-1].split(" ", 1)[0].strip("'\"")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            close = difflib.get_close_matches(word, list(action.choices), n=1)
            if close:
                return f" (did you mean {close[0]}?)"
    return ""


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


def _debug(parser: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    # SUPPRESS below the top level: a subcommand's default must not undo `luutru --debug X`.
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show the traceback of an error (env LUUTRU_DEBUG=1)",
    )


def build_parser() -> argparse.ArgumentParser:
    from luutru import changes_cli, extract_cli, operations, search_cli, site_add  # commands

    parser = Parser(
        prog="luutru",
        description="Scheduled scraper and versioned archive of Vietnamese portals",
        epilog=f"Dates (--from, --to, --since, --as-of): {FORMS}. Exit status: 0 done, "
        "1 failed (or a site needs attention), 2 usage error, 3 site busy, 130 interrupted.",
    )
    _debug(parser, default=False)
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
    crawl.add_argument(
        "--processes",
        type=int,
        default=0,
        metavar="N",
        help="crawl several sites in N processes (default 0: one per site, up to the cores)",
    )
    crawl.add_argument("--quiet", action="store_true", help="no progress line")
    crawl.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="Scrapy's log on screen too (it always goes to the run's log file)",
    )
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
    site_add.add_parsers(site_sub, _common)

    export = sub.add_parser("export", help="export the archive")
    export.add_argument(
        "--format", choices=["jsonl", "csv", "parquet", "warc", "wacz", "cdxj"], default="jsonl"
    )
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.add_argument("--site", help="only this site")
    export.add_argument(
        "--since",
        type=date_arg,
        metavar="DATE",
        help=f"only articles/versions seen since DATE ({FORMS})",
    )
    export.add_argument("--all-versions", action="store_true", help="one row per version")
    export.add_argument(
        "--signing-key",
        default=os.environ.get("LUUTRU_WACZ_KEY"),
        metavar="PEM",
        help="wacz: sign with this ECDSA P-384 key (env LUUTRU_WACZ_KEY; default: the "
        "configuration's [export] wacz_signing_key, else unsigned)",
    )
    _common(export)

    history = sub.add_parser("history", help="versions and captures of one article")
    history.add_argument("article", help="site:key, a URL it was seen under, or its number")
    history.add_argument("--format", choices=["text", "json"], default="text")
    _common(history)

    show = sub.add_parser("show", help="one version of an article")
    show.add_argument("article")
    which = show.add_mutually_exclusive_group()
    which.add_argument("--version", type=int, help="version number (default: current)")
    which.add_argument(
        "--as-of",
        type=moment_arg,
        metavar="DATE",
        help="the version current at DATE (its start) or at an ISO 8601 date and time",
    )
    show.add_argument("--format", choices=["text", "json"], default="text")
    _common(show)

    diff = sub.add_parser("diff", help="word-level diff of two versions")
    diff.add_argument("article")
    diff.add_argument("a", type=int)
    diff.add_argument("b", type=int)
    diff.add_argument("--format", choices=["text", "json"], default="text")
    diff.add_argument("--color", action="store_true")
    diff.add_argument("--no-color", action="store_true")
    diff.add_argument(
        "--side-by-side",
        action="store_true",
        help="the two versions in two columns, as wide as the terminal (COLUMNS)",
    )
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
    changes_cli.add_parsers(sub, _common)
    extract_cli.add_parsers(sub, _common)

    portal = sub.add_parser("demo-portal", help="serve the bundled demo portal on 127.0.0.1")
    portal.add_argument("--articles", type=int, default=300)
    portal.add_argument("--epoch", type=int, default=0)
    portal.add_argument("--port", type=int, default=8765)
    portal.add_argument("--host", default="127.0.0.1")
    portal.add_argument("--delay", type=float, default=0.0)
    portal.add_argument("--seed", type=int, default=1)
    portal.add_argument("--layout", type=int, default=1, help="2: renamed author/date classes")
    portal.add_argument(
        "--padding-kb", type=int, default=0, help="KB of script furniture on every HTML page"
    )
    _common(portal)  # accepted for uniformity; the portal keeps no archive

    demo = sub.add_parser("demo", help="serve the demo portal, crawl it offline, show the result")
    demo.add_argument("--articles", type=int, default=300)
    _common(demo)

    schedule = sub.add_parser(
        "schedule", help="run every site's crawl on its cron schedule (foreground)"
    )
    schedule.add_argument(
        "--list",
        action="store_true",
        help="print each site's job and next run time, change nothing, exit",
    )
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
    serve.add_argument(
        "--workers",
        type=workers_arg,
        default=None,
        help="server processes (default: [server] workers, else one per CPU)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        default=None,
        help="print a line per request (default: [server] access_log, else off)",
    )
    _common(serve)

    # Dev tool: every argument goes to `python -m bench` (main() hands them over unparsed).
    sub.add_parser("bench", help="run the benchmarks (repo checkout only; luutru bench --help)")
    _debug_everywhere(parser)
    return parser


def workers_arg(value: str) -> int:
    """`serve --workers N`: a whole number from 1 up."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {value!r}")
    return number


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.extend(dict.fromkeys(action.choices.values()))  # aliases: once
    return found


def _debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """``--debug`` is taken before or after the command (``luutru crawl X --debug``)."""
    for child in _subparsers(parser):
        if "--debug" not in child._option_string_actions:
            _debug(child)
        _debug_everywhere(child)


def _command_index(argv: Sequence[str], parser: argparse.ArgumentParser) -> int | None:
    """Where the command word is: after the top-level options (``luutru --debug search``)."""
    for i, token in enumerate(argv):
        if token == "--":
            return None
        if not token.startswith("-"):
            return i
        if token not in parser._option_string_actions:
            return None
    return None


def _option_action(token: str, parser: argparse.ArgumentParser) -> argparse.Action | None:
    """The option ``token`` names (``--lim`` for ``--limit``, as argparse abbreviates)."""
    name = token.split("=", 1)[0]
    actions = parser._option_string_actions
    if name in actions:
        return actions[name]
    if name.startswith("--") and parser.allow_abbrev:
        matches = {actions[o] for o in actions if o.startswith(name)}
        if len(matches) == 1:
            return matches.pop()
    return None


def search_argv(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """`luutru search` takes a query that may start with '-' (a NOT term: ``-lao``), and
    may be several words: its words are gathered wherever they are and passed after
    ``--``. A word starting with '-' that is no option of `search` is a query word; an
    unknown ``--word`` is left to argparse (most likely a mistyped option), whose error
    then says to put the query after ``--``."""
    argv = list(argv)
    at = _command_index(argv, parser)
    if at is None or argv[at] != "search":
        return argv
    search = next(p for p in _subparsers(parser) if p.prog.endswith(" search"))
    head, rest = argv[: at + 1], argv[at + 1 :]
    options: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        if token == "--":
            words.extend(rest[i + 1 :])
            break
        action = _option_action(token, search) if token.startswith("-") else None
        if action is not None:
            options.append(token)
            takes_value = action.nargs != 0 and "=" not in token
            if takes_value and i + 1 < len(rest):
                options.append(rest[i + 1])
                i += 1
        elif token.startswith("--") and len(token) > 2:
            options.append(token)  # not an option of search: argparse says so
        else:
            words.append(token)
        i += 1
    query = [" ".join(words)] if words else []
    return head + options + (["--", *query] if query else [])


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line as a namespace (argparse's one-line errors exit 2)."""
    parser = build_parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(search_argv(raw, parser))
    if extra:  # said by the command's own parser, which knows its options
        _deepest(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _deepest(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the (sub)command ``args`` came from: `luutru site check`'s for it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None)
            if chosen in action.choices:
                return _deepest(action.choices[chosen], args)
    return parser
