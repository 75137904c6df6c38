"""The workspace's two ways of opening an archive: whole, or its core (lifecycle and runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.core import ArchiveCore
from archive.store import Archive
from luutru.errors import UsageError
from luutru.workspace import Workspace


@pytest.fixture
def data(tmp_path: Path) -> Path:
    where = tmp_path / "data"
    with Archive.open(where) as archive:
        run = archive.start_run("tinh-a")
        archive.finish_run(run, "succeeded", {"downloader/request_count": 3})
    return where


def test_the_core_reads_runs_without_being_the_whole_archive(data: Path) -> None:
    with Workspace.resolve(data, must_exist=True, only_read=True) as space:
        core = space.archive_core
        assert type(core) is ArchiveCore
        assert [r["site"] for r in core.runs()] == ["tinh-a"]
        assert not hasattr(core, "search")


def test_the_whole_archive_replaces_an_open_core(data: Path) -> None:
    with Workspace.resolve(data, must_exist=True, only_read=True) as space:
        space.archive_core.runs()
        whole = space.archive
        assert isinstance(whole, Archive)
        assert space.archive_core is whole  # one archive open per workspace from now on
        assert whole.runs()[0]["status"] == "succeeded"
    assert not space.is_open


def test_close_closes_the_core(data: Path) -> None:
    space = Workspace.resolve(data, must_exist=True, only_read=True)
    space.archive_core.runs()
    assert space.is_open
    space.close()
    assert not space.is_open


def test_the_core_of_a_missing_archive_is_refused(tmp_path: Path) -> None:
    space = Workspace.resolve(tmp_path / "none", must_exist=True, only_read=True)
    with pytest.raises(UsageError, match="no archive at"):
        space.archive_core  # noqa: B018 (the property opens it)
    assert not (tmp_path / "none").exists()
