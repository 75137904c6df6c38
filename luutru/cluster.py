"""Scheduled crawls on Scrapyd workers: pick a node, schedule.json, follow the job.

The unit of distribution is one site crawl. Each worker machine runs Scrapyd
(`luutru worker`), which starts `scrapy crawl portal -a site=ID` in a process of its own;
that crawl takes the site's lease, opens its run and writes to the one archive database,
exactly as `luutru crawl` does (crawler/session.py, crawler/runlease.py). The scheduler
only decides *when* and *where*: it talks to the nodes through scrapyd-client's
``ScrapydClient`` (the Scrapy project's own client for the Scrapyd API).

A worker that dies mid-run stops renewing its lease; the next dispatch of that site marks
the dead run "interrupted" (``Archive.interrupt_stale_runs``) and sends a new run to a node
that answers, which walks the site fully and so picks up what the dead run left.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrapyd_client import ScrapydClient

from luutru.config import Config
from luutru.workspace import Workspace

log = logging.getLogger("luutru.cluster")

SPIDER = "portal"
HTTP_TIMEOUT = 10.0  # seconds: a node that does not answer in this time counts as down
UNREACHABLE_POLLS = 3  # consecutive failed status polls before a running job counts as lost
EXIT_OK, EXIT_FAILED, EXIT_BUSY = 0, 1, 3  # as the crawl command's


class Scrapyd(ScrapydClient):
    """ScrapydClient with a timeout on every call: its own calls have none, and a node
    that accepts connections but never answers would hang the scheduler's job thread."""

    def _get(self, basename: str, params: Any = None) -> Any:
        import requests
        from scrapyd_client.pyclient import HEADERS, _process_response

        url = f"{self.url}/{basename}.json"
        response = requests.get(
            url, params=params or {}, headers=HEADERS, auth=self.auth, timeout=HTTP_TIMEOUT
        )
        return _process_response(response)

    def _post(self, basename: str, data: Any) -> Any:
        import requests
        from scrapyd_client.pyclient import HEADERS, _process_response

        url = f"{self.url}/{basename}.json"
        response = requests.post(
            url, data=data, headers=HEADERS, auth=self.auth, timeout=HTTP_TIMEOUT
        )
        return _process_response(response)


def _client(node: str, config: Config) -> Scrapyd:
    cluster = config.cluster
    return Scrapyd(node, cluster.scrapyd_username or None, cluster.scrapyd_password or None)


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def node_load(node: str, config: Config) -> int | None:
    """Running plus pending jobs of a node; None when it does not answer."""
    try:
        status = _client(node, config).daemonstatus()
        return int(status.get("running", 0)) + int(status.get("pending", 0))
    except Exception as exc:  # refused, timed out, not Scrapyd: all mean "not this one"
        log.warning("Scrapyd node %s does not answer: %s", node, _failure(exc))
        return None


def choose_node(config: Config) -> str | None:
    """The least busy node that answers (the first listed among equals)."""
    loads = {node: node_load(node, config) for node in config.cluster.scrapyd_nodes}
    alive = [(load, i, node) for i, (node, load) in enumerate(loads.items()) if load is not None]
    return min(alive)[2] if alive else None


@dataclass(frozen=True)
class Dispatch:
    node: str
    job: str


def dispatch(site: str, config: Config, settings: dict[str, Any]) -> Dispatch | None:
    """Schedule one crawl of ``site`` on the least busy node; None if no node takes it."""
    node = choose_node(config)
    if node is None:
        return None
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    job = f"{site}-{stamp}-{uuid.uuid4().hex[:6]}"  # readable in Scrapyd's own pages
    args = [("site", site), ("jobid", job)]
    args += [("setting", f"{name}={value}") for name, value in settings.items()]
    try:
        given = _client(node, config).schedule(config.cluster.scrapyd_project, SPIDER, args)
    except Exception as exc:
        log.error("%s: Scrapyd node %s refused the job: %s", site, node, _failure(exc))
        return None
    return Dispatch(node, str(given))


def job_state(node: str, job: str, config: Config) -> str | None:
    """ "pending", "running", "finished", "" (the node does not know it), None (no answer)."""
    try:
        status = _client(node, config).status(job, config.cluster.scrapyd_project)
    except Exception:
        return None
    return str(status.get("currstate") or "")


def _lease_held(workspace: Workspace, site: str) -> str | None:
    """Marks runs of dead crawls interrupted; returns who holds the site, if anyone live."""
    from archive.times import normalize_iso, now_iso

    stale = workspace.archive.interrupt_stale_runs(site)
    lease = workspace.archive.lease(site)
    if stale:
        log.warning("%s: run(s) %s lost their crawl and are marked interrupted", site, stale)
    if lease is not None and normalize_iso(lease.expires_at) > now_iso():
        from archive.crawlstate import _pid_alive

        if lease.host != socket.gethostname() or _pid_alive(lease.pid):
            return f"{lease.holder} since {lease.acquired_at}"
    return None


def _run_of_job(workspace: Workspace, site: str, job: str) -> dict[str, Any] | None:
    for run in workspace.archive.runs(site, limit=20):
        if run["stats"].get("luutru/worker_job") == job:
            return run
    return None


def run_on_worker(site: str, workspace: Workspace, stopping: threading.Event, limit: float) -> int:
    """One scheduled crawl of ``site`` on a Scrapyd node, followed until it ends."""
    config = workspace.config
    holder = _lease_held(workspace, site)
    if holder:
        log.warning("%s: skipped: being crawled by %s", site, holder)
        return EXIT_BUSY
    settings = {
        "LUUTRU_TRIGGER": "schedule",
        "CLOSESPIDER_TIMEOUT": int(config.schedule.max_duration_minutes * 60),
        "LUUTRU_LOG_KEEP": config.logs.keep,
    }
    sent = dispatch(site, config, settings)
    if sent is None:
        log.error(
            "%s: no Scrapyd node took the crawl (%s)", site, ", ".join(config.cluster.scrapyd_nodes)
        )
        return EXIT_FAILED
    log.info("%s: crawl dispatched to %s as job %s", site, sent.node, sent.job)
    started, misses = time.monotonic(), 0
    while True:
        if stopping.wait(config.cluster.poll_seconds):
            log.info("%s: scheduler stopping; job %s goes on at %s", site, sent.job, sent.node)
            return EXIT_OK
        state = job_state(sent.node, sent.job, config)
        if state is None:
            misses += 1
            if misses >= UNREACHABLE_POLLS:
                log.error(
                    "%s: worker %s stopped answering during job %s: its run is marked "
                    "interrupted once its lease lapses, and the next dispatch walks the site "
                    "again", site, sent.node, sent.job,
                )  # fmt: skip
                return EXIT_FAILED
            continue
        misses = 0
        if state in ("finished", ""):
            break
        if time.monotonic() - started > limit:
            log.error(
                "%s: job %s still %s after %.0f s: cancelling it", site, sent.job, state, limit
            )
            try:
                _client(sent.node, config).cancel(config.cluster.scrapyd_project, sent.job)
            except Exception as exc:
                log.error("%s: cancel failed: %s", site, _failure(exc))
            return EXIT_FAILED
    return _report(site, workspace, sent, known=state == "finished")


def _report(site: str, workspace: Workspace, sent: Dispatch, known: bool) -> int:
    from luutru.notify import notify

    config = workspace.config
    run = _run_of_job(workspace, site, sent.job)
    if run is None:
        why = "the worker found the site busy or failed before opening a run"
        if not known:
            why = "the node no longer knows the job (restarted?)"
        log.warning("%s: job %s at %s recorded no run: %s", site, sent.job, sent.node, why)
        return EXIT_FAILED if not known else EXIT_BUSY
    if run["status"] == "running":
        log.error(
            "%s: the crawl of job %s ended without closing run %s (killed?): it is marked "
            "interrupted once its lease lapses", site, sent.job, run["id"],
        )  # fmt: skip
        return EXIT_FAILED
    notify(config.notify, run)
    if run["status"] in ("succeeded", "unhealthy"):
        log.info(
            "%s: run %s %s (job %s at %s)", site, run["id"], run["status"], sent.job, sent.node
        )
        return EXIT_OK
    log.error("%s: run %s %s (job %s at %s): %s", site, run["id"], run["status"], sent.job,
              sent.node, "; ".join(run["reasons"]) or "see its log")  # fmt: skip
    return EXIT_FAILED
