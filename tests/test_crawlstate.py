"""Archive crawl state: 304s, gone twice → removed, vanished → removed at once, dead links,
stale runs interrupted, and the captures log that records all of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from archive.records import ArticleRecord, DeadLink, Gone, NotModified
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured


def record(key: str = "1", body: str = "Nội dung bài viết.", at: str = "2026-01-01T08:00:00+07:00"):
    return ArticleRecord(
        site="s", article_key=key, url=f"https://s.gov.vn/{key}", fetched_url=f"https://s.gov.vn/{key}",
        title=f"Bài {key}", body=body, date="2026-01-01", fetched_at=at, etag='"v1"',
    )  # fmt: skip


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path) as a:
        yield a


def test_not_modified_moves_last_seen_only(archive: Archive) -> None:
    run = archive.start_run("s")
    archive.record(record(), run)
    archive.not_modified(
        NotModified("s", "1", "https://s.gov.vn/1", "2026-02-01T08:00:00+07:00"), run
    )
    article = archive.article("s", "1")
    assert article["version_count"] == 1
    assert article["last_seen"] == "2026-02-01T08:00:00+07:00"
    outcomes = [c["outcome"] for c in archive.captures(article["article_id"])]
    assert outcomes == ["new", "not_modified"]


def test_gone_on_two_consecutive_runs_becomes_removed(archive: Archive) -> None:
    archive.record(record(), archive.start_run("s"))
    gone = Gone("s", "1", "https://s.gov.vn/1", "2026-02-01T08:00:00+07:00", 404)
    assert archive.gone(gone, archive.start_run("s")) == "gone"
    assert archive.article("s", "1")["status"] == "live"
    assert archive.gone(gone, archive.start_run("s")) == "removed"
    article = archive.article("s", "1")
    assert article["status"] == "removed" and article["removed_at"] == "2026-02-01T08:00:00+07:00"
    assert article["body"] == "Nội dung bài viết."  # still readable


def test_an_answer_between_two_404s_resets_the_count(archive: Archive) -> None:
    run = archive.start_run("s")
    archive.record(record(), run)
    gone = Gone("s", "1", "https://s.gov.vn/1", "2026-02-01T08:00:00+07:00", 404)
    archive.gone(gone, run)
    archive.not_modified(
        NotModified("s", "1", "https://s.gov.vn/1", "2026-02-02T08:00:00+07:00"), run
    )
    assert archive.gone(gone, run) == "gone"


def test_vanished_from_listings_and_404_is_removed_at_once(archive: Archive) -> None:
    archive.record(record(), archive.start_run("s"))
    gone = Gone("s", "1", "https://s.gov.vn/1", "2026-02-01T08:00:00+07:00", 410, vanished=True)
    assert archive.gone(gone, archive.start_run("s")) == "removed"


def test_removed_article_that_comes_back_is_live_again(archive: Archive) -> None:
    archive.record(record(), archive.start_run("s"))
    archive.gone(Gone("s", "1", "u", "2026-02-01T08:00:00+07:00", 404, vanished=True), None)
    assert archive.record(record(at="2026-03-01T08:00:00+07:00"), None) == "unchanged"
    assert archive.article("s", "1")["status"] == "live"


def test_dead_links_are_known_keys_of_the_crawl_state(archive: Archive) -> None:
    archive.dead_link(
        DeadLink("s", "404", "https://s.gov.vn/404", "http_404", "2026-01-01T08:00:00+07:00")
    )
    archive.dead_link(
        DeadLink("s", "404", "https://s.gov.vn/404", "http_404", "2026-01-02T08:00:00+07:00")
    )
    state = archive.crawl_state("s")
    assert state["404"].status == "dead"
    assert archive.counts()["articles"] == 0  # a dead link is not an article


def test_crawl_state_carries_validators_and_dates(archive: Archive) -> None:
    archive.record(record(), archive.start_run("s"))
    state = archive.crawl_state("s")["1"]
    assert (state.status, state.etag, state.date) == ("live", '"v1"', "2026-01-01")
    assert state.url == "https://s.gov.vn/1"


def test_run_of_a_dead_process_is_interrupted(archive: Archive) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(child.stdout)
    run = archive.start_run("s")
    from sqlalchemy import update

    from archive.schema import runs

    with archive.engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == run).values(pid=dead_pid))
    live_run = archive.start_run("s")  # this process: alive
    assert archive.interrupt_stale_runs("s") == [run]
    statuses = {r["id"]: r["status"] for r in archive.runs("s")}
    assert statuses == {run: "interrupted", live_run: "running"}
    assert not archive.last_run_succeeded("s")
