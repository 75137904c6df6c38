"""Read-only archives: search, export, show, verify and serve read an archive on read-only
media without creating a file, and Datasette opens it.

The archive is a real crawl of the demo portal (WARC files included, so ``verify`` reads
them too). Read-only storage is tested two ways: simulated, with ``os.access`` saying the
directory cannot be written while it actually can (so any file SQLite created would show:
the tests run as root, and root ignores permission bits), and, where this process may
mount, on a real read-only bind mount.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from archive import db
from archive.db import settle
from archive.readers import ReadOnlyArchiveError, read_only_uri
from archive.store import Archive
from crawler.session import io_failure
from luutru.cli import main
from luutru.web.app import create_app
from luutru.web.settings import WebSettings
from tests.archive_builders import crawl_demo

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # one demo crawl for the module


def journal_byte(path: Path) -> int:
    """Byte 18 of the SQLite header: 1 rollback journal, 2 WAL."""
    return path.read_bytes()[18]


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``root``: size and SHA-256 (a created or changed file shows)."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from demo_portal import DemoPortal

    data = tmp_path_factory.mktemp("crawled")
    with DemoPortal(articles=16, port=0) as portal:
        crawl_demo(portal.base_url, data)
    with Archive.open(data) as archive:
        article = next(archive.articles())
        counts = archive.counts()
    return {"data": data, "id": article["id"], "title": article["title"], "counts": counts}


def copy_archive(crawled: dict, dest: Path, *, wal: bool = False) -> Path:
    """The crawled archive copied to ``dest``; ``wal``: left in WAL mode, as a luutru
    before settling left every archive (and as a copy of a live one is)."""
    shutil.copytree(crawled["data"], dest)
    if wal:
        conn = sqlite3.connect(dest / "archive.sqlite")
        assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        conn.close()  # the last connection: the log is folded in and removed, WAL stays
        assert journal_byte(dest / "archive.sqlite") == 2
    assert not list(dest.glob("archive.sqlite-*"))
    return dest


@pytest.fixture
def not_writable(monkeypatch: pytest.MonkeyPatch):
    """Make directories under the given roots look unwritable to this process."""
    roots: list[Path] = []
    real_access = os.access

    def access(path, mode, *args, **kwargs) -> bool:
        if mode & os.W_OK and any(Path(path).resolve().is_relative_to(r) for r in roots):
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    return lambda root: roots.append(Path(root).resolve())


# ------------------------------------------------------------------ the writer's side


def test_the_writer_leaves_the_file_complete(crawled: dict, tmp_path: Path) -> None:
    # The crawl closed its archive: the file alone holds everything, in rollback mode.
    assert journal_byte(crawled["data"] / "archive.sqlite") == 1
    assert not list(crawled["data"].glob("archive.sqlite-*"))
    data = copy_archive(crawled, tmp_path / "a")
    first = Archive.open(data)
    second = Archive.open(data)  # another process, say `luutru serve`
    assert journal_byte(data / "archive.sqlite") == 2  # writers work in WAL
    first.close()
    assert journal_byte(data / "archive.sqlite") == 2  # not alone: left as it is
    assert (data / "archive.sqlite-wal").exists()
    second.close()  # the last one out settles it
    assert journal_byte(data / "archive.sqlite") == 1
    assert not list(data.glob("archive.sqlite-*"))


def test_settle_never_waits_for_a_busy_archive(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        archive.start_run("x")
        # Another connection holds it: settling gives up at once, the archive is intact.
        assert settle(tmp_path / "archive.sqlite") is False
        assert archive.runs()[0]["site"] == "x"
    assert settle(tmp_path / "archive.sqlite") is True  # idempotent once alone


# ------------------------------------------------------------------ choosing the URI


def test_uri_for_each_state_of_the_file(crawled: dict, tmp_path: Path) -> None:
    settled = copy_archive(crawled, tmp_path / "settled") / "archive.sqlite"
    assert read_only_uri(settled).endswith("?mode=ro")
    wal = copy_archive(crawled, tmp_path / "wal", wal=True) / "archive.sqlite"
    assert read_only_uri(wal).endswith("?mode=ro&immutable=1")
    # A live archive's log with its index: read through it (mode=ro sees the log).
    live = tmp_path / "live"
    live.mkdir()
    conn = sqlite3.connect(live / "archive.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    copy = tmp_path / "copy"
    shutil.copytree(live, copy)
    conn.close()
    assert read_only_uri(copy / "archive.sqlite").endswith("?mode=ro")
    # The log without its index cannot be read: refused, not silently stale.
    (copy / "archive.sqlite-shm").unlink()
    with pytest.raises(ReadOnlyArchiveError, match=r"archive\.sqlite-wal"):
        read_only_uri(copy / "archive.sqlite")
    with pytest.raises(ReadOnlyArchiveError, match="no archive at"):
        read_only_uri(tmp_path / "nothing" / "archive.sqlite")
    (tmp_path / "text.sqlite").write_text("not a database")
    with pytest.raises(ReadOnlyArchiveError, match="not an SQLite database"):
        read_only_uri(tmp_path / "text.sqlite")


def test_uri_survives_vietnamese_and_special_folder_names(crawled: dict, tmp_path: Path) -> None:
    data = copy_archive(crawled, tmp_path / "Lưu trữ #1 ?a=b 100%")
    with Archive.open(data, read_only=True) as archive:
        assert archive.counts() == crawled["counts"]


# ------------------------------------------------------------------ simulated read-only


@pytest.mark.parametrize("wal", [False, True], ids=["settled", "wal-mode"])
def test_reading_commands_create_nothing(
    crawled: dict, tmp_path: Path, not_writable, capsys: pytest.CaptureFixture, wal: bool
) -> None:
    data = copy_archive(crawled, tmp_path / "ro", wal=wal)
    not_writable(data)
    before = snapshot(data)
    with Archive.open(data) as archive:  # no flag: the directory says it
        assert archive.read_only
        uri = read_only_uri(data / "archive.sqlite")
        assert ("immutable=1" in uri) is wal
        assert archive.counts() == crawled["counts"]
    out = tmp_path / "out"
    out.mkdir()
    ref, title = crawled["id"], crawled["title"]

    def run(*argv: str) -> str:
        capsys.readouterr()
        code = main([*argv, "--data", str(data)])
        output = capsys.readouterr()
        assert code == 0, output.err
        return output.out

    found = json.loads(run("search", title.split()[0], "--format", "json"))
    assert found["total"] >= 1
    assert json.loads(run("show", ref, "--format", "json"))["title"] == title
    verified = json.loads(run("verify", "--format", "json"))
    assert verified["ok"] and verified["warc_files"] >= 1
    assert verified["versions"] == crawled["counts"]["versions"]
    run("export", "--format", "parquet", "-o", str(out / "a.parquet"))
    assert pq.read_table(out / "a.parquet").num_rows == crawled["counts"]["articles"]
    lines = run("export", "--format", "jsonl").splitlines()
    assert len(lines) == crawled["counts"]["articles"]
    run("history", ref)
    assert snapshot(data) == before  # not a byte written, not a file created


def test_a_folder_without_write_permission(crawled: dict, tmp_path: Path) -> None:
    data = copy_archive(crawled, tmp_path / "perm")
    before = snapshot(data)
    (data / "archive.sqlite").chmod(0o444)
    data.chmod(0o555)
    try:
        if os.access(data, os.W_OK):
            pytest.skip("root ignores permission bits (the simulated and mounted tests cover it)")
        with Archive.open(data) as archive:
            assert archive.read_only and archive.counts() == crawled["counts"]
    finally:
        data.chmod(0o755)
        (data / "archive.sqlite").chmod(0o644)
    assert snapshot(data) == before


def test_serve_reads_it_and_creates_nothing(crawled: dict, tmp_path: Path, not_writable) -> None:
    data = copy_archive(crawled, tmp_path / "ro")
    not_writable(data)
    before = snapshot(data)
    with TestClient(create_app(WebSettings(data=str(data)))) as client:
        assert client.get("/api/search", params={"q": crawled["title"]}).json()["total"] >= 1
        assert client.get(f"/api/articles/{crawled['id']}").status_code == 200
        for page in ("/", f"/articles/{crawled['id']}", "/runs", "/search?q=tin"):
            assert client.get(page).status_code == 200, page
    assert snapshot(data) == before


def test_writes_are_refused_clearly(crawled: dict, tmp_path: Path, not_writable) -> None:
    data = copy_archive(crawled, tmp_path / "ro")
    not_writable(data)
    with (
        Archive.open(data) as archive,
        pytest.raises(ReadOnlyArchiveError, match="open read-only") as caught,
    ):
        archive.start_run("demo-liferay")
    # A crawl stops on it as on read-only storage; the command line prints one line.
    assert caught.value.errno == errno.EROFS and isinstance(caught.value, ValueError)
    assert io_failure(caught.value) == "read-only storage"
    empty = tmp_path / "empty"
    empty.mkdir()
    not_writable(empty)
    with pytest.raises(ReadOnlyArchiveError, match="none can be created"):
        Archive.open(empty)
    assert list(empty.iterdir()) == []


def test_an_old_schema_is_refused_not_migrated(crawled: dict, tmp_path: Path, not_writable) -> None:
    data = copy_archive(crawled, tmp_path / "ro")
    conn = sqlite3.connect(data / "archive.sqlite")
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()
    not_writable(data)
    with pytest.raises(ReadOnlyArchiveError, match="revision 0001"):
        Archive.open(data)


def test_read_only_on_request_in_a_writable_place(crawled: dict, tmp_path: Path) -> None:
    data = copy_archive(crawled, tmp_path / "rw", wal=True)
    before = snapshot(data)
    with Archive.open(data, read_only=True) as archive:
        assert archive.counts() == crawled["counts"]
    assert snapshot(data) == before  # not even settled: read-only means no write at all


# ------------------------------------------------------------------ Datasette


def datasette_count(path: Path) -> int:
    """Rows in ``versions`` as Datasette serves them, opened as `datasette FILE` does."""
    from datasette.app import Datasette

    async def query() -> int:
        ds = Datasette([str(path)])
        try:
            await ds.invoke_startup()
            response = await ds.client.get(
                "/archive.json?sql=select+count(*)+as+n+from+versions&_shape=array"
            )
            assert response.status_code == 200, response.text
            return response.json()[0]["n"]
        finally:
            for database in ds.databases.values():
                database.close()

    return asyncio.run(query())


def test_datasette_opens_it(crawled: dict, tmp_path: Path) -> None:
    pytest.importorskip("datasette")
    data = copy_archive(crawled, tmp_path / "ds")
    before = snapshot(data)
    assert datasette_count(data / "archive.sqlite") == crawled["counts"]["versions"]
    assert snapshot(data) == before


# ------------------------------------------------------------------ a real read-only mount


@contextlib.contextmanager
def read_only_mount(source: Path, target: Path) -> Iterator[Path]:
    """``source`` bind-mounted read-only at ``target``; skips where mounting is denied."""
    target.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root")
    bind = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bind.stderr.decode().strip()}")
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(target)], capture_output=True
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
        yield target
    finally:
        if subprocess.run(["umount", str(target)]).returncode != 0:
            gc.collect()  # a connection nobody closed yet holds a file open
            if subprocess.run(["umount", str(target)]).returncode != 0:
                subprocess.run(["umount", "-l", str(target)], check=True)
                pytest.fail(f"{target} stayed busy: a file on it was left open")


def luutru(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUTF8": "1"}
    env.pop("LUUTRU_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "luutru", *argv],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("wal", [False, True], ids=["settled", "wal-mode"])
def test_on_a_real_read_only_file_system(crawled: dict, tmp_path: Path, wal: bool) -> None:
    source = copy_archive(crawled, tmp_path / "src", wal=wal)
    before = snapshot(source)
    with read_only_mount(source, tmp_path / "mnt") as data:
        assert not os.access(data, os.W_OK)  # even for root
        with pytest.raises(OSError):
            (data / "probe").touch()
        if wal:
            # What failed before: WAL mode needs a -shm file that cannot be created.
            with pytest.raises(sqlite3.OperationalError, match="unable to open"):
                sqlite3.connect(f"file:{data / 'archive.sqlite'}?mode=ro", uri=True).execute(
                    "SELECT count(*) FROM versions"
                )
        ref, title = crawled["id"], crawled["title"]
        checks = {
            "search": luutru("search", title.split()[0], "--data", str(data)),
            "show": luutru("show", ref, "--data", str(data)),
            "verify": luutru("verify", "--data", str(data)),
            "export": luutru("export", "--format", "csv", "--data", str(data)),
        }
        for name, result in checks.items():
            assert result.returncode == 0, (name, result.stderr[-2000:])
        assert title in checks["show"].stdout
        assert "archive is consistent" in checks["verify"].stdout
        assert checks["export"].stdout.startswith("\ufeffid,")
        with TestClient(create_app(WebSettings(data=str(data)))) as client:
            assert client.get(f"/api/articles/{ref}").json()["title"] == title
        if not wal and db.sqlite3.sqlite_version_info >= (3, 22):
            pytest.importorskip("datasette")
            assert datasette_count(data / "archive.sqlite") == crawled["counts"]["versions"]
    assert snapshot(source) == before
