"""Operations: health checks, layout-change alarms, leases, failed runs, logs, notifications."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.store import Archive
from crawler.health import assess
from crawler.profile_model import HealthRules
from demo_portal import DemoPortal
from luutru.config import ConfigError, NotifyConfig, load_config
from luutru.notify import notify

RULES = HealthRules()


def stats(records: int = 20, author: int = 20, **extra: float) -> dict:
    base = {
        "downloader/request_count": 100,
        "luutru/listing_links": 40,
        "luutru/records": records,
        "luutru/field/title": records,
        "luutru/field/date": records,
        "luutru/field/author": author,
        "luutru/field/body": records,
        "elapsed_time_seconds": 30,
    }
    return {**base, **extra}


# -- assess ------------------------------------------------------------------------------


def test_healthy_run_has_no_reasons() -> None:
    assert assess(stats(), [stats(), stats()], RULES) == []


def test_author_coverage_drop_is_a_layout_alarm() -> None:
    reasons = assess(stats(author=2), [stats(), stats(), stats()], RULES)
    assert reasons == ["author found in 2/20 articles, usually 20/20: has the layout changed?"]


def test_a_site_that_never_had_authors_is_not_alarmed() -> None:
    assert assess(stats(author=0), [stats(author=0)] * 3, RULES) == []


def test_listing_without_links_is_alarmed() -> None:
    reasons = assess(stats(records=0, **{"luutru/listing_links": 0}), [stats()] * 3, RULES)
    assert reasons and "no article link found on the listings" in reasons[0]


def test_error_ratio_needs_no_history() -> None:
    reasons = assess(stats(**{"retry/count": 30}), [], RULES)
    assert reasons and "30 retries/errors for 100 requests" in reasons[0]


def test_one_error_below_the_ratio_still_makes_the_run_unclean() -> None:
    # A listing page given up after its retries: 1 error in 100 requests, under the
    # ratio, and yet something was lost.
    reasons = assess(stats(**{"log_count/ERROR": 1, "retry/count": 3}), [stats()] * 3, RULES)
    assert reasons == ["1 error(s) in the run's log: `luutru log RUN --level ERROR`"]


def test_retries_that_worked_are_not_errors() -> None:
    assert assess(stats(**{"retry/count": 3}), [stats()] * 3, RULES) == []


def test_slow_run() -> None:
    reasons = assess(stats(elapsed_time_seconds=400), [stats()] * 3, RULES)
    assert reasons == ["run took 400 s, usually 30 s: is the portal slow?"]


def test_short_runs_are_never_called_slow() -> None:
    assert assess(stats(elapsed_time_seconds=50), [stats(elapsed_time_seconds=2)] * 3, RULES) == []


def test_selectors_matching_nothing_is_a_layout_change_even_on_the_first_run() -> None:
    run = stats(**{
        "luutru/profile_pages/title": 20, "luutru/profile_miss/title": 20,
        "luutru/profile_pages/body": 20, "luutru/profile_miss/body": 19,
        "luutru/profile_pages/date": 20,
    })  # fmt: skip
    reasons = assess(run, [], RULES)
    assert reasons == [
        "layout changed: title/body selectors matched 0 of 20 pages; archived with generic "
        "extraction"
    ]


def test_a_few_pages_without_a_match_are_not_a_layout_change() -> None:
    run = stats(**{"luutru/profile_pages/date": 20, "luutru/profile_miss/date": 3})
    assert assess(run, [stats()] * 3, RULES) == []


def layout(**counts: int) -> dict:
    return {f"luutru/layout/body/{sig.replace('_', '.')}": n for sig, n in counts.items()}


def test_text_moving_to_a_box_never_seen_before_is_a_layout_change() -> None:
    before = [stats(**layout(div_entry_content=20))] * 3
    reasons = assess(stats(**layout(div_post_content=3)), before, RULES)
    assert reasons == [
        "layout changed: the article text is now in div.post.content, usually in "
        "div.entry.content (3 of 3 pages); archived with generic extraction"
    ]


def test_a_second_layout_the_site_always_had_is_no_alarm() -> None:
    """Video pages and text pages, say: both boxes are the site's own."""
    before = [stats(**layout(div_entry_content=16, div_video_box=4))] * 3
    assert assess(stats(**layout(div_video_box=1)), before, RULES) == []
    assert assess(stats(**layout(div_entry_content=5, div_new_box=1)), before, RULES) == []


def test_a_jump_in_soft_404s_is_alarmed() -> None:
    reasons = assess(stats(records=10, **{"luutru/soft_404": 12}), [stats()] * 3, RULES)
    assert reasons == [
        "12 of 22 article pages were 'not found' or held no article, usually 0: "
        "has the site changed?"
    ]


def test_usual_soft_404s_are_not_alarmed() -> None:
    usual = [stats(**{"luutru/soft_404": 5})] * 3
    assert assess(stats(**{"luutru/soft_404": 6}), usual, RULES) == []


# -- config and notifications --------------------------------------------------------------


def test_config_defaults_and_unknown_key(tmp_path: Path) -> None:
    assert load_config(tmp_path).schedule.max_duration_minutes == 360
    (tmp_path / "luutru.toml").write_text("[notify]\nwebhok_url = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'webhok_url'"):
        load_config(tmp_path)


def test_webhook_receives_unhealthy_run() -> None:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        run = {"id": 7, "site": "demo-aspnet", "status": "unhealthy", "reasons": ["author …"]}
        assert notify(NotifyConfig(webhook_url=url), run) == ["webhook"]
        assert notify(NotifyConfig(webhook_url=url), {**run, "status": "succeeded"}) == []
    finally:
        server.shutdown()
    assert received[0]["run"] == 7 and received[0]["reasons"] == ["author …"]
    assert "unhealthy" in received[0]["text"]


def test_dead_webhook_is_logged_not_raised() -> None:
    run = {"id": 1, "site": "s", "status": "failed", "reasons": []}
    assert notify(NotifyConfig(webhook_url="http://127.0.0.1:9/none"), run) == []


# -- end to end ------------------------------------------------------------------------------


def luutru(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    command = [sys.executable, "-m", "luutru", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


def demo_sites(tmp_path: Path, base_url: str) -> Path:
    """The demo profiles pointed at ``base_url``, with a canary on every run."""
    sites = tmp_path / "sites"
    sites.mkdir()
    for name in ("demo-aspnet", "demo-liferay"):
        text = (Path("crawler/sites") / f"{name}.toml").read_text(encoding="utf-8")
        text = text.replace("http://127.0.0.1:8765", base_url)
        (sites / f"{name}.toml").write_text(text + "\n[health]\ncanary_hours = 0\n", "utf-8")
    return sites


@pytest.mark.slow
def test_layout_change_makes_the_next_run_unhealthy(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    with DemoPortal(articles=40, port=0) as portal:
        sites = str(demo_sites(tmp_path, portal.base_url))
        first = luutru("crawl", "demo-aspnet", "--data", data, "--sites", sites)
        assert first.returncode == 0, first.stderr[-2000:]
        second = luutru("crawl", "demo-aspnet", "--data", data, "--sites", sites)
        assert "UNHEALTHY" not in second.stdout  # nothing changed: healthy, canary 304
        portal.layout = 2  # the department's portal is redesigned
        third = luutru("crawl", "demo-aspnet", "--data", data, "--sites", sites)
    assert third.returncode == 0, third.stderr[-2000:]
    # The redesign renamed the date line's class: its selector matched nothing, the page was
    # archived with generic extraction (same fields: no new version), the run is unhealthy.
    assert "UNHEALTHY: layout changed: date selectors matched 0 of 1 pages; archived with " in (
        third.stdout
    )
    assert "0 updated, 1 unchanged" in third.stdout
    with Archive.open(data) as archive:
        runs = archive.runs("demo-aspnet")
    assert [r["status"] for r in runs] == ["unhealthy", "succeeded", "succeeded"]
    health = luutru("health", "--data", data, "--sites", sites, "--format", "json")
    assert health.returncode == 1
    rows = {r["site"]: r for r in json.loads(health.stdout)["sites"]}
    assert rows["demo-aspnet"]["status"] == "unhealthy"
    assert "layout changed: date selectors" in rows["demo-aspnet"]["reasons"][0]


@pytest.mark.slow
def test_overlapping_run_is_refused_while_the_lease_is_held(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Archive.open(data) as archive:
        assert archive.acquire_lease("demo-aspnet", 600) is not None  # this test "crawls"
        result = luutru("crawl", "demo-aspnet", "--data", str(data))
        assert result.returncode == 3
        assert "is being crawled by" in result.stderr
        assert archive.runs("demo-aspnet") == []  # the refused crawl recorded nothing
        archive.release_lease("demo-aspnet")
        assert archive.lease("demo-aspnet") is None


def test_lease_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    code = (
        "import sys; from archive.store import Archive; "
        "a = Archive.open(sys.argv[1]); print(a.acquire_lease('s', 600) is not None)"
    )
    child = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                           text=True, check=True)  # fmt: skip
    assert child.stdout.strip() == "True"  # it exited holding the lease
    with Archive.open(tmp_path) as archive:
        lease = archive.acquire_lease("s", 600)
        assert lease is not None and lease.pid == os.getpid()
        assert archive.acquire_lease("s", 600) is not None  # re-entrant for its holder


def test_broken_profile_gives_a_failed_run_with_a_clear_log_line(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "so-hong.toml").write_text(
        'id = "so-hong"\nextends = "aspnet"\nname = "x"\nprovince = "x"\ndepartment = "x"\n'
        'start_urls = ["http://127.0.0.1:9/"]\nschedule = "0 6 * * *"\n[article]\ntitle = "h1[["\n',
        encoding="utf-8",
    )
    data = tmp_path / "data"
    result = luutru("crawl", "so-hong", "--data", str(data), "--sites", str(sites))
    assert result.returncode == 2
    with Archive.open(data) as archive:
        (run,) = archive.runs("so-hong")
    assert run["status"] == "failed"
    log = Path(run["log_path"]).read_text(encoding="utf-8")
    assert re.search(
        r"ERROR: site profile cannot be used: .*so-hong\.toml: key 'article\.title'", log
    )
    shown = luutru("log", str(run["id"]), "--data", str(data), "--level", "ERROR")
    assert "article.title" in shown.stdout


@pytest.mark.slow
def test_runs_and_log_commands(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    with DemoPortal(articles=20, port=0) as portal:
        result = luutru("crawl", "demo-aspnet", "--base-url", portal.base_url, "--data", data)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = json.loads(luutru("runs", "--data", data, "--format", "json").stdout)
    assert len(listed) == 1 and listed[0]["status"] == "succeeded"
    assert listed[0]["stats"]["downloader/request_count"] > 10
    show = luutru("runs", "show", str(listed[0]["id"]), "--data", data)
    assert "requests" in show.stdout and "listing pages" in show.stdout
    full_log = luutru("log", str(listed[0]["id"]), "--data", data).stdout
    warnings = luutru("log", str(listed[0]["id"]), "--data", data, "--level", "WARNING").stdout
    assert "INFO" in full_log and "soft 404" in warnings
    assert " INFO: " not in warnings
