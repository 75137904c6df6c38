"""`luutru schedule`: jobs synced with the profiles and kept across restarts, real crawls of
the demo portal fired by second-level triggers, no overlapping runs of a site (one
scheduler, a manual crawl), a hot standby taking over from a killed scheduler, coalesced
misfires, SIGTERM while crawling."""

from __future__ import annotations

import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from demo_portal import DemoPortal
from luutru import scheduler as sched
from luutru.triggers import cron_trigger

REPO = Path(__file__).resolve().parent.parent
DEMO_SITES = ("demo-aspnet", "demo-liferay")
ENV = {**os.environ, "PYTHONUTF8": "1"}


# ----------------------------------------------------------------- helpers


def make_sites(folder: Path, base_url: str = "http://127.0.0.1:8765") -> Path:
    """The demo profiles, moved to ``base_url``, canary re-checks off (a fresh portal)."""
    folder.mkdir(parents=True, exist_ok=True)
    for site in DEMO_SITES:
        text = (REPO / "crawler" / "sites" / f"{site}.toml").read_text(encoding="utf-8")
        text = text.replace("http://127.0.0.1:8765", base_url)
        (folder / f"{site}.toml").write_text(text + "\n[health]\ncanary_hours = 0\n", "utf-8")
    return folder


def write_config(data: Path, **schedule: float) -> None:
    data.mkdir(parents=True, exist_ok=True)
    lines = ["[schedule]", *(f"{k} = {v}" for k, v in schedule.items())]
    (data / "luutru.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def runs_in(data: Path) -> list[dict[str, Any]]:
    """The runs table read-only (the crawls write concurrently; the file may not exist yet)."""
    db = data / "archive.sqlite"
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]
    except sqlite3.Error:
        return []


def wait_for(check: Callable[[], bool], timeout: float, proc: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"scheduler exited early: {proc.returncode}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def start_scheduler(data: Path, sites: Path, *extra: str, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "luutru", "schedule", "--data", str(data)]
    command += ["--sites", str(sites), *extra]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, env=ENV, stdout=out, stderr=subprocess.STDOUT)


def stop_scheduler(proc: subprocess.Popen[bytes], timeout: float = 30) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stored_jobs(data: Path, sites: Path, **kw: Any) -> dict[str, Any]:
    _config, _plan, report, jobs = sched.prepare(str(data), str(sites), None, **kw)
    return {"report": report, "jobs": {site: next_run for site, next_run, _ in jobs}}


# ----------------------------------------------------------------- triggers and sync


def test_cron_weekdays_are_standard_cron_in_vietnam_time() -> None:
    # APScheduler 3 counts weekdays from Monday; profiles use cron's Sunday = 0.
    start = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday
    monday = cron_trigger("0 6 * * 1").get_next_fire_time(None, start)
    assert monday.weekday() == 0 and (monday.hour, monday.minute) == (6, 0)
    assert monday.utcoffset() == timedelta(hours=7)
    sunday = cron_trigger("30 5 * * 0").get_next_fire_time(None, start)
    assert sunday.weekday() == 6
    assert str(cron_trigger("0 6 * * */2")).count("sun,tue,thu,sat") == 1
    assert cron_trigger("0 6 * * *", jitter=30).jitter == 30
    with pytest.raises(ValueError):
        cron_trigger("0 6 * * 9")


def test_jobs_persist_across_restarts_and_follow_the_profiles(tmp_path: Path) -> None:
    data, sites = tmp_path / "data", make_sites(tmp_path / "sites")
    first = stored_jobs(data, sites, only=DEMO_SITES)
    assert sorted(first["report"].added) == sorted(DEMO_SITES)
    assert (data / "scheduler.sqlite").is_file()

    again = stored_jobs(data, sites, only=DEMO_SITES)  # a restart: nothing changes
    assert again["jobs"] == first["jobs"] and sorted(again["report"].kept) == list(DEMO_SITES)

    # Interval jobs too: the stored next run time survives (not "now + interval" again).
    drill = stored_jobs(tmp_path / "drill", sites, only=DEMO_SITES, every=600)
    time.sleep(1.1)
    restarted = stored_jobs(tmp_path / "drill", sites, only=DEMO_SITES, every=600)
    assert restarted["jobs"] == drill["jobs"] and restarted["report"].kept == list(DEMO_SITES)

    # A new profile is added, a changed schedule replaced, a deleted profile removed.
    extra = (sites / "demo-aspnet.toml").read_text(encoding="utf-8")
    extra = extra.replace('id = "demo-aspnet"', 'id = "demo-extra"')
    (sites / "demo-extra.toml").write_text(extra, encoding="utf-8")
    liferay = sites / "demo-liferay.toml"
    liferay.write_text(liferay.read_text("utf-8").replace('"15 6 * * *"', '"45 7 * * 1"'), "utf-8")
    wanted = ("demo-aspnet", "demo-liferay", "demo-extra")
    synced = stored_jobs(data, sites, only=wanted)
    assert synced["report"].added == ["demo-extra"]
    assert synced["report"].replaced == ["demo-liferay"]
    assert synced["report"].kept == ["demo-aspnet"]
    assert synced["jobs"]["demo-aspnet"] == first["jobs"]["demo-aspnet"]
    assert (synced["jobs"]["demo-liferay"].weekday(), synced["jobs"]["demo-liferay"].hour) == (0, 7)

    (sites / "demo-extra.toml").unlink()
    gone = stored_jobs(data, sites, only=wanted[:2])
    assert gone["report"].removed == ["demo-extra"]
    assert sorted(gone["jobs"]) == sorted(DEMO_SITES)


def test_a_broken_profile_keeps_its_job(tmp_path: Path) -> None:
    data, sites = tmp_path / "data", make_sites(tmp_path / "sites")
    (sites / "demo-extra.toml").write_text(
        (sites / "demo-aspnet.toml")
        .read_text("utf-8")
        .replace('id = "demo-aspnet"', 'id = "demo-extra"'),
        "utf-8",
    )
    wanted = (*DEMO_SITES, "demo-extra")
    before = stored_jobs(data, sites, only=wanted)["jobs"]
    broken = sites / "demo-extra.toml"
    broken.write_text(broken.read_text("utf-8") + "\nbogus_key = 1\n", "utf-8")
    after = stored_jobs(data, sites, only=wanted)
    assert after["report"].broken == ["demo-extra"]
    assert after["jobs"]["demo-extra"] == before["demo-extra"]  # untouched, still scheduled


def test_jobs_never_run_twice_at_once_in_one_scheduler(tmp_path: Path) -> None:
    data, sites = tmp_path / "data", make_sites(tmp_path / "sites")
    stored_jobs(data, sites, only=DEMO_SITES)
    config = sched.load_config(data)
    scheduler = sched._make_scheduler(sched._store_editor(), str(data), config, 2)
    scheduler.start(paused=True)
    try:
        jobs = scheduler.get_jobs()
    finally:
        scheduler.shutdown(wait=False)
    assert {(j.max_instances, j.coalesce, j.misfire_grace_time) for j in jobs} == {(1, True, 3600)}
    assert {j.func_ref for j in jobs} == {sched.JOB_FUNC}


# ----------------------------------------------------------------- real crawls


@pytest.mark.slow
def test_every_fires_real_crawls_recorded_as_scheduled_runs(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "scheduler.log"
    with DemoPortal(articles=40, port=0) as portal:
        sites = make_sites(tmp_path / "sites", portal.base_url)
        proc = start_scheduler(data, sites, "--every", "2", "--site", "demo-aspnet", log=log)
        try:
            done = lambda: sum(r["status"] == "succeeded" for r in runs_in(data)) >= 2  # noqa: E731
            wait_for(done, 60, proc)
        finally:
            code = stop_scheduler(proc)
    assert code == 0, log.read_text("utf-8")[-3000:]
    runs = runs_in(data)
    assert runs and all(r["status"] != "running" for r in runs)
    finished = [r for r in runs if r["status"] == "succeeded"]
    assert len(finished) >= 2
    for run in finished:
        assert run["trigger"] == "schedule" and run["site"] == "demo-aspnet"
        assert '"downloader/request_count"' in run["stats"]
        assert Path(run["log_path"]).read_text("utf-8").strip()
    assert "demo-aspnet: succeeded" in log.read_text("utf-8")


@pytest.mark.slow
def test_an_overlapping_run_is_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from archive.store import Archive

    data, sites = tmp_path / "data", make_sites(tmp_path / "sites")
    with Archive.open(data) as archive:  # this process "is crawling" demo-aspnet
        assert archive.acquire_lease("demo-aspnet", 600) is not None
    crawl = subprocess.run(
        sched.crawl_command("demo-aspnet", str(data), str(sites)),
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crawl.returncode == sched.EXIT_BUSY, crawl.stderr[-2000:]
    caplog.set_level("INFO", logger="luutru.scheduler")
    assert sched.run_site("demo-aspnet", str(data), str(sites)) == sched.EXIT_BUSY
    assert "skipped: already running elsewhere" in caplog.text
    assert runs_in(data) == []  # no run recorded for a refused crawl


@pytest.mark.slow
def test_missed_runs_coalesce_into_one_on_restart(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "scheduler.log"
    with DemoPortal(articles=40, port=0) as portal:
        sites = make_sites(tmp_path / "sites", portal.base_url)
        stored_jobs(data, sites, only=["demo-liferay"], every=30)
        # Downtime: the job was due 100 s ago, so 4 runs (-100, -70, -40, -10 s) were missed.
        store = sched._make_scheduler(sched._store_editor(), str(data), sched.load_config(data), 1)
        store.start(paused=True)
        store.modify_job("demo-liferay", next_run_time=datetime.now(UTC) - timedelta(seconds=100))
        store.shutdown(wait=False)
        proc = start_scheduler(data, sites, "--every", "30", "--site", "demo-liferay", log=log)
        try:
            finished = lambda: any(r["finished_at"] for r in runs_in(data))  # noqa: E731
            wait_for(finished, 60, proc)
            time.sleep(2)  # room for a second (wrong) run to start
        finally:
            code = stop_scheduler(proc)
    text = log.read_text("utf-8")
    assert code == 0, text[-3000:]
    runs = runs_in(data)
    assert len(runs) == 1 and runs[0]["status"] == "succeeded", text[-3000:]
    assert text.count("Running job") == 1
    assert "maximum number of running instances" not in text


@pytest.mark.slow
def test_sigterm_while_crawling_interrupts_the_run(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "scheduler.log"
    write_config(data, shutdown_grace_seconds=1)
    with DemoPortal(articles=150, port=0, delay=0.05) as portal:
        sites = make_sites(tmp_path / "sites", portal.base_url)
        proc = start_scheduler(data, sites, "--every", "1", "--site", "demo-aspnet", log=log)
        try:
            running = lambda: any(r["status"] == "running" for r in runs_in(data))  # noqa: E731
            wait_for(running, 60, proc)
            time.sleep(1.0)
        finally:
            started = time.monotonic()
            code = stop_scheduler(proc)
        stopped_in = time.monotonic() - started
    text = log.read_text("utf-8")
    assert code == 0, text[-3000:]
    assert stopped_in < 20
    runs = runs_in(data)
    assert [r["status"] for r in runs] == ["interrupted"], text[-3000:]
    assert not pid_alive(runs[0]["pid"])
    assert "stopping running crawls: demo-aspnet" in text


@pytest.mark.slow
def test_a_broken_profile_runs_as_a_failed_run_naming_file_and_key(tmp_path: Path) -> None:
    data, log = tmp_path / "data", tmp_path / "scheduler.log"
    sites = make_sites(tmp_path / "sites")
    broken = sites / "demo-broken.toml"
    text = (sites / "demo-aspnet.toml").read_text("utf-8")
    broken.write_text(text.replace('id = "demo-aspnet"', 'id = "demo-broken"\nbogus = 1'))
    proc = start_scheduler(data, sites, "--every", "1", "--site", "demo-broken", log=log)
    try:
        wait_for(lambda: any(r["finished_at"] for r in runs_in(data)), 60, proc)
    finally:
        code = stop_scheduler(proc)
    assert code == 0
    run = runs_in(data)[0]
    assert (run["site"], run["trigger"], run["status"]) == ("demo-broken", "schedule", "failed")
    lines = Path(run["log_path"]).read_text("utf-8").splitlines()
    assert any(str(broken) in line and "'bogus'" in line for line in lines), lines
    assert "demo-broken: crawl failed (exit 2)" in log.read_text("utf-8")


@pytest.mark.slow
def test_a_standby_scheduler_takes_over_and_sites_never_overlap(tmp_path: Path) -> None:
    """The bar drill: two `luutru schedule --every 3` on one archive. One is active, the
    other a hot standby; the active one is killed (SIGKILL) and the standby takes over
    through the database lease. Every run of a site is alone in time, with stats and log."""
    data = tmp_path / "data"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    data.mkdir(parents=True)
    (data / "luutru.toml").write_text("[cluster]\nscheduler_lease_seconds = 3\n", "utf-8")
    with DemoPortal(articles=40, port=0, delay=0.02) as portal:
        sites = make_sites(tmp_path / "sites", portal.base_url)
        only = ["--site", DEMO_SITES[0], "--site", DEMO_SITES[1]]
        procs = [start_scheduler(data, sites, "--every", "3", *only, log=log) for log in logs]
        try:
            text = lambda i: logs[i].read_text("utf-8")  # noqa: E731
            wait_for(lambda: any("standby:" in text(i) for i in (0, 1)), 60)
            standby = 0 if "standby:" in text(0) else 1
            active = 1 - standby
            wait_for(lambda: len([r for r in runs_in(data) if r["finished_at"]]) >= 3, 90)
            procs[active].kill()  # no clean shutdown: the lease is left to lapse or be found dead
            procs[active].wait()
            # Runs carry Vietnam time (+07:00): compare like with like.
            killed_at = datetime.now(ZoneInfo(sched.TIMEZONE)).isoformat(timespec="seconds")
            wait_for(lambda: "this scheduler is now active" in text(standby), 30, procs[standby])
            later = lambda: [r for r in runs_in(data) if r["started_at"] > killed_at]  # noqa: E731
            wait_for(lambda: len({r["site"] for r in later() if r["finished_at"]}) == 2, 90)
        finally:
            codes = [stop_scheduler(p, timeout=60) if p.poll() is None else 0 for p in procs]
            # The killed scheduler's last crawl (its own process) may still be finishing.
            wait_for(lambda: all(r["finished_at"] for r in runs_in(data)), 60)
    texts = [log.read_text("utf-8") for log in logs]
    assert codes[standby] == 0, texts[standby][-2000:]
    assert "standby:" not in texts[active]
    runs = runs_in(data)
    assert all(r["status"] not in ("running", "failed") for r in runs), runs
    for site in DEMO_SITES:
        mine = sorted((r["started_at"], r["finished_at"]) for r in runs if r["site"] == site)
        assert len(mine) >= 2, (site, mine)
        for (before, end), (start, _) in itertools.pairwise(mine):
            # Times have second resolution: two runs started in one second overlapped too.
            assert end <= start and before < start, f"{site}: runs overlap: {mine}"
    for run in runs:
        if run["status"] == "succeeded":
            assert re.search(r'"downloader/request_count": [1-9]', run["stats"])
        assert Path(run["log_path"]).read_text("utf-8").strip()


def test_schedule_list_prints_jobs_and_next_runs(tmp_path: Path) -> None:
    sites = make_sites(tmp_path / "sites")
    command = [sys.executable, "-m", "luutru", "schedule", "--list", "--data", str(tmp_path)]
    command += ["--sites", str(sites), "--site", "demo-aspnet", "--site", "demo-liferay"]
    out = subprocess.run(
        command,
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["demo-aspnet", "demo-liferay"]
    assert re.search(r"T06:30:00\+07:00", lines[0]) and "T06:15:00+07:00" in lines[1]


def test_a_scheduled_crawl_keeps_the_schedulers_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process group of its own (a terminal's Ctrl-C reaches only the scheduler), not a
    session: with Linux's autogroup scheduling a new session gets a full share of the CPU
    whatever the crawl's nice value, beside `luutru serve` (luutru/schedule_runs.py)."""
    seen: dict[str, Any] = {}

    class Recorded:
        pid, returncode = 4242, 0

        def __init__(self, command: list[str], **kwargs: Any) -> None:
            seen.update(kwargs, command=command)

        def wait(self, timeout: float | None = None) -> int:
            return 0

    from luutru import schedule_runs

    monkeypatch.setattr(schedule_runs.subprocess, "Popen", Recorded)
    assert sched.run_site("demo-aspnet", str(tmp_path / "data")) == 0
    assert seen["process_group"] == 0
    assert not seen.get("start_new_session")
    assert seen["command"][3:5] == ["crawl", "demo-aspnet"]
