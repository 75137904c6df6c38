"""When a saved request queue (Scrapy's JOBDIR) is resumed (crawler/jobstate.py): only
after a finished pause, and only for the portal's current address."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.jobstate import MARKER, mark_paused, portal_origins, prepare

OLD = ["http://127.0.0.1:41000/lf/web/so-tttt", "http://127.0.0.1:41000/asp/Pages/TinTuc.aspx"]


def _saved(tmp_path: Path, origins: list[str] | None) -> Path:
    jobdir = tmp_path / "jobs" / "demo"
    (jobdir / "requests.queue").mkdir(parents=True)
    assert mark_paused(jobdir, 7, origins)
    return jobdir


def test_portal_origins_are_scheme_host_and_port() -> None:
    urls = [*OLD, "HTTPS://Sldtbxh.Example.gov.vn/tin-tuc?p=2"]
    assert portal_origins(urls) == ["http://127.0.0.1:41000", "https://sldtbxh.example.gov.vn"]


def test_a_queue_saved_for_the_same_portal_is_resumed(tmp_path: Path) -> None:
    jobdir = _saved(tmp_path, portal_origins(OLD))
    assert json.loads((jobdir / MARKER).read_text())["origins"] == ["http://127.0.0.1:41000"]
    assert prepare(jobdir, portal_origins(OLD)) is None
    assert (jobdir / "requests.queue").is_dir()
    assert not (jobdir / MARKER).exists()  # taken: a crash of the resumed run is not trusted


def test_a_queue_saved_for_the_portal_at_another_address_is_discarded(tmp_path: Path) -> None:
    jobdir = _saved(tmp_path, portal_origins(OLD))
    now = ["http://127.0.0.1:42000/lf/web/so-tttt"]
    reason = prepare(jobdir, portal_origins(now))
    assert reason == (
        "it was saved for the portal at http://127.0.0.1:41000, "
        "which is now reached at http://127.0.0.1:42000"
    )
    assert not jobdir.exists()


def test_a_marker_naming_no_portal_is_still_trusted(tmp_path: Path) -> None:
    jobdir = _saved(tmp_path, None)  # written before markers named the portal
    assert prepare(jobdir, portal_origins(OLD)) is None
    assert (jobdir / "requests.queue").is_dir()


def test_a_queue_without_its_marker_is_discarded(tmp_path: Path) -> None:
    jobdir = _saved(tmp_path, portal_origins(OLD))
    (jobdir / MARKER).unlink()  # the run was killed before its pause finished
    assert "did not finish its pause" in (prepare(jobdir, portal_origins(OLD)) or "")
    assert not jobdir.exists()
