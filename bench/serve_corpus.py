"""The serving benchmark's archive (bench/serve.py): bench/search.py's corpus with second
versions and near-duplicate links, built once per size and schema and cached under
``bench/data/serve-N/`` (gitignored), and the articles and versions its readers ask for."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.crawl import SITES

DATA = Path(__file__).resolve().parent / "data"
BUILDER = 2  # bump when the corpus changes: cached archives of another builder are rebuilt
SECOND_VERSION_EVERY = 10
# Every 5th article's first version is a near-duplicate of the next article's, and every
# 10th's next article of the one after that (pairs and threes: 30,000 links at 100,000
# articles), as a province's portals republish each other's notices. Until builder 2
# the corpus had none, and an article page that read every link of the archive looked
# cheap (docs/performance.md, "Twentieth pass").
LINK_EVERY = 5


def second_versions_sql(newline: str) -> str:
    """Version 2 of every 10th article: its body with one more paragraph."""
    return (
        "INSERT INTO versions (article_id, number, fetched_at, content_hash, title, "
        "date, author, summary, body, category) "
        "SELECT article_id, 2, '2026-01-02T08:00:00+07:00', "
        "substr(content_hash, 1, 63) || '2', title, "
        f"date, author, summary, body || {newline} || {newline} || "
        "'Cập nhật: Sở đã bổ sung danh sách người có công được hỗ trợ.', category "
        # integer division on both backends (psycopg would read a % as a placeholder)
        f"FROM versions WHERE number = 1 AND article_id - article_id / {SECOND_VERSION_EVERY}"
        f" * {SECOND_VERSION_EVERY} = 0"
    )


def _near_duplicates_sql(every: int, step: int) -> str:
    """Links from the first version of every ``every``-th article (by version id) to the
    first version ``step`` ids on, when there is one."""
    return (
        "INSERT INTO near_duplicates (version_id, other_version_id, similarity, found_at) "
        "SELECT v.id + " + str(step - 1) + ", o.id, 0.85, '2026-01-02T09:00:00+07:00' "
        "FROM versions v JOIN versions o ON o.id = v.id + " + str(step) + " AND o.number = 1 "
        f"WHERE v.number = 1 AND v.id - v.id / {every} * {every} = 0"
    )


LINKS_SQL = (_near_duplicates_sql(LINK_EVERY, 1), _near_duplicates_sql(2 * LINK_EVERY, 2))


def _add_second_versions(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(second_versions_sql("char(10)"))
            for sql in LINKS_SQL:
                conn.execute(sql)
    finally:
        conn.close()


def upsert_demo_sites(archive: Any) -> None:
    """The demo sites' rows as their profiles give them, as the crawl beside the readers
    writes them when it starts: other names (the search bench's) made that first write a
    site change, which recomputes every cached search at once (site changes are never
    lagged), an artefact no real archive has at each crawl."""
    from crawler.profiles import get_profile

    for site in SITES:
        profile = get_profile(site)
        archive.upsert_site(profile.id, profile.name, profile.province, profile.department)


def build(target: Path, articles: int) -> None:
    from archive.store import Archive
    from bench.search import _bulk_insert, _sentences

    rng = random.Random("bench-serve")
    pool = _sentences(rng, 5_000)
    with Archive.open(target) as archive:
        upsert_demo_sites(archive)
        path = archive.path
        assert path is not None
        _bulk_insert(path, 0, articles, rng, pool)
        _add_second_versions(path)
        archive.reindex_search()


def cached_archive(articles: int) -> Path:
    """The directory of a built archive of ``articles`` articles (built when missing)."""
    from alembic.script import ScriptDirectory

    from archive.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    where = DATA / f"serve-{articles}"
    key = {"articles": articles, "schema": head, "builder": BUILDER}
    marker = where / "built.json"
    try:
        if json.loads(marker.read_text("utf-8")) == key:
            return where
    except (OSError, ValueError):
        pass
    shutil.rmtree(where, ignore_errors=True)
    building = DATA / f".serve-{articles}-{uuid.uuid4().hex[:8]}"
    building.mkdir(parents=True)
    t0 = time.perf_counter()
    build(building, articles)
    print(f"serve: built a {articles:,}-article archive in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)  # fmt: skip
    (building / "built.json").write_text(json.dumps(key), "utf-8")
    building.rename(where)
    return where


def sample_requests(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """Public ids of 500 articles and 500 (id, version number) pairs to request."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT site || ':' || article_key FROM articles ORDER BY random() LIMIT 500"
        ).fetchall()
        pairs = conn.execute(
            "SELECT a.site || ':' || a.article_key, v.number FROM versions v "
            "JOIN articles a ON a.id = v.article_id ORDER BY random() LIMIT 500"
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows], [(r[0], int(r[1])) for r in pairs]
