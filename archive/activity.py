"""A site's activity over a window of days, for the operators' charts: articles published
(by the date they carry), archived (first seen) and updated (a new version captured) per
day, and its runs (start, end, status, duration).

Days are calendar days in Vietnam time. Every timestamp in the archive is stored as ISO
8601 with +07:00 (archive/times.py), so the first ten characters of one are its local day
and a day is grouped in SQL with ``substr`` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from archive.schema import articles, runs, versions


@dataclass
class DayActivity:
    day: str  # YYYY-MM-DD, Vietnam time
    published: int = 0  # articles whose current version is dated this day
    archived: int = 0  # articles first seen this day
    updated: int = 0  # later versions (2, 3, …) captured this day


@dataclass
class RunActivity:
    id: int
    started_at: str
    finished_at: str | None
    status: str
    seconds: float | None  # None while running or when a timestamp is unreadable
    items: int  # articles scraped (the crawl's item count)


def days_between(first: date, last: date) -> list[str]:
    """Every day from ``first`` to ``last`` inclusive, as YYYY-MM-DD (empty days too)."""
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _per_day(conn: Any, query: Any) -> dict[str, int]:
    return {str(day): int(n) for day, n in conn.execute(query)}


def daily_activity(archive: Any, site: str, first: date, last: date) -> list[DayActivity]:
    """One row per day from ``first`` to ``last`` (inclusive), oldest first."""
    lo, hi = first.isoformat(), last.isoformat()
    current = (
        select(versions.c.article_id, func.max(versions.c.number).label("number"))
        .group_by(versions.c.article_id)
        .subquery("current")
    )
    published_day = versions.c.date
    published = (
        select(published_day, func.count())
        .select_from(articles)
        .join(current, current.c.article_id == articles.c.id)
        .join(
            versions,
            and_(versions.c.article_id == articles.c.id, versions.c.number == current.c.number),
        )
        .where(articles.c.site == site, published_day >= lo, published_day <= hi)
        .group_by(published_day)
    )
    seen_day = func.substr(articles.c.first_seen, 1, 10)
    archived = (
        select(seen_day, func.count())
        .where(articles.c.site == site, seen_day >= lo, seen_day <= hi)
        .group_by(seen_day)
    )
    fetched_day = func.substr(versions.c.fetched_at, 1, 10)
    updated = (
        select(fetched_day, func.count())
        .select_from(versions)
        .join(articles, articles.c.id == versions.c.article_id)
        .where(articles.c.site == site, versions.c.number > 1, fetched_day >= lo, fetched_day <= hi)
        .group_by(fetched_day)
    )
    with archive.engine.connect() as conn:
        by_published = _per_day(conn, published)
        by_archived = _per_day(conn, archived)
        by_updated = _per_day(conn, updated)
    return [
        DayActivity(d, by_published.get(d, 0), by_archived.get(d, 0), by_updated.get(d, 0))
        for d in days_between(first, last)
    ]


def _seconds(started: str | None, finished: str | None) -> float | None:
    if not started or not finished:
        return None
    try:
        delta = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
    except (TypeError, ValueError):  # a hand-edited row: no duration rather than an error
        return None
    return max(delta.total_seconds(), 0.0)


def _items(stats: str | None) -> int:
    try:
        data = json.loads(stats) if stats else {}
    except ValueError:
        return 0
    return int(data.get("item_scraped_count") or data.get("luutru/records") or 0)


def run_activity(archive: Any, site: str, first: date) -> list[RunActivity]:
    """The site's runs started on ``first`` or later, oldest first."""
    query = (
        select(runs.c.id, runs.c.started_at, runs.c.finished_at, runs.c.status, runs.c.stats)
        .where(runs.c.site == site, func.substr(runs.c.started_at, 1, 10) >= first.isoformat())
        .order_by(runs.c.started_at, runs.c.id)
    )
    with archive.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        RunActivity(
            int(r.id),
            r.started_at,
            r.finished_at,
            r.status,
            _seconds(r.started_at, r.finished_at),
            _items(r.stats),
        )
        for r in rows
    ]
