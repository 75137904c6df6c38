"""The operators' views: a site's activity per day (archive/activity.py), the site page
with its three charts, the schedules page (schedule, next and last run, status, health
reasons) and local relative times (SQLite, PostgreSQL)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from archive.activity import daily_activity, run_activity
from archive.records import ArticleRecord
from archive.schema import runs
from archive.store import Archive
from luutru.web.app import create_app
from luutru.web.i18n import MESSAGES
from luutru.web.operator_data import next_fire
from luutru.web.settings import WebSettings
from luutru.web.timefmt import VN_TZ

pytestmark = pytest.mark.usefixtures("backend")

SITE = "demo-aspnet"  # a built-in profile: it has a schedule
NOW = datetime.now(VN_TZ).replace(microsecond=0)
TODAY = NOW.date()


def _at(days_ago: int, minutes: int = 30) -> str:
    """A time in the past (never later than now, whatever the hour the test runs at)."""
    return (NOW - timedelta(days=days_ago, minutes=minutes)).isoformat()


def _day(days_ago: int) -> str:
    return _at(days_ago)[:10]


def _record(key: str, title: str, published: str, fetched_at: str) -> ArticleRecord:
    url = f"http://127.0.0.1:9/News.aspx?id={key}"
    return ArticleRecord(site=SITE, article_key=key, url=url, fetched_url=url, title=title,
                         body=title, date=published, fetched_at=fetched_at)  # fmt: skip


def _run(archive: Archive, started: str, seconds: int, status: str, reasons=None) -> int:
    run_id = archive.start_run(SITE, "schedule")
    archive.finish_run(run_id, status, {"item_scraped_count": 4}, reasons)
    finished = (datetime.fromisoformat(started) + timedelta(seconds=seconds)).isoformat()
    with archive.engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == run_id)
                     .values(started_at=started, finished_at=finished))  # fmt: skip
    return run_id


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "data") as a:
        for key in ("1", "2", "3"):  # three new two days ago, published that day
            a.record(_record(key, f"Tin số {key}", _day(2), _at(2)), None)
        a.record(_record("old", "Tin cũ", "2020-01-01", _at(40)), None)  # outside 30 days
        a.record(_record("1", "Tin số 1 (sửa)", _day(2), _at(0)), None)  # updated today
        ids = {
            "ok": _run(a, _at(3), 90, "succeeded"),
            "failed": _run(a, _at(1), 30, "failed", ["crawl failed: 12 errors"]),
            "last": _run(a, _at(0, 20), 200, "unhealthy", ["zero articles from the listing"]),
        }
        yield a, ids


@pytest.fixture
def client(archive, tmp_path):
    return TestClient(create_app(WebSettings(data=str(tmp_path / "data")), archive=archive[0]))


def test_daily_activity_counts_published_archived_and_updated(archive) -> None:
    a, _ = archive
    first = TODAY - timedelta(days=29)
    days = daily_activity(a, SITE, first, TODAY)
    assert len(days) == 30
    assert days[0].day == first.isoformat() and days[-1].day == TODAY.isoformat()
    by_day = {d.day: d for d in days}
    assert (by_day[_day(2)].published, by_day[_day(2)].archived) == (3, 3)
    assert by_day[_day(0)].updated == 1 and by_day[_day(0)].archived == 0
    assert sum(d.archived for d in days) == 3  # the article first seen 40 days ago is out
    assert daily_activity(a, "other-site", first, TODAY)[-1].archived == 0
    old = daily_activity(a, SITE, date(2020, 1, 1), date(2020, 1, 1))
    assert old[0].published == 1


def test_run_activity_has_durations_in_order(archive) -> None:
    a, ids = archive
    got = run_activity(a, SITE, TODAY - timedelta(days=29))
    assert [r.id for r in got] == [ids["ok"], ids["failed"], ids["last"]]
    assert [r.seconds for r in got] == [90, 30, 200]
    assert [r.status for r in got] == ["succeeded", "failed", "unhealthy"]
    assert got[0].items == 4
    # From the last run's own day (yesterday when the test runs just after midnight).
    assert run_activity(a, SITE, date.fromisoformat(_at(0, 20)[:10]))[0].id == ids["last"]


def _svg(html: str, chart_id: str) -> ET.Element:
    start = html.index('<svg class="chart"', html.index(f'id="figure-{chart_id}"'))
    return ET.fromstring(html[start : html.index("</svg>", start) + 6])


def test_site_page_draws_the_three_charts(client) -> None:
    r = client.get(f"/sites/{SITE}", params={"lang": "en"})
    assert r.status_code == 200, r.text
    html = r.text
    articles = _svg(html, "articles")
    assert len(articles.findall("./g[@class='bars']/g/rect")) == 30 * 3
    assert [g.find("text").text for g in articles.findall("./g[@class='legend']/g")] == [
        "Published", "Archived", "Updated"]  # fmt: skip
    assert articles.find(".//text[@class='axis-label']").text == "Articles"
    two_days = articles.find(f"./g[@class='bars']/g[@data-category='{_day(2)}']")
    assert [rect.get("data-value") for rect in two_days] == ["3", "3", "0"]

    per_day = _svg(html, "runs")
    failed = per_day.findall("./g[@class='bars']/g/rect[@data-series='failed']")
    assert sum(float(x.get("data-value")) for x in failed) == 1

    durations = _svg(html, "durations")
    bars = durations.findall("./g[@class='bars']/g/rect")
    assert [b.get("data-value") for b in bars] == ["1.5", "0.5", "3.33"]  # minutes
    assert "(min)" in durations.find("./g[@class='y-axis']/text[@class='axis-label']").text
    assert [b.get("class").split()[-1] for b in bars] == ["succeeded", "failed", "unhealthy"]
    assert "zero articles from the listing" in html  # the health reason of the last run
    totals = "3 published, 3 newly archived, 1 new versions; 3 runs, 2 failed"
    assert f'id="site-totals">{totals}' in html
    ninety = client.get(f"/sites/{SITE}", params={"days": 90}).text
    assert len(_svg(ninety, "articles").findall("./g[@class='bars']/g/rect")) == 90 * 3


def test_site_page_errors(client) -> None:
    assert client.get("/sites/nowhere").status_code == 404
    bad = client.get(f"/sites/{SITE}", params={"days": 7})
    assert bad.status_code == 400 and "days must be one of 30, 90" in bad.text


def test_schedules_page_shows_next_last_status_and_reasons(client, archive) -> None:
    _, ids = archive
    html = client.get("/schedules", params={"lang": "en"}).text
    row = html[html.index(f'id="schedule-{SITE}"') :]
    row = row[: row.index("</tr>")]
    assert f'href="/sites/{SITE}?lang=en"' in row
    assert f'href="/runs/{ids["last"]}?lang=en">#{ids["last"]}</a>' in row
    assert "unhealthy" in row and "zero articles from the listing" in row
    assert "from the cron schedule" in row  # no scheduler: the next run is the cron's
    assert f'<time datetime="{_at(0, 20)}"' in row and "ago)" in row


def test_times_are_local_and_relative_on_the_pages(client, archive) -> None:
    _, ids = archive
    vi = client.get(f"/runs/{ids['last']}").text
    assert f'<time datetime="{_at(0, 20)}"' in vi and "trước)" in vi
    runs_page = client.get("/runs", params={"lang": "en"}).text
    assert "ago)" in runs_page and f">{_at(0, 20)}<" not in runs_page


def test_next_fire_follows_the_cron_in_vietnam_time() -> None:
    now = datetime(2026, 1, 2, 10, 5, tzinfo=VN_TZ)
    assert next_fire("30 6 * * *", now) == "2026-01-03T06:30:00+07:00"
    assert next_fire("not a cron", now) is None


def test_every_message_exists_in_both_languages() -> None:
    assert set(MESSAGES["vi"]) == set(MESSAGES["en"])


@pytest.mark.parametrize("path", [f"/sites/{SITE}", "/schedules", "/runs"])
def test_the_language_switch_covers_the_new_strings(client, path: str) -> None:
    from luutru.web.messages_operators import MESSAGES as NEW

    en = client.get(path, params={"lang": "en"}).text
    vi = client.get(path).text
    assert '<html lang="en">' in en
    leftover = [text for key, text in NEW["vi"].items()
                if "{" not in text and NEW["en"][key] != text and f">{text}<" in en]  # fmt: skip
    assert leftover == []
    assert "trước)" in vi and "trước)" not in en and "ago)" in en
