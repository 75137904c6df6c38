"""archive/changes.py and `luutru changes`: new, edited and removed articles of the runs in
a window of days, per day and site, with version links (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import update

from archive.changes import changes, counts, latest
from archive.records import ArticleRecord, Gone
from archive.schema import runs
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")


def rec(site: str, key: str, title: str, body: str, at: str) -> ArticleRecord:
    url = f"https://{site}.gov.vn/bai/{key}"
    return ArticleRecord(site=site, article_key=key, url=url, fetched_url=url, title=title,
                         body=body, date="2025-01-10", fetched_at=at)  # fmt: skip


def run_on(archive: Archive, site: str, started_at: str) -> int:
    run = archive.start_run(site)
    with archive._write() as conn:  # a run of a past day: what a held-out archive holds
        conn.execute(update(runs).where(runs.c.id == run).values(started_at=started_at))
    return run


def gone(archive: Archive, site: str, key: str, at: str, run: int) -> str:
    url = f"https://{site}.gov.vn/bai/{key}"
    return archive.gone(Gone(site, key, url, at, 404), run)


@pytest.fixture
def archive(tmp_path):
    """Day 1 (2025-01-10): site a publishes 1, 2, 3; site b publishes 9.
    Day 2 (2025-01-12): a edits 1, adds 4; 3 answers 404 (gone once, not removed yet).
    Day 3 (2025-01-13, a run started at 23:50 writing after midnight): a removes 3 (second
    404), edits 2, re-fetches 1 unchanged; b edits 9.
    Day 4 (2025-01-15): a re-fetches 4 unchanged (no change at all)."""
    with Archive.open(tmp_path / "data") as a:
        r1 = run_on(a, "a", "2025-01-10T06:00:00+07:00")
        for key in "123":
            a.record(rec("a", key, f"Bài {key}", f"Nội dung {key}.", "2025-01-10T06:01:00+07:00"),
                     r1)  # fmt: skip
        rb = run_on(a, "b", "2025-01-10T07:00:00+07:00")
        a.record(rec("b", "9", "Tin y tế", "Tiêm chủng.", "2025-01-10T07:01:00+07:00"), rb)
        r2 = run_on(a, "a", "2025-01-12T06:00:00+07:00")
        a.record(rec("a", "1", "Bài 1 (sửa)", "Nội dung 1.", "2025-01-12T06:01:00+07:00"), r2)
        a.record(rec("a", "4", "Bài 4", "Nội dung 4.", "2025-01-12T06:02:00+07:00"), r2)
        assert gone(a, "a", "3", "2025-01-12T06:03:00+07:00", r2) == "gone"
        r3 = run_on(a, "a", "2025-01-13T23:50:00+07:00")
        assert gone(a, "a", "3", "2025-01-14T00:01:00+07:00", r3) == "removed"
        a.record(rec("a", "2", "Bài 2", "Nội dung 2, đã sửa.", "2025-01-14T00:02:00+07:00"), r3)
        a.record(rec("a", "1", "Bài 1 (sửa)", "Nội dung 1.", "2025-01-14T00:03:00+07:00"), r3)
        rb3 = run_on(a, "b", "2025-01-13T08:00:00+07:00")
        a.record(rec("b", "9", "Tin y tế", "Tiêm chủng mở rộng.", "2025-01-13T08:01:00+07:00"),
                 rb3)  # fmt: skip
        r4 = run_on(a, "a", "2025-01-15T06:00:00+07:00")
        a.record(rec("a", "4", "Bài 4", "Nội dung 4.", "2025-01-15T06:01:00+07:00"), r4)
        a.runs_by_day = {"r1": r1, "r2": r2, "r3": r3, "rb3": rb3, "r4": r4}
        yield a


def triples(found) -> list[tuple[str, str, str, int]]:
    return [(c.day, c.kind, c.id, c.version) for c in found]


def test_exactly_the_changes_of_the_runs_in_the_window(archive):
    found = changes(archive, since="2025-01-12", until="2025-01-13")
    assert triples(found) == [
        # the 23:50 run's changes count on the day it started, after midnight too
        ("2025-01-13", "edited", "a:2", 2),
        ("2025-01-13", "removed", "a:3", 1),
        ("2025-01-13", "edited", "b:9", 2),
        ("2025-01-12", "new", "a:4", 1),
        ("2025-01-12", "edited", "a:1", 2),
    ]
    edited = next(c for c in found if c.id == "a:1")
    assert edited.previous == 1 and edited.title == "Bài 1 (sửa)"
    assert counts(found) == {"new": 1, "edited": 3, "removed": 1}


def test_a_run_that_changed_nothing_lists_nothing(archive):
    assert changes(archive, since="2025-01-15") == []
    assert changes(archive, run_id=archive.runs_by_day["r4"]) == []


def test_window_edges_site_filter_and_run(archive):
    assert [c.id for c in changes(archive, since="2025-01-10", until="2025-01-10")] == [
        "a:1", "a:2", "a:3", "b:9"
    ]  # fmt: skip
    assert triples(changes(archive, since="2025-01-11", sites=["b"])) == [
        ("2025-01-13", "edited", "b:9", 2)
    ]
    run = changes(archive, run_id=archive.runs_by_day["r3"])
    assert [(c.kind, c.id) for c in run] == [("edited", "a:2"), ("removed", "a:3")]
    assert all(c.run_id == archive.runs_by_day["r3"] for c in run)


def test_an_article_back_online_is_no_longer_removed(archive):
    archive.record(rec("a", "3", "Bài 3", "Nội dung 3.", "2025-01-16T06:00:00+07:00"), None)
    assert [c.kind for c in changes(archive, since="2025-01-13") if c.id == "a:3"] == []


def test_latest_lists_what_changes_lists_newest_first(archive):
    """The feed's list (``latest``): the changes ``changes`` lists over every day, the
    same days and runs, bounded, newest first (versions in archive order, each removal
    placed by when it was seen)."""
    every = latest(archive, limit=1000)
    key = lambda c: (c.day, c.kind, c.id, c.version, c.run_id, c.at)  # noqa: E731
    assert sorted(map(key, every)) == sorted(map(key, changes(archive)))
    assert [(c.kind, c.id, c.version) for c in every[:4]] == [
        ("removed", "a:3", 1),  # seen 01-14 00:01, newer than b:9's edit (01-13 08:01)
        ("edited", "b:9", 2),  # archived after a:2's edit, so listed before it
        ("edited", "a:2", 2),
        ("new", "a:4", 1),
    ]
    assert latest(archive, limit=3) == every[:3]
    assert latest(archive, sites="b") == [c for c in every if c.site == "b"]
    assert latest(archive, only=[("a", "3", 1), ("b", "9", 2)]) == [
        c for c in every if (c.id, c.version) in (("a:3", 1), ("b:9", 2))
    ]  # a removal whose last version is among them, and that version
    assert latest(archive, only=[]) == [] and latest(archive, limit=0) == []


def test_cli_text_json_csv(archive, tmp_path, capsys):
    from luutru.cli import main

    data = str(tmp_path / "data")
    window = ["--since", "12/01/2025", "--until", "2025-01-13", "--data", data]
    assert main(["changes", *window, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counts"] == {"new": 1, "edited": 3, "removed": 1}
    first = out["changes"][0]
    assert first["link"] == "/articles/a:2/versions/2"
    assert first["diff"] == "/articles/a:2/diff?a=1&b=2"
    assert main(["changes", *window]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "2025-01-13"
    assert "removed  a:3 v1  Bài 3" in text and "1 new, 3 edited, 1 removed" in text
    assert main(["changes", *window, "--format", "csv", "--site", "b"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\ufeff"))))
    assert [(r["kind"], r["id"]) for r in rows] == [("edited", "b:9")]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--since", "2025-02-30"], "is not a date"),
        (["--since", "2025-01-14", "--until", "2025-01-12"], "is after --until"),
        (["--run", "999"], "no run 999"),
    ],
)
def test_cli_errors_are_one_line(archive, tmp_path, capsys, argv, message):
    from luutru.cli import main

    with pytest.raises(SystemExit) if "2025-02-30" in argv else _nothing():
        assert main(["changes", *argv, "--data", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


# --------------------------------------------------------------------------- web


@pytest.fixture
def client(archive, tmp_path):
    from fastapi.testclient import TestClient

    from luutru.web.app import create_app
    from luutru.web.settings import WebSettings

    return TestClient(create_app(WebSettings(data=str(tmp_path / "data")), archive=archive))


def test_changes_page_grouped_by_day_in_both_languages(client):
    page = client.get("/changes?since=2025-01-12&until=13/01/2025")
    assert page.status_code == 200
    html = page.text
    # days newest first, each with its sites; items link to their version and diff
    assert html.index('id="day-2025-01-13"') < html.index('id="day-2025-01-12"')
    assert 'data-id="a:3" data-kind="removed"' in html and "đã gỡ" in html
    assert 'href="/articles/a:1/diff?a=1&amp;b=2"' in html
    assert 'href="/articles/a:4/versions/1"' in html
    assert "1 bài mới, 3 bài sửa, 1 bài bị gỡ" in html
    english = client.get("/changes?since=2025-01-12&until=2025-01-13&site=b&lang=en").text
    assert "0 new, 1 edited, 0 removed" in english
    assert 'data-id="a:' not in english


def test_changes_api_and_bad_dates(client):
    data = client.get("/api/changes", params={"since": "2025-01-13", "until": "2025-01-13"})
    assert data.status_code == 200
    body = data.json()
    assert [(c["kind"], c["id"]) for c in body["changes"]] == [
        ("edited", "a:2"), ("removed", "a:3"), ("edited", "b:9")
    ]  # fmt: skip
    bad = client.get("/api/changes?since=2025-02-30")
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    page = client.get("/changes?since=tomorrow")
    assert page.status_code == 400 and 'id="changes-error"' in page.text


def test_run_page_lists_what_the_run_changed(client, archive):
    html = client.get(f"/runs/{archive.runs_by_day['r3']}").text
    assert 'data-id="a:2" data-kind="edited"' in html
    assert 'data-id="a:3" data-kind="removed"' in html and 'data-id="a:1"' not in html
    quiet = client.get(f"/runs/{archive.runs_by_day['r4']}?lang=en").text
    assert "This run added, edited or removed no article." in quiet
