"""What changed: the new, edited and removed articles of the runs in a window of days.

One definition shared by ``luutru changes``, the web UI's "Thay đổi / Changes" page,
each run's page (``changes``: a window of days) and the Atom feed (``latest``: the newest
few, whatever their day). Where each kind of change is recorded:

- **new**: a version numbered 1 (``versions.number = 1``);
- **edited**: a version numbered 2 or more (a new content hash: archive/versions.py);
- **removed**: ``articles.status = 'removed'`` with ``removed_at``, the time of the 404/410
  capture (``captures.outcome = 'gone'``) that made it so (archive/crawlstate.py). An
  article that answers again later is live once more (``removed_at`` is cleared), so its
  removal is no longer listed: the list says what is removed *now*.

A change belongs to a run (``versions.run_id``, the removing capture's ``run_id``), and a
run belongs to the day it started, in Vietnam time: ``since``/``until`` select the runs
that started on those days (inclusive), and every change of such a run is listed under
that day, even a version written after midnight. A change written outside any run (an
import, a test) counts on the day it was written. Timestamps are stored as ISO 8601 with
+07:00 (archive/times.py), so a day is a string prefix and string order is time order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date as Date
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, tuple_

from archive.ids import public_id
from archive.schema import articles, captures, runs, versions

KINDS = ("new", "edited", "removed")


@dataclass(frozen=True)
class Change:
    day: str  # YYYY-MM-DD, Vietnam time: the run's start day
    site: str
    kind: str  # new | edited | removed
    id: str  # site:key
    title: str
    version: int  # the version this change made (removed: the last version archived)
    at: str  # when the version was written / the removal was seen (ISO 8601, +07:00)
    run_id: int | None
    url: str
    previous: int | None = None  # edited: the version before

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _day_after(day: str) -> str:
    return (Date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _window_runs(
    conn: Connection, since: str | None, until: str | None, sites: list[str] | None
) -> dict[int, str]:
    """{run id: start day} of the runs that started in the window."""
    query = select(runs.c.id, runs.c.started_at)
    if since:
        query = query.where(runs.c.started_at >= since)
    if until:
        query = query.where(runs.c.started_at < _day_after(until))
    if sites:
        query = query.where(runs.c.site.in_(sites))
    return {row.id: row.started_at[:10] for row in conn.execute(query)}


def _in_window(at: str, since: str | None, until: str | None) -> bool:
    return (not since or at >= since) and (not until or at < _day_after(until))


def changes(
    archive: Any,
    *,
    since: str | Date | None = None,
    until: str | Date | None = None,
    sites: str | Iterable[str] | None = None,
    run_id: int | None = None,
    kinds: Iterable[str] = KINDS,
) -> list[Change]:
    """The changes of the runs started from day ``since`` to day ``until`` (inclusive,
    YYYY-MM-DD, Vietnam time; None: unbounded), or of the run ``run_id`` alone; newest
    day first, then by site, kind (new, edited, removed) and time."""
    since = since.isoformat() if isinstance(since, Date) else since or None
    until = until.isoformat() if isinstance(until, Date) else until or None
    site_list = [sites] if isinstance(sites, str) else list(sites) if sites else None
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValueError(f"kinds must be among {', '.join(KINDS)}, not {sorted(unknown)}")
    found: list[Change] = []
    with archive._read() as conn:
        if run_id is not None:
            row = conn.execute(select(runs.c.started_at).where(runs.c.id == run_id)).first()
            window = {run_id: row.started_at[:10]} if row else {}
            since = until = None
        else:
            window = _window_runs(conn, since, until, site_list)
        run_ids = list(window)
        orphans = run_id is None  # changes written outside any run count by their own time
        if wanted & {"new", "edited"}:
            found += _versions(conn, window, run_ids, orphans, since, until, site_list)
        if "removed" in wanted:
            found += _removals(conn, window, orphans, since, until, site_list)
    found = [c for c in found if c.kind in wanted]
    found.sort(key=lambda c: (c.site, KINDS.index(c.kind), c.at, c.id))
    found.sort(key=lambda c: c.day, reverse=True)  # stable: newest day first
    return found


def latest(
    archive: Any,
    *,
    sites: str | Iterable[str] | None = None,
    only: Iterable[tuple[str, str, int]] | None = None,
    limit: int = 50,
) -> list[Change]:
    """The ``limit`` newest of the changes ``changes`` lists without a window (every new
    or edited version, every article removed now): the Atom feed. Newest first: versions
    in the order they were archived (highest version id first), each removal placed
    among them by when it was seen. ``only``: (site, article key, version) triples (a
    saved search's hits): those versions, and the removals whose last version is one."""
    site_list = [sites] if isinstance(sites, str) else list(sites) if sites else None
    pairs = None if only is None else list(only)
    if limit <= 0 or pairs == []:
        return []
    query = select(*_VERSION_COLUMNS, versions.c.id).join(
        articles, articles.c.id == versions.c.article_id
    )
    gone = _REMOVED.order_by(articles.c.removed_at.desc())
    if site_list is not None:
        query = query.where(articles.c.site.in_(site_list))
        gone = gone.where(articles.c.site.in_(site_list))
    if pairs is not None:
        # row values, not an OR per pair (SQLite caps an expression's depth at 1,000)
        query = query.where(
            tuple_(articles.c.site, articles.c.article_key, versions.c.number).in_(pairs)
        )
        keys = list({(site, key) for site, key, _n in pairs})
        gone = gone.where(tuple_(articles.c.site, articles.c.article_key).in_(keys))
    else:
        gone = gone.limit(limit)
    with archive._read() as conn:
        rows = conn.execute(query.order_by(versions.c.id.desc()).limit(limit)).all()
        removed = _removed(conn, conn.execute(gone).all())
        if pairs is not None:
            wanted = set(pairs)
            removed = [x for x in removed if (x[0].site, x[0].article_key, x[2]) in wanted]
        run_ids = {r.run_id for r in rows} | {x[1] for x in removed}
        started = {
            r.id: r.started_at[:10]
            for r in conn.execute(
                select(runs.c.id, runs.c.started_at).where(runs.c.id.in_(run_ids - {None}))
            )
        }
    edits = [_version_change(r, started.get(r.run_id) or r.fetched_at[:10]) for r in rows]
    removals = [
        _removal_change(r, started.get(run) or r.removed_at[:10], run, number, title)
        for r, run, number, title in removed[:limit]
    ]
    merged = heapq.merge(edits, removals, key=lambda c: c.at, reverse=True)
    return list(itertools.islice(merged, limit))


def _versions(
    conn: Connection,
    window: dict[int, str],
    run_ids: list[int],
    orphans: bool,
    since: str | None,
    until: str | None,
    sites: list[str] | None,
) -> list[Change]:
    cond = [versions.c.run_id.in_(run_ids)] if run_ids else []
    if orphans:
        loose = [versions.c.run_id.is_(None)]
        if since:
            loose.append(versions.c.fetched_at >= since)
        if until:
            loose.append(versions.c.fetched_at < _day_after(until))
        cond.append(and_(*loose))
    if not cond:
        return []
    query = select(*_VERSION_COLUMNS).join(articles, articles.c.id == versions.c.article_id)
    query = query.where(or_(*cond))
    if sites:
        query = query.where(articles.c.site.in_(sites))
    out = []
    for r in conn.execute(query):
        day = window.get(r.run_id) if r.run_id is not None else r.fetched_at[:10]
        if day is not None:
            out.append(_version_change(r, day))
    return out


_VERSION_COLUMNS = (versions.c.number, versions.c.run_id, versions.c.fetched_at, versions.c.title,
                    articles.c.site, articles.c.article_key, articles.c.canonical_url)  # fmt: skip


def _version_change(r: Any, day: str) -> Change:
    """A row of _VERSION_COLUMNS as the change it made: new (version 1) or edited."""
    return Change(
        day=day, site=r.site, kind="new" if r.number == 1 else "edited",
        id=public_id(r.site, r.article_key), title=r.title, version=r.number,
        at=r.fetched_at, run_id=r.run_id, url=r.canonical_url,
        previous=r.number - 1 if r.number > 1 else None,
    )  # fmt: skip


def _removals(
    conn: Connection,
    window: dict[int, str],
    orphans: bool,
    since: str | None,
    until: str | None,
    sites: list[str] | None,
) -> list[Change]:
    """Articles removed now, by the run whose 'gone' capture removed them."""
    query = _REMOVED
    if since and not window and not orphans:
        return []
    if since:  # the removing capture is never older than its run's start
        query = query.where(articles.c.removed_at >= since)
    if sites:
        query = query.where(articles.c.site.in_(sites))
    out = []
    for r, run, number, title in _removed(conn, conn.execute(query).all()):
        if run is not None:
            day = window.get(run)
        else:
            day = r.removed_at[:10] if orphans and _in_window(r.removed_at, since, until) else None
        if day is not None:
            out.append(_removal_change(r, day, run, number, title))
    return out


_REMOVED = select(
    articles.c.id, articles.c.site, articles.c.article_key, articles.c.canonical_url,
    articles.c.removed_at,
).where(articles.c.status == "removed", articles.c.removed_at.is_not(None))  # fmt: skip


def _removed(conn: Connection, removed: list[Any]) -> list[tuple[Any, int | None, int, str]]:
    """(article row of _REMOVED, the run of the capture that removed it, its last version
    number and title) of each removed article with a version."""
    if not removed:
        return []
    ids = [r.id for r in removed]
    by_capture: dict[tuple[int, str], int | None] = {}
    for c in conn.execute(
        select(captures.c.article_id, captures.c.fetched_at, captures.c.run_id).where(
            captures.c.article_id.in_(ids), captures.c.outcome == "gone"
        )
    ):
        by_capture[(c.article_id, c.fetched_at)] = c.run_id
    last: dict[int, tuple[int, str]] = {}
    for v in conn.execute(
        select(versions.c.article_id, versions.c.number, versions.c.title).where(
            versions.c.article_id.in_(ids)
        )
    ):
        if v.article_id not in last or v.number > last[v.article_id][0]:
            last[v.article_id] = (v.number, v.title)
    return [(r, by_capture.get((r.id, r.removed_at)), *last[r.id]) for r in removed if r.id in last]


def _removal_change(r: Any, day: str, run: int | None, number: int, title: str) -> Change:
    return Change(
        day=day, site=r.site, kind="removed", id=public_id(r.site, r.article_key),
        title=title, version=number, at=r.removed_at, run_id=run, url=r.canonical_url,
    )  # fmt: skip


def by_day_and_site(found: Iterable[Change]) -> list[tuple[str, list[tuple[str, list[Change]]]]]:
    """[(day, [(site, [changes])])], in the order of ``found``."""
    days: dict[str, dict[str, list[Change]]] = {}
    for c in found:
        days.setdefault(c.day, {}).setdefault(c.site, []).append(c)
    return [(day, list(sites.items())) for day, sites in days.items()]


def counts(found: Iterable[Change]) -> dict[str, int]:
    """{kind: number of changes}, every kind present."""
    out = dict.fromkeys(KINDS, 0)
    for c in found:
        out[c.kind] += 1
    return out
