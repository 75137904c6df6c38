"""A command line that tells the truth: every user error one clear line with exit status
2 (no traceback unless --debug), reading commands that refuse a missing archive and
write nothing, dates validated, queries that start with '-', a crawl that reached nothing
named unreachable and exiting 1, `health` counting never-run and overdue sites, and a
start-up that does not load Scrapy or SciPy."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.records import ArticleRecord
from archive.store import Archive
from crawler.health import unreachable
from luutru.cli import main
from luutru.cli_parser import parse
from luutru.dates import VN_TZ, parse_date, parse_moment
from luutru.operations import health_report, overdue
from luutru.progress import ErrorTally

REPO = Path(__file__).resolve().parent.parent
READING = [
    ["search", "lao"],
    ["search", "-lao"],
    ["export"],
    ["show", "tinh-a:1"],
    ["history", "tinh-a:1"],
    ["diff", "tinh-a:1", "1", "2"],
    ["dupes"],
    ["verify"],
    ["runs"],
    ["runs", "show", "1"],
    ["log", "1"],
    ["health"],
    ["serve", "--port", "9"],
]


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("LUUTRU_DATA", "LUUTRU_DB", "LUUTRU_CONFIG", "LUUTRU_SITES", "LUUTRU_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # the default ./luutru-data would land here, and be seen


def cli(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`luutru ARGS` in this process: (exit status, stdout, stderr as the terminal sees it)."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's errors (and --help)
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capfd.readouterr()
    return code, out, err


def luutru(*args: str, env: dict[str, str] | None = None, timeout: int = 120):
    base = {k: v for k, v in os.environ.items() if not k.startswith("LUUTRU_")}
    return subprocess.run(
        [sys.executable, "-m", "luutru", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**base, "PYTHONUTF8": "1", **(env or {})},
    )


def assert_one_line_error(code: int, err: str, status: int = 2) -> str:
    assert code == status, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("luutru") and ": error: " in lines[0], err
    return lines[0]


def record(key: str, title: str, body: str, **kw: str) -> ArticleRecord:
    fields = dict(
        site="tinh-a",
        article_key=key,
        url=f"https://tinh-a.gov.vn/bai/{key}",
        fetched_url=f"https://tinh-a.gov.vn/bai/{key}",
        title=title,
        body=body,
        date="2025-01-15",
        author="Minh Anh",
        category="Tin tức",
        fetched_at="2025-01-15T09:00:00+07:00",
    )
    fields.update(kw)
    return ArticleRecord(**fields)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A small archive: three articles of tinh-a, one of them in two versions."""
    where = tmp_path / "data"
    with Archive.open(where) as archive:
        run = archive.start_run("tinh-a")
        archive.record(record("1", "Hội nghị lao động", "Lao động việc làm năm 2024."), run)
        archive.record(record("1", "Hội nghị lao động", "Lao động việc làm năm 2025."), run)
        archive.record(record("2", "Tuyển dụng lao động", "Tuyển dụng và lao động."), run)
        archive.record(record("3", "Tiêm chủng", "Tiêm chủng mở rộng cho trẻ em."), run)
        archive.finish_run(run, "succeeded", {"downloader/request_count": 3})
    return where


def snapshot(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` with a hash of its bytes (directories' mtimes move
    when SQLite opens and removes its -wal/-shm files: not a write of ours)."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# ----------------------------------------------------------------- user errors


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["search", "x", "--from", "2024-13-45"], "argument --from: '2024-13-45' is not a date"),
        (["search", "x", "--to", "2024-02-30"], "argument --to: '2024-02-30' is not a date"),
        (["export", "--since", "soon"], "argument --since: 'soon' is not a date"),
        (["show", "tinh-a:1", "--as-of", "31/02/2024"], "'31/02/2024' is not a date"),
        (["show", "tinh-a:1", "--as-of", "2024-01-01T25:00"], "not a date and time"),
        (["serch", "lao"], "did you mean search?"),
        (["runs", "--bogus"], "unrecognized arguments: --bogus"),
        (["search", "--lao"], "luutru search -- --lao"),
        (["runs", "show", "x"], "argument id: invalid int value"),
        (["crawl"], "the following arguments are required: site"),
        ([], "the following arguments are required: command"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    capfd: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    code, out, err = cli(capfd, *args)
    line = assert_one_line_error(code, err)
    assert said in line
    assert out == ""


def test_date_errors_name_the_accepted_forms(capfd: pytest.CaptureFixture[str]) -> None:
    code, _out, err = cli(capfd, "search", "lao", "--from", "2024-13-45")
    line = assert_one_line_error(code, err)
    assert line.startswith("luutru search: error: argument --from:")
    for form in ("YYYY-MM-DD", "DD/MM/YYYY", "today", "yesterday", "Nd"):
        assert form in line


def test_data_that_is_a_file_is_one_line_in_every_command(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    for args in (*READING, ["crawl", "demo-aspnet"], ["migrate"], ["sites"]):
        code, _out, err = cli(capfd, *args, "--data", str(afile))
        line = assert_one_line_error(code, err)
        assert f"--data {afile} is not a directory" in line, args
    assert afile.read_text() == "not a directory"


def test_an_archive_that_is_not_sqlite_is_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "archive.sqlite").write_bytes(b"this is no database, just some bytes" * 40)
    for args in (["runs"], ["search", "lao"], ["crawl", "demo-aspnet"], ["migrate"]):
        code, _out, err = cli(capfd, *args, "--data", str(bad))
        line = assert_one_line_error(code, err)
        assert "archive.sqlite is not a luutru archive (not an SQLite database)" in line


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[logs]\nkeep = 'many'\n", "[logs] keep must be a whole number"),
        ("[logs\nkeep = 3\n", "not valid TOML"),
        ("[nonsense]\nx = 1\n", "unknown table [nonsense]"),
        ("[schedule]\nmax_duration_minutes = 'long'\n", "max_duration_minutes must be a number"),
    ],
)
def test_a_bad_configuration_is_one_line(
    capfd: pytest.CaptureFixture[str], data: Path, text: str, said: str
) -> None:
    (data / "luutru.toml").write_text(text, encoding="utf-8")
    code, _out, err = cli(capfd, "runs", "--data", str(data))
    assert said in assert_one_line_error(code, err)


def test_a_missing_configuration_file_is_one_line(
    capfd: pytest.CaptureFixture[str], data: Path
) -> None:
    code, _out, err = cli(capfd, "runs", "--data", str(data), "--config", "nowhere.toml")
    assert "nowhere.toml: no such configuration file" in assert_one_line_error(code, err)


def test_an_unreadable_configuration_is_one_line(
    capfd: pytest.CaptureFixture[str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = data / "luutru.toml"
    config.write_text("[logs]\nkeep = 3\n", encoding="utf-8")
    real = Path.read_text

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        if self == config:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", refuse)  # as root, chmod 000 would not stop us
    code, _out, err = cli(capfd, "runs", "--data", str(data))
    line = assert_one_line_error(code, err)
    assert "luutru.toml: cannot read the configuration: Permission denied" in line


def test_a_malformed_database_url_is_one_line(capfd: pytest.CaptureFixture[str]) -> None:
    code, _out, err = cli(capfd, "runs", "--db", "not a url")
    assert "bad database URL" in assert_one_line_error(code, err)


def test_lookups_that_find_nothing_are_one_line(
    capfd: pytest.CaptureFixture[str], data: Path
) -> None:
    for args, said in (
        (["show", "tinh-a:99"], "no article 'tinh-a:99'"),
        (["runs", "show", "99"], "no run 99"),
        (["log", "99"], "no run 99"),
        (["diff", "tinh-a:1", "1", "7"], "has no version 7"),
    ):
        code, _out, err = cli(capfd, *args, "--data", str(data))
        assert said in assert_one_line_error(code, err), args


def test_an_output_file_that_cannot_be_written_is_one_line(
    capfd: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.jsonl"
    code, _out, err = cli(capfd, "export", "--data", str(data), "-o", str(target))
    assert f"{target}: No such file or directory" in assert_one_line_error(code, err)


def test_an_internal_error_is_one_line_exit_1(
    capfd: pytest.CaptureFixture[str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import luutru.operations

    def broken(args: object) -> int:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(luutru.operations, "cmd_runs", broken)
    code, _out, err = cli(capfd, "runs", "--data", str(data))
    line = assert_one_line_error(code, err, status=1)
    assert line == (
        "luutru: error: internal error: RuntimeError: something inside broke "
        "(run with --debug for the traceback)"
    )
    code, _out, err = cli(capfd, "--debug", "runs", "--data", str(data))
    assert code == 1 and "Traceback" in err and "something inside broke" in err
    assert err.strip().splitlines()[-1].startswith("luutru: error: internal error")


def test_ctrl_c_is_one_line_exit_130(
    capfd: pytest.CaptureFixture[str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import luutru.operations

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(luutru.operations, "cmd_runs", interrupted)
    code, _out, err = cli(capfd, "runs", "--data", str(data))
    assert code == 130 and err.strip() == "luutru: interrupted"


def test_debug_shows_the_traceback() -> None:
    for args, env in (
        (["--debug", "runs", "--data", "/dev/null"], None),
        (["runs", "--data", "/dev/null", "--debug"], None),
        (["runs", "--data", "/dev/null"], {"LUUTRU_DEBUG": "1"}),
    ):
        result = luutru(*args, env=env)
        assert result.returncode == 2, result.stderr
        assert "Traceback (most recent call last)" in result.stderr, args
        last = result.stderr.strip().splitlines()[-1]
        assert last == "luutru: error: --data /dev/null is not a directory"
    quiet = luutru("runs", "--data", "/dev/null")
    assert quiet.stderr == "luutru: error: --data /dev/null is not a directory\n"


# ----------------------------------------------------------------- missing archives


@pytest.mark.parametrize("args", READING, ids=lambda a: " ".join(a))
def test_reading_commands_refuse_a_missing_archive_and_create_nothing(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    missing, empty = tmp_path / "missing", tmp_path / "empty"
    empty.mkdir()
    for where in (missing, empty):
        code, _out, err = cli(capfd, *args, "--data", str(where))
        line = assert_one_line_error(code, err)
        assert line == (
            f"luutru: error: no archive at {where} (run `luutru crawl` or `luutru demo` first)"
        )
    assert not missing.exists()
    assert list(empty.iterdir()) == []


def test_the_default_data_directory_is_not_created_either(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _out, err = cli(capfd, "search", "lao")
    assert "no archive at luutru-data" in assert_one_line_error(code, err)
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_luutru_schema_is_refused_untouched(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import sqlite3

    where = tmp_path / "data"
    where.mkdir()
    (where / "archive.sqlite").write_bytes(b"")
    code, _out, err = cli(capfd, "runs", "--data", str(where))
    assert "the database has no luutru schema" in assert_one_line_error(code, err)
    assert (where / "archive.sqlite").read_bytes() == b""
    conn = sqlite3.connect(where / "archive.sqlite")  # someone else's database
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    before = snapshot(where)
    code, _out, err = cli(capfd, "search", "lao", "--data", str(where))
    assert "the database has no luutru schema" in assert_one_line_error(code, err)
    assert snapshot(where) == before
    assert sorted(p.name for p in where.iterdir()) == ["archive.sqlite"]


def test_a_postgresql_database_without_schema_is_refused_untouched(
    capfd: pytest.CaptureFixture[str], pg_url: str
) -> None:
    from sqlalchemy import create_engine, inspect

    code, _out, err = cli(capfd, "health", "--db", pg_url)
    assert "the database has no luutru schema" in assert_one_line_error(code, err)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_an_older_schema_is_not_migrated_by_a_reading_command(
    capfd: pytest.CaptureFixture[str], data: Path
) -> None:
    import sqlite3

    with sqlite3.connect(data / "archive.sqlite") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0006'")
    conn.close()
    before = snapshot(data)
    code, _out, err = cli(capfd, "search", "lao", "--data", str(data))
    line = assert_one_line_error(code, err)
    assert "has schema 0006" in line and "run `luutru migrate` first" in line
    assert snapshot(data) == before


def test_copy_refuses_a_missing_source(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = cli(
        capfd, "copy", "--from", str(tmp_path / "nope"), "--to", str(tmp_path / "dest")
    )
    assert "no archive at" in assert_one_line_error(code, err)
    assert not (tmp_path / "nope").exists()


# ----------------------------------------------------------------- read-only commands


def test_reading_commands_write_nothing(capfd: pytest.CaptureFixture[str], data: Path) -> None:
    before = snapshot(data)
    for args in (
        ["search", "lao"],
        ["search", "-lao", "viec"],
        ["runs"],
        ["runs", "show", "1"],
        ["health"],
        ["export"],
        ["history", "tinh-a:1"],
        ["show", "tinh-a:1", "--as-of", "today"],
        ["diff", "tinh-a:1", "1", "2"],
        ["dupes"],
        ["verify"],
    ):
        code, _out, err = cli(capfd, *args, "--data", str(data))
        assert code in (0, 1), (args, err)  # health: 1, a site needs attention
        assert "Traceback" not in err
    assert snapshot(data) == before


def test_schedule_list_creates_nothing(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    where = tmp_path / "data"
    code, out, err = cli(capfd, "schedule", "--list", "--data", str(where))
    assert code == 0, err
    assert "demo-aspnet" in out and "T06:30:00+07:00" in out
    assert not where.exists()


def test_schedule_list_leaves_a_job_store_as_it_is(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from luutru import scheduler

    where = tmp_path / "data"
    scheduler.prepare(str(where), None, None)  # what `luutru schedule` does at start
    before = snapshot(where)
    code, out, err = cli(capfd, "schedule", "--list", "--site", "demo-aspnet", "--data", str(where))
    assert code == 0, err
    assert [line.split()[0] for line in out.splitlines()] == ["demo-aspnet"]
    assert snapshot(where) == before  # the other sites' jobs are not removed


# ----------------------------------------------------------------- dates


def test_dates_in_every_accepted_form() -> None:
    now = datetime(2024, 3, 1, 20, 0, tzinfo=ZoneInfo("UTC"))  # 03:00 on 2 March in Vietnam
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date("2024-2-9") == date(2024, 2, 9)
    assert parse_date("29/02/2024") == date(2024, 2, 29)
    assert parse_date("5/1/2024") == date(2024, 1, 5)
    assert parse_date("today", now) == date(2024, 3, 2)
    assert parse_date("Yesterday", now) == date(2024, 3, 1)
    assert parse_date("7d", now) == date(2024, 2, 24)
    assert parse_date("0d", now) == date(2024, 3, 2)
    assert parse_moment("2024-01-05T10:30:00+07:00") == "2024-01-05T10:30:00+07:00"
    assert parse_moment("2024-01-05") == "2024-01-05"


@pytest.mark.parametrize(
    "text",
    ["2024-13-45", "2024-02-30", "2023-02-29", "30/02/2024", "13/13/2024", "soon", "", "7",
     "2024/01/05", "-3d", "tomorrow"],
)  # fmt: skip
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


def test_every_date_option_takes_the_same_forms() -> None:
    today = datetime.now(VN_TZ).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    args = parse(["search", "x", "--from", "7d", "--to", "yesterday"])
    assert args.date_from == (today - timedelta(days=7)).isoformat()
    assert args.date_to == yesterday
    assert parse(["export", "--since", "01/02/2024"]).since == "2024-02-01"
    assert parse(["show", "a:1", "--as-of", "today"]).as_of == today.isoformat()


# ----------------------------------------------------------------- search -word


def test_a_query_may_start_with_a_dash() -> None:
    assert parse(["search", "-lao"]).query == "-lao"
    assert parse(["search", "--", "-lao"]).query == "-lao"
    assert parse(["search", "--", "-lao", "--site"]).query == "-lao --site"
    args = parse(["search", "dong", "-lao", "--site", "tinh-a", "--limit", "5", "viec"])
    assert (args.query, args.site, args.limit) == ("dong -lao viec", ["tinh-a"], 5)
    assert parse(["--debug", "search", "-lao"]).query == "-lao"
    assert parse(["search", "--lim=3", "-lao"]).limit == 3


def test_search_not_term_finds_the_others(capfd: pytest.CaptureFixture[str], data: Path) -> None:
    code, out, err = cli(capfd, "search", "-tuyen", "lao", "--data", str(data), "--format", "json")
    assert code == 0, err
    assert {h["id"] for h in json.loads(out)["hits"]} == {"tinh-a:1"}
    code, out2, err = cli(
        capfd, "search", "--data", str(data), "--format", "json", "--", "-tuyen", "lao"
    )
    assert code == 0 and json.loads(out2) == json.loads(out)


# ----------------------------------------------------------------- health


def test_health_counts_a_never_run_site(capfd: pytest.CaptureFixture[str], data: Path) -> None:
    with Archive.open(data) as archive:
        run = archive.start_run("demo-aspnet")
        archive.finish_run(run, "succeeded", {})
    code, out, err = cli(capfd, "health", "--data", str(data))
    assert code == 1, err
    assert "all sites healthy" not in out
    assert "never ran" in out and "need attention" in out
    code, out, _err = cli(capfd, "health", "--data", str(data), "--format", "json")
    report = json.loads(out)
    rows = {r["site"]: r for r in report["sites"]}
    assert report["ok"] is False
    assert rows["demo-liferay"]["status"] == "never run" and rows["demo-liferay"]["attention"]
    assert rows["demo-aspnet"]["attention"] is False
    assert rows["demo-aspnet"]["schedule"] == "30 6 * * *"
    assert rows["tinh-a"]["profile"] == "missing or broken"  # runs of a deleted profile
    assert rows["tinh-a"]["attention"] is False


def test_health_counts_an_overdue_site(tmp_path: Path) -> None:
    with Archive.open(tmp_path / "data") as archive:
        run = archive.start_run("demo-aspnet")  # daily at 06:30, Vietnam time
        archive.finish_run(run, "succeeded", {})
        started = datetime.fromisoformat(archive.run(run)["started_at"])
        soon = health_report(archive, None, now=started + timedelta(hours=20))
        late = health_report(archive, None, now=started + timedelta(days=3))
    fine = next(r for r in soon["sites"] if r["site"] == "demo-aspnet")
    assert not fine["overdue"] and not fine["attention"]
    row = next(r for r in late["sites"] if r["site"] == "demo-aspnet")
    assert row["overdue"] and row["attention"] and row["status"] == "succeeded"
    assert row["due"] and "T06:30:00+07:00" in row["due"]
    assert any(r.startswith("overdue: no run since") for r in row["reasons"])
    assert late["ok"] is False


def test_overdue_tolerates_one_missed_fire() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    last = "2024-05-01T06:30:04+07:00"
    assert overdue("30 6 * * *", last, datetime(2024, 5, 2, 9, 0, tzinfo=tz)) == []
    assert overdue("30 6 * * *", last, datetime(2024, 5, 3, 6, 0, tzinfo=tz)) == []
    missed = overdue("30 6 * * *", last, datetime(2024, 5, 3, 7, 0, tzinfo=tz))
    assert [m.isoformat() for m in missed] == [
        "2024-05-03T06:30:00+07:00",
        "2024-05-02T06:30:00+07:00",
    ]
    # Weekly on Monday (cron's 1): not overdue on Friday, overdue a fortnight on.
    monday = "2024-05-06T06:00:00+07:00"
    assert overdue("0 6 * * 1", monday, datetime(2024, 5, 10, tzinfo=tz)) == []
    assert overdue("0 6 * * 1", monday, datetime(2024, 5, 20, 7, 0, tzinfo=tz))
    assert overdue("0 6 * * 1", None, datetime(2024, 5, 20, tzinfo=tz)) == []


# ----------------------------------------------------------------- crawls


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


def test_unreachable_names_the_failure() -> None:
    refused = {
        "downloader/request_count": 2,
        "downloader/exception_count": 2,
        "downloader/exception_type_count/scrapy.exceptions.DownloadConnectionRefusedError": 2,
    }
    assert unreachable(refused) == "unreachable: connection refused (2 requests)"
    mixed = {
        "downloader/request_count": 4,
        "downloader/exception_type_count/twisted.internet.error.DNSLookupError": 3,
        "downloader/exception_type_count/twisted.internet.error.TimeoutError": 1,
    }
    assert (
        unreachable(mixed) == "unreachable: DNS lookup failed (3 requests), timed out (1 request)"
    )
    answered = {**refused, "downloader/response_count": 1}
    assert unreachable(answered) is None
    assert unreachable({"downloader/request_count": 0}) is None


def test_error_tally_files_errors_by_site() -> None:
    import logging

    class Spider:
        site_id = "demo-aspnet"

    tally = ErrorTally()
    logger = logging.getLogger("test.cli_truth")
    logger.addHandler(tally)
    try:
        logger.error("first\nsecond line", extra={"spider": Spider()})
        logger.error("no site")
        logger.warning("not counted", extra={"spider": Spider()})
    finally:
        logger.removeHandler(tally)
    assert tally.counts == {"demo-aspnet": 1, None: 1}
    assert tally.first["demo-aspnet"] == ["first"]


def test_a_crawl_that_reached_nothing_fails_and_says_why(tmp_path: Path) -> None:
    port = _closed_port()
    data = tmp_path / "data"
    result = luutru(
        "crawl", "demo-aspnet", "--data", str(data), "--base-url", f"http://127.0.0.1:{port}",
        "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=3",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "unreachable: connection refused" in result.stdout
    assert f"no answer from 127.0.0.1:{port}" in result.stdout
    assert "failing" not in result.stdout
    assert "Traceback" not in result.stderr and "[scrapy" not in result.stderr, result.stderr
    assert "luutru log 1" in result.stdout
    log_file = next((data / "logs" / "demo-aspnet").glob("*.log"))
    text = log_file.read_text("utf-8")
    assert "[scrapy.core.engine] INFO: Spider opened" in text  # Scrapy's log: in the run log
    assert "Connection refused" in text
    with Archive.open(data) as archive:
        (run,) = archive.runs("demo-aspnet")
    assert run["status"] == "failed"
    assert run["reasons"][0].startswith("unreachable: connection refused")


def test_a_crawl_that_cannot_start_says_why_and_is_recorded(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = luutru(
        "crawl", "demo-aspnet", "--data", str(data), "-s", "DOWNLOAD_DELAY=soon",
        "--base-url", f"http://127.0.0.1:{_closed_port()}",
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Unhandled error" not in result.stderr
    assert "could not start: could not convert string to float: 'soon'" in result.stdout
    assert "check the -s settings" in result.stdout
    with Archive.open(data) as archive:
        (run,) = archive.runs("demo-aspnet")
    assert run["status"] == "failed" and "could not start" in run["reasons"][0]
    assert "Traceback" in Path(run["log_path"]).read_text("utf-8")


@pytest.mark.slow
def test_each_site_of_a_crawl_logs_to_its_own_run_log(tmp_path: Path) -> None:
    from demo_portal import DemoPortal

    data = tmp_path / "data"
    with DemoPortal(articles=20, port=0) as portal:
        result = luutru(
            "crawl", "demo-liferay", "demo-aspnet", "--data", str(data),
            "--base-url", portal.base_url, "--quiet",
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for site, other in (("demo-liferay", "demo-aspnet"), ("demo-aspnet", "demo-liferay")):
        text = next((data / "logs" / site).glob("*.log")).read_text("utf-8")
        assert f"of {site}" in text  # "run 1 of demo-liferay: full walk"
        assert f"of {other}" not in text


def test_progress_redraws_one_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from luutru.progress import Progress
    from tests.fake_crawler import FakeCrawler as Crawler

    monkeypatch.setenv("COLUMNS", "200")
    screen = io.StringIO()
    shown = Progress(screen, tty=True)
    shown.watch("demo-aspnet", Crawler({"downloader/request_count": 7, "item_scraped_count": 3,
                                         "downloader/response_count": 7}))  # fmt: skip
    shown.watch("demo-liferay", Crawler({"downloader/request_count": 2}))
    shown.tick()
    shown.tick()
    shown.finish()
    text = screen.getvalue()
    assert "\n" not in text and text.count("\r") == 3 and text.endswith("\r\x1b[K")
    assert "demo-aspnet 7 requests, 0 listings, 3 articles" in text
    assert "demo-liferay 2 requests" in text and "no answer yet" in text
    monkeypatch.setenv("COLUMNS", "60")  # too narrow for every site: the totals
    narrow = io.StringIO()
    shown.stream = narrow
    shown.tick()
    assert "2 sites: 9 requests, 3 articles, 1 with no answer yet" in narrow.getvalue()
    assert all(len(line) < 60 for line in narrow.getvalue().replace("\x1b[K", "").split("\r"))
    plain = io.StringIO()
    lines = Progress(plain, tty=False)
    lines.watch("demo-aspnet", Crawler({}))
    lines.tick()
    lines.finish()
    assert plain.getvalue().count("\n") == 1 and "\r" not in plain.getvalue()


def test_verbose_puts_scrapys_log_on_screen(tmp_path: Path) -> None:
    port = _closed_port()
    result = luutru(
        "crawl", "demo-aspnet", "--verbose", "--data", str(tmp_path / "data"),
        "--base-url", f"http://127.0.0.1:{port}", "-s", "RETRY_TIMES=0",
    )  # fmt: skip
    assert result.returncode == 1
    assert "[scrapy.core.engine] INFO: Spider opened" in result.stderr
    assert "unreachable: connection refused" in result.stdout


# ----------------------------------------------------------------- start-up


HEAVY = ("scrapy", "twisted", "scipy", "datasketch", "numpy", "fastapi", "uvicorn", "pyarrow",
         "sqlalchemy", "alembic", "apscheduler", "parsel", "w3lib", "lxml", "cssselect",
         "re2")  # fmt: skip
# What a reading command may load beyond SQLAlchemy (bench --only startup measures the rest).
READING_MAY_LOAD = {"sqlalchemy"}


def _heavy_modules_after(code: str) -> list[str]:
    probe = (
        "import sys, json\n"
        f"{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    assert _heavy_modules_after("import luutru.cli") == []


def test_help_loads_nothing_heavy() -> None:
    code = (
        "from luutru.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    try:\n"
        "        main(['search', '--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    assert _heavy_modules_after(code) == []


@pytest.mark.parametrize("args", [["runs"], ["health"], ["search", "lao"]])
def test_reading_commands_load_nothing_heavy_but_sqlalchemy(data: Path, args: list[str]) -> None:
    """`luutru health`, `runs` and `search`, each run through to its output on a real
    archive in a fresh interpreter: no Scrapy, SciPy, datasketch, NumPy, web stack, Alembic,
    APScheduler, parsel, lxml or cssselect (the bundled profiles' selectors are trusted:
    tests/test_profiles.py compiles them)."""
    code = (
        "from luutru.cli import main\n"
        "import contextlib, io\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    status = main([*{args!r}, '--data', {str(data)!r}])\n"
        "assert status in (0, 1) and out.getvalue(), (status, out.getvalue())"
    )
    assert set(_heavy_modules_after(code)) <= READING_MAY_LOAD


@pytest.mark.parametrize("args", [["runs"], ["health"], ["runs", "show", "1"]])
def test_commands_that_read_runs_do_not_load_search_or_writes(data: Path, args: list[str]) -> None:
    """They open the archive's core (archive/core.py): the search and write code was a
    tenth of their start. The output is checked too, so the core did the work."""
    probe = (
        "import sys, json, contextlib, io\n"
        "from luutru.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    status = main([*{args!r}, '--data', {str(data)!r}])\n"
        "loaded = sorted(m for m in ('archive.store', 'archive.search', 'archive.writes') "
        "if m in sys.modules)\n"
        "print(json.dumps([status, out.getvalue(), loaded]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    status, out, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert status in (0, 1) and out.strip()
    assert loaded == []
