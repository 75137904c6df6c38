"""`luutru worker`: this machine becomes a crawl worker, a Scrapyd node running luutru.

The node's configuration is one ``scrapy.cfg`` in its folder, read by both programs:
Scrapyd takes its ``[scrapyd]`` section, and Scrapy (started by Scrapyd for each crawl,
and to list spiders) finds the project in ``[settings] luutru = crawler.settings``. The
luutru installed next to Scrapyd is the project; no egg is deployed, so a worker runs
exactly the version installed on it. Each node keeps its own
Scrapyd files (job queue, Scrapy's per-job logs) under ``<data>/workers/<host>-<port>/``;
the archive is the database (``--db``, normally the cluster's PostgreSQL) and WARC files
and run logs go under ``--data``, as with `luutru crawl`.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from luutru.workspace import Workspace

PROJECT = "luutru"

CONF = """\
# Written by `luutru worker` at every start: edit the command line, not this file.
[scrapyd]
bind_address = {bind}
http_port = {port}
max_proc = {max_proc}
poll_interval = {poll}
eggs_dir = {dir}/eggs
logs_dir = {dir}/logs
dbs_dir = {dir}/dbs
# No JOBDIR and no item feed: the crawl archives its own items, and a killed crawl's
# JOBDIR is not trusted anyway (luutru/crawling.py).
jobs_dir =
items_dir =
jobs_to_keep = 20
finished_to_keep = 200
{auth}
[settings]
{project} = crawler.settings
"""


def worker_dir(data: str | Path, port: int) -> Path:
    return Path(data).resolve() / "workers" / f"{socket.gethostname()}-{port}"


def write_conf(
    directory: Path, *, bind: str, port: int, max_proc: int, poll: float,
    username: str = "", password: str = "",
) -> Path:  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    auth = f"username = {username}\npassword = {password}\n" if username else ""
    path = directory / "scrapy.cfg"
    text = CONF.format(
        bind=bind, port=port, max_proc=max_proc, poll=poll, dir=directory, auth=auth,
        project=PROJECT,
    )  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def worker_environment(
    data: str, db: str | None, sites: str | None, config: str | None
) -> dict[str, str]:
    """What every crawl of this worker inherits (Scrapyd passes its environment on)."""
    env = dict(os.environ)
    env["LUUTRU_DATA"] = str(Path(data).resolve())
    for name, value in (("LUUTRU_DB", db), ("LUUTRU_SITES", sites), ("LUUTRU_CONFIG", config)):
        if value:
            env[name] = str(Path(value).resolve()) if name != "LUUTRU_DB" else value
        else:
            env.pop(name, None)
    return env


def worker_command(
    workspace: Workspace, sites: str | None, *,
    bind: str, port: int, max_proc: int, poll: float,
) -> int:  # fmt: skip
    """Write the node's scrapy.cfg and become Scrapyd (exec: signals reach it directly)."""
    data, db, config = str(workspace.data), workspace.db, workspace.config_path
    cluster = workspace.config.cluster
    directory = worker_dir(data, port)
    write_conf(
        directory, bind=bind, port=port, max_proc=max_proc, poll=poll,
        username=cluster.scrapyd_username, password=cluster.scrapyd_password,
    )  # fmt: skip
    env = worker_environment(data, db, sites, config)
    os.chdir(directory)  # both read ./scrapy.cfg
    print(f"luutru worker: Scrapyd on http://{bind}:{port}/ (files in {directory})", flush=True)
    # --pidfile= : a node killed with SIGKILL must start again without a stale twistd.pid.
    argv = [sys.executable, "-m", "scrapyd", "--pidfile="]
    os.execve(sys.executable, argv, env)
    return 0  # not reached
