"""What a failed command says: one line on stderr and an exit status, never a traceback
(unless ``--debug`` or env ``LUUTRU_DEBUG=1`` asks for it).

Exit statuses: 0 done; 1 the work failed (a crawl that reached nothing, a database that
does not answer, a problem found by ``verify``) or luutru itself failed (a bug: "internal
error"); 2 the command cannot be done as asked (a bad option or date, a missing archive, a
broken profile or configuration: the user can fix it); 3 a site is being crawled already;
130 interrupted (Ctrl-C).

Imports nothing heavy: every command's start-up goes through here.
"""

from __future__ import annotations

import errno
import os
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DEBUG_HINT = "run with --debug for the traceback"


class UsageError(ValueError):
    """The command cannot be done as asked; the message says why (exit 2)."""


class CommandFailed(Exception):
    """The work was attempted and failed; the message says why (exit 1)."""


def debug_requested(argv: list[str]) -> bool:
    """``--debug`` before any ``--``, or env ``LUUTRU_DEBUG`` set to a true value."""
    if os.environ.get("LUUTRU_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    head = argv[: argv.index("--")] if "--" in argv else argv
    return "--debug" in head


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _module(exc: BaseException) -> str:
    return type(exc).__module__ or ""


def _database_message(exc: BaseException) -> str:
    """SQLAlchemy wraps the driver's error with the SQL and a link: keep the driver's words."""
    orig = getattr(exc, "orig", None)
    return _first_line(str(orig) if orig is not None else str(exc)) or type(exc).__name__


def describe(exc: BaseException) -> tuple[str, int]:
    """(one-line message, exit status) for an exception that reached the command line."""
    name = type(exc).__name__
    module = _module(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(exc, CommandFailed):
        return str(exc), EXIT_FAILED
    if isinstance(exc, KeyError):  # lookups: "no article 'x'", "no run 7"
        return str(exc.args[0]) if exc.args else "not found", EXIT_USAGE
    if module.startswith("sqlalchemy"):
        message = _database_message(exc)
        if name in ("ArgumentError", "NoSuchModuleError"):  # a malformed --db URL
            return f"bad database URL: {message}", EXIT_USAGE
        if "file is not a database" in message:
            return f"the archive file is not an SQLite database ({message})", EXIT_USAGE
        if name in ("OperationalError", "InterfaceError"):
            return f"the archive database cannot be used: {message}", EXIT_FAILED
        return f"archive database error: {message} ({DEBUG_HINT})", EXIT_FAILED
    if module.startswith("sqlite3") and "not a database" in str(exc):
        return f"the archive file is not an SQLite database ({exc})", EXIT_USAGE
    if module.startswith("alembic"):  # "Can't locate revision": a newer luutru wrote it
        return f"the archive's schema cannot be used: {_first_line(str(exc))}", EXIT_USAGE
    if isinstance(exc, ModuleNotFoundError):
        missing = exc.name or str(exc)
        hint = " (pip install 'luutru[postgres]')" if "psycopg" in missing else ""
        return f"a package luutru needs is not installed: {missing}{hint}", EXIT_FAILED
    if isinstance(exc, ValueError):  # UsageError, ProfileError, ConfigError, bad values
        return _first_line(str(exc)) or name, EXIT_USAGE
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        why = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            return f"{where}{why}", EXIT_FAILED
        if exc.filename:  # a path the user gave: -o FILE, --data, --config
            return f"{where}{why}", EXIT_USAGE
        return f"{why} ({DEBUG_HINT})", EXIT_FAILED
    text = _first_line(str(exc))
    return f"internal error: {name}{': ' + text if text else ''} ({DEBUG_HINT})", EXIT_FAILED


def report(exc: BaseException, debug: bool, prefix: str = "luutru") -> int:
    """Print ``exc`` as one line (with its traceback first under ``debug``); the exit status."""
    message, code = describe(exc)
    if isinstance(exc, KeyboardInterrupt):
        print(f"\n{prefix}: interrupted", file=sys.stderr)
        return code
    if debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
        message = message.replace(f" ({DEBUG_HINT})", "")
    print(f"{prefix}: error: {message}", file=sys.stderr)
    return code
