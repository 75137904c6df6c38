"""`luutru serve`: uvicorn with one process per CPU, each with its own read-only
connections and caches.

Why processes: a request's work (search, snippets, templates) is Python, and one process
runs Python on one core at a time (the GIL); threads only let SQLite's own work overlap.
uvicorn's ``workers`` starts N processes sharing the listening socket; each builds its app
with ``worker_app`` (imported by name, as a factory) from the settings the parent leaves in
env ``LUUTRU_SERVE`` (JSON: data, sites, config, db; the operator token is not passed,
each worker reads it from the configuration as the parent did).

Readers never write: SQLite ``mode=ro`` connections (``archive.readers.reader_engine``), or
read-only sessions on PostgreSQL, READER_THREADS of them per process, as many as the
threads the route functions run in. The parent keeps the archive it opened to check it
(exists, current schema) open while the server runs: that connection keeps the SQLite file
in WAL mode, so readers and a crawl's writer never wait for each other (archive/db.py:
``settle`` leaves WAL only when the last connection closes).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from archive.store import Archive

ENV = "LUUTRU_SERVE"
READER_THREADS = 8  # route threads and reader connections per process


def worker_count(requested: int | None, configured: int) -> int:
    """``--workers``, else ``[server] workers``, else one per CPU."""
    return requested or configured or os.cpu_count() or 1


def open_reader(data: str | Path, db: str | None, pool_size: int = READER_THREADS) -> Archive:
    """The archive for reading only, beside whatever writes it (see the module doc)."""
    from sqlalchemy.engine import make_url

    from archive.readers import reader_engine, server_reader_engine

    path: Path | None = None
    if db is None:
        path = Path(data) / "archive.sqlite"
    else:
        url = make_url(db)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
    if path is not None:
        return Archive(reader_engine(path, pool_size=pool_size), path=path, read_only=True)
    return Archive(server_reader_engine(str(db), pool_size=pool_size), read_only=True)


def worker_app() -> FastAPI:
    """One worker's app (uvicorn calls this in each process)."""
    from luutru.config import load_config
    from luutru.web.app import create_app
    from luutru.web.settings import WebSettings

    passed = json.loads(os.environ[ENV])
    config = load_config(passed["data"], passed["config"])
    settings = WebSettings(
        data=passed["data"],
        sites=passed["sites"],
        config=passed["config"],
        operator_token=config.server.operator_token,
        db=passed["db"],
        threads=READER_THREADS,
    )
    archive = open_reader(settings.data, settings.db)
    app = create_app(settings, archive=archive, close_archive=True)
    warm(archive)
    return app


def warm(archive: Archive) -> None:
    """What a fresh worker's first requests paid for (~0.4 s: the search modules' imports,
    compiling every template, a first read), paid before it accepts a connection, so the
    first 30 readers do not queue behind it. Templates are compiled once and kept: Jinja's
    auto_reload looked at each file's mtime on every render."""
    from luutru.web import pages
    from luutru.web.service import SearchParams, run_search

    env = pages.templates.env
    env.auto_reload = False
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)
    # imports archive.search and reads; whatever fails here fails again, and is answered,
    # on the request that needs it: a worker must not die of its warm-up
    with contextlib.suppress(Exception):
        run_search(archive, SearchParams(q="", limit=1))


def serve(args: Any) -> int:
    """Run uvicorn in the foreground until Ctrl-C / SIGTERM."""
    import uvicorn

    workspace = args.workspace
    config = workspace.config
    workers = worker_count(getattr(args, "workers", None), config.server.workers)
    if not config.server.operator_token:
        print("luutru serve: read-only (no [server] operator_token configured)", file=sys.stderr)
    # Checked, and kept open (WAL) while the server runs; the command line closes it.
    workspace.archive.engine.connect().close()
    os.environ[ENV] = json.dumps(
        {
            "data": str(workspace.data),
            "sites": args.sites,
            "config": workspace.config_path,
            "db": workspace.db,
        }
    )
    print(f"luutru serve: {workers} worker process(es)", file=sys.stderr)
    uvicorn.run(
        "luutru.web.server:worker_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        log_level="info",
        access_log=bool(getattr(args, "access_log", None) or config.server.access_log),
    )
    return 0
