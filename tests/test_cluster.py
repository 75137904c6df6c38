"""Crawl workers on Scrapyd and leases across machines.

The drill runs the real engine on loopback: two `luutru worker` Scrapyd nodes, one
PostgreSQL archive, `luutru schedule` dispatching four sites (two demo portals × two CMS
families); one worker is killed (SIGKILL, with its crawls) mid-run. Every article must
end up archived exactly once, the killed run "interrupted" and resumed by a later run on
the surviving node, no site crawled by two workers at once."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from archive.schema import articles, leases, runs, versions
from archive.store import Archive
from demo_portal import DemoPortal
from luutru import cluster
from luutru.config import ClusterConfig, Config, ConfigError, load_config
from luutru.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
FAMILIES = ("demo-liferay", "demo-aspnet")
FINE = ("succeeded", "unhealthy")  # ended normally (unhealthy: a health warning, not lost)


# ----------------------------------------------------------------- configuration


def _config_file(data: Path, text: str) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "luutru.toml").write_text(text, encoding="utf-8")


def test_cluster_nodes_are_read_without_trailing_slash(tmp_path: Path) -> None:
    _config_file(tmp_path, '[cluster]\nscrapyd_nodes = ["http://a:6800/", "https://b:6800"]\n')
    assert load_config(tmp_path).cluster.scrapyd_nodes == ("http://a:6800", "https://b:6800")


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ('scrapyd_nodes = "http://a:6800"', "scrapyd_nodes"),
        ('scrapyd_nodes = ["a:6800"]', "scrapyd_nodes"),
        ("poll_seconds = 0", "poll_seconds"),
        ("scheduler_lease_seconds = -1", "scheduler_lease_seconds"),
        ("nodes = []", "unknown key 'nodes'"),
    ],
)
def test_a_wrong_cluster_table_is_refused_by_name(tmp_path: Path, line: str, named: str) -> None:
    _config_file(tmp_path, f"[cluster]\n{line}\n")
    with pytest.raises(ConfigError, match=named):
        load_config(tmp_path)


# ----------------------------------------------------------------- leases across machines


@pytest.mark.usefixtures("backend")
def test_a_renewed_lease_stays_ours_until_another_holder_takes_it(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        assert archive.acquire_lease("site-a", 60) is not None
        before = archive.lease("site-a")
        assert archive.renew_lease("site-a", 600)
        assert archive.lease("site-a").expires_at > before.expires_at
        with archive._write() as conn:
            conn.execute(update(leases).values(holder="crawl-2:77", host="crawl-2", pid=77))
        assert not archive.renew_lease("site-a", 600)
        assert archive.lease("site-a").holder == "crawl-2:77"


@pytest.mark.usefixtures("backend")
def test_a_remote_run_is_interrupted_only_once_its_lease_lapses(tmp_path: Path) -> None:
    """A run on another machine cannot be checked by pid: its lease says whether it lives."""
    with Archive.open(tmp_path) as archive:
        run = archive.start_run("site-a", trigger="schedule")
        with archive._write() as conn:
            conn.execute(update(runs).values(host="crawl-2", pid=77))
            conn.execute(
                leases.insert().values(
                    site="site-a",
                    holder="crawl-2:77",
                    host="crawl-2",
                    pid=77,
                    acquired_at="2026-01-01T00:00:00+07:00",
                    expires_at="2999-01-01T00:00:00+07:00",
                )
            )
        assert archive.interrupt_stale_runs("site-a") == []
        with archive._write() as conn:
            conn.execute(update(leases).values(expires_at="2026-01-01T00:01:00+07:00"))
        assert archive.interrupt_stale_runs("site-a") == [run]
        assert archive.run(run)["status"] == "interrupted"


@pytest.mark.usefixtures("backend")
def test_a_remote_run_whose_site_was_taken_over_is_interrupted(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        run = archive.start_run("site-a", trigger="schedule")
        with archive._write() as conn:
            conn.execute(update(runs).values(host="crawl-2", pid=77))
        assert archive.acquire_lease("site-a", 60) is not None  # this process holds it now
        assert archive.interrupt_stale_runs("site-a") == [run]


# ----------------------------------------------------------------- dispatch without nodes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_answering_node_is_a_failed_dispatch(tmp_path: Path, caplog: Any) -> None:
    nodes = tuple(f"http://127.0.0.1:{_free_port()}" for _ in range(2))  # nothing listens
    config = Config(cluster=ClusterConfig(scrapyd_nodes=nodes, poll_seconds=0.1))
    workspace = Workspace(tmp_path, _config=config)
    code = cluster.run_on_worker("demo-aspnet", workspace, threading.Event(), 60)
    workspace.close()
    assert code == cluster.EXIT_FAILED
    assert "no Scrapyd node took the crawl" in caplog.text


def test_a_node_that_never_answers_counts_as_down(monkeypatch: Any) -> None:
    """A node that accepts connections and then says nothing must not hang the scheduler."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    monkeypatch.setattr(cluster, "HTTP_TIMEOUT", 0.5)
    node = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        started = time.monotonic()
        assert cluster.node_load(node, Config()) is None
        assert time.monotonic() - started < 5
    finally:
        listener.close()


# ----------------------------------------------------------------- the two-worker drill


def _write_sites(folder: Path, portals: list[DemoPortal]) -> list[str]:
    """Both demo profiles for each portal, as sites demo-liferay-1, demo-aspnet-1, …"""
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for n, portal in enumerate(portals, 1):
        for family in FAMILIES:
            text = (REPO / "crawler" / "sites" / f"{family}.toml").read_text("utf-8")
            text = text.replace("http://127.0.0.1:8765", portal.base_url)
            text = text.replace(f'id = "{family}"', f'id = "{family}-{n}"')
            (folder / f"{family}-{n}.toml").write_text(text + "\n[health]\ncanary_hours = 0\n")
            ids.append(f"{family}-{n}")
    return ids


def _start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        # Own process group: killing the worker's group kills its running crawls too, as
        # a machine dying would.
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _answers(node: str) -> bool:
    return cluster.node_load(node, Config()) is not None


def _running_jobs(node: str, *states: str) -> list[dict[str, Any]]:
    states = states or ("running",)
    try:
        jobs = cluster.Scrapyd(node).jobs("luutru")
    except Exception:
        return []
    return [job for state in states for job in jobs.get(state, [])]


def _runs(db: str) -> list[dict[str, Any]]:
    with Archive.open(None, url=db) as archive:
        return archive.runs()


@pytest.mark.slow
def test_two_workers_one_killed_mid_run_every_article_archived_once(
    tmp_path: Path, pg_url: str
) -> None:
    data, sites_dir = tmp_path / "data", tmp_path / "sites"
    ports = [_free_port(), _free_port()]
    nodes = [f"http://127.0.0.1:{p}" for p in ports]
    _config_file(
        data,
        "[cluster]\n"
        f"scrapyd_nodes = {json.dumps(nodes)}\n"
        "poll_seconds = 0.3\nscheduler_lease_seconds = 3\n"
        "[schedule]\nshutdown_grace_seconds = 5\n",
    )
    env = {**os.environ, "PYTHONUTF8": "1", "LUUTRU_DB": pg_url}
    procs: list[subprocess.Popen[bytes]] = []
    with (
        DemoPortal(articles=60, port=0, delay=0.03, seed=1) as one,
        DemoPortal(articles=60, port=0, delay=0.03, seed=2) as two,
    ):
        site_ids = _write_sites(sites_dir, [one, two])
        common = ["--data", str(data), "--db", pg_url, "--sites", str(sites_dir)]
        try:
            for port, name in zip(ports, ("w1", "w2"), strict=True):
                worker = [sys.executable, "-m", "luutru", "worker", "--port", str(port)]
                worker += ["--max-proc", "2", "--poll", "0.3", *common]
                procs.append(_start(worker, tmp_path / f"{name}.log", env))
            for node in nodes:
                _wait(lambda node=node: _answers(node), 60, f"{node} to answer")
            schedule = [sys.executable, "-m", "luutru", "schedule", "--every", "2", *common]
            schedule += [arg for site in site_ids for arg in ("--site", site)]  # no real site
            procs.append(_start(schedule, tmp_path / "scheduler.log", env))

            # Kill worker 1 (and its crawls) while one of its crawls is well under way.
            def busy_job() -> str | None:
                for job in _running_jobs(nodes[0]):
                    site = job["id"].rsplit("-", 2)[0]  # job ids are SITE-STAMP-RANDOM
                    newest = [r for r in _runs(pg_url) if r["site"] == site][:1]
                    if newest and newest[0]["status"] == "running":
                        return site
                return None

            killed_site = _wait(busy_job, 120, "a running crawl on worker 1")
            time.sleep(1.5)  # some articles archived, most not
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait()
            killed_at = time.monotonic()

            def all_done_after_kill() -> bool:
                latest: dict[str, dict[str, Any]] = {}
                for run in reversed(_runs(pg_url)):  # oldest first
                    latest[run["site"]] = run
                assert set(latest) <= set(site_ids), latest
                return len(latest) == len(site_ids) and all(
                    r["status"] in FINE for r in latest.values()
                ) and any(r["status"] == "interrupted" for r in _runs(pg_url))  # fmt: skip

            _wait(all_done_after_kill, 240, "every site crawled to the end after the kill")
            assert time.monotonic() - killed_at < 240
            # Stop dispatching, let the surviving worker finish what it runs, then stop it.
            procs[2].send_signal(signal.SIGTERM)
            procs[2].wait(timeout=60)

            # A job dispatched just before the scheduler stopped may still wait in the
            # survivor's queue, with no run yet: wait for its queue to empty too.
            def none_running() -> bool:
                if _running_jobs(nodes[1], "pending", "running"):
                    return False
                return all(r["status"] != "running" for r in _runs(pg_url))

            _wait(none_running, 120, "the surviving worker's crawls to finish")
        finally:
            for proc in procs[1:][::-1]:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
            if procs and procs[0].poll() is None:
                os.killpg(procs[0].pid, signal.SIGKILL)
        truth: dict[str, set[str]] = {}
        for n, portal in enumerate((one, two), 1):
            for record in portal.truth():
                if record["status"] == "live":
                    truth.setdefault(f"{record['site']}-{n}", set()).add(str(record["key"]))
    logs = "\n".join(f.read_text("utf-8", "replace")[-3000:] for f in tmp_path.glob("*.log"))

    with Archive.open(None, url=pg_url) as archive, archive._read() as conn:
        counts = conn.execute(
            select(articles.c.site, articles.c.article_key, func.count(versions.c.id))
            .join(versions, versions.c.article_id == articles.c.id)
            .group_by(articles.c.site, articles.c.article_key)
        ).all()
        all_runs = archive.runs()
    # Every article of every site archived, each exactly once.
    for site in site_ids:
        keys = {key for s, key, _ in counts if s == site}
        assert keys == truth[site], (site, logs)
    assert all(n == 1 for _s, _k, n in counts), [c for c in counts if c[2] != 1]

    # Runs: nothing left running, the killed one interrupted and resumed on the survivor.
    statuses = {r["status"] for r in all_runs}
    assert statuses <= {*FINE, "interrupted"}, ([r["status"] for r in all_runs], logs)
    interrupted = [r for r in all_runs if r["status"] == "interrupted"]
    assert interrupted and {r["site"] for r in interrupted} >= {killed_site}
    for dead in interrupted:
        later = [r for r in all_runs if r["site"] == dead["site"] and r["id"] > dead["id"]]
        resumed = min(later, key=lambda r: r["id"])
        assert resumed["stats"].get("luutru/resumes_run") == dead["id"]
        assert resumed["mode"] == "full" and resumed["status"] in FINE
    assert all(r["stats"].get("luutru/worker_job") or r["status"] == "interrupted"
               for r in all_runs)  # fmt: skip
    # No site crawled by two workers at once.
    for site in site_ids:
        mine = sorted((r["started_at"], r["finished_at"]) for r in all_runs if r["site"] == site)
        for (_, end), (start, _) in itertools.pairwise(mine):
            assert end <= start, f"{site}: runs overlap: {mine}"
    dispatched = (tmp_path / "scheduler.log").read_text("utf-8", "replace")
    assert "crawl dispatched to " + nodes[1] in dispatched  # the survivor took the work


def test_a_postgresql_archive_keeps_the_schedulers_jobs(
    tmp_path: Path, pg_url: str, monkeypatch: Any
) -> None:
    """Every scheduler of the archive (active and standby, any machine) shares the jobs,
    and the web UI's schedules page reads them from there."""
    from luutru import scheduler
    from luutru.web import schedules

    monkeypatch.setenv("LUUTRU_DB", pg_url)
    data = tmp_path / "data"
    assert schedules.scheduled_jobs(data, pg_url) is None  # no scheduler ran yet
    scheduler.prepare(str(data), None, None, only=("demo-aspnet",))
    assert not (data / scheduler.STORE_NAME).exists()
    jobs = schedules.scheduled_jobs(data, pg_url)
    assert [job.id for job in jobs] == ["demo-aspnet"]
    assert jobs[0].next_run_time.endswith("+07:00")
