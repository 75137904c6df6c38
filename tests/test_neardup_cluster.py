"""One article's near-duplicate cluster (``Archive.near_duplicate_cluster``), found by
following its links out from the article, against the archive-wide clusters
(``near_duplicate_clusters``) that the article page read before: the same members, on
both backends, for links on either side, through second versions, and bounded by
``CLUSTER_LIMIT``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, select

from archive import history
from archive.records import ArticleRecord
from archive.schema import articles, near_duplicates, versions
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured

# Articles a..h; "b2" is b's second version. Links (version, other version):
# a-b, b2-c (c reached through b's second version), d-e and e-d stored both ways round,
# f-g-h as a chain stored against the flow (g-f, h-g); "lone" has none.
LINKS = [("a", "b"), ("b2", "c"), ("d", "e"), ("e", "d"), ("g", "f"), ("h", "g")]
KEYS = ["a", "b", "c", "d", "e", "f", "g", "h", "lone"]


def _record(key: str, title: str, at: str) -> ArticleRecord:
    # bodies under MinHash's 20 words: no link is made but those written here
    return ArticleRecord(
        site="tinh-a" if key in "aceg" else "tinh-b",
        article_key=key,
        url=f"https://tinh.gov.vn/tin/{key}",
        fetched_url=f"https://tinh.gov.vn/tin/{key}",
        title=title,
        body=f"Nội dung ngắn {title}.",
        fetched_at=at,
        raw_html=title.encode(),
    )


@pytest.fixture
def archive(tmp_path) -> Any:
    with Archive.open(tmp_path / "data") as archive:
        run = archive.start_run("tinh-a")
        for key in KEYS:
            archive.record(_record(key, f"Tin {key}", "2025-01-15T09:00:00+07:00"), run)
        archive.record(_record("b", "Tin b sửa lại", "2025-01-16T09:00:00+07:00"), run)
        with archive.engine.begin() as conn:
            ids = {
                (key, number): vid
                for key, number, vid in conn.execute(
                    select(articles.c.article_key, versions.c.number, versions.c.id).join(
                        versions, versions.c.article_id == articles.c.id
                    )
                )
            }

            def vid(name: str) -> int:
                return ids[(name[0], int(name[1:] or 1))]

            conn.execute(
                insert(near_duplicates),
                [
                    {
                        "version_id": vid(a),
                        "other_version_id": vid(b),
                        "similarity": 0.9,
                        "found_at": "2025-01-16T10:00:00+07:00",
                    }
                    for a, b in LINKS
                ],
            )
        yield archive


def _internal(archive: Archive, key: str) -> int:
    return archive.find(("tinh-a:" if key in "aceg" else "tinh-b:") + key)["article_id"]


def _ids(members: list[dict]) -> list[str]:
    return [m["id"] for m in members]


@pytest.mark.parametrize("key", KEYS)
def test_cluster_of_an_article_is_its_archive_wide_cluster(archive, key) -> None:
    public = ("tinh-a:" if key in "aceg" else "tinh-b:") + key
    expected = next((c for c in archive.near_duplicate_clusters() if public in _ids(c)), [])
    got = archive.near_duplicate_cluster(_internal(archive, key))
    assert _ids(got) == _ids(expected)


def test_clusters_found_through_either_side_and_second_versions(archive) -> None:
    assert _ids(archive.near_duplicate_cluster(_internal(archive, "c"))) == [
        "tinh-a:a", "tinh-a:c", "tinh-b:b"
    ]  # fmt: skip
    assert _ids(archive.near_duplicate_cluster(_internal(archive, "f"))) == [
        "tinh-a:g", "tinh-b:f", "tinh-b:h"
    ]  # fmt: skip


def test_an_article_without_links_has_no_cluster(archive) -> None:
    assert archive.near_duplicate_cluster(_internal(archive, "lone")) == []


def test_members_describe_their_newest_linked_version(archive) -> None:
    members = {m["id"]: m for m in archive.near_duplicate_cluster(_internal(archive, "a"))}
    # b is linked by both its versions: its second (newest) names it
    assert members["tinh-b:b"]["title"] == "Tin b sửa lại"
    assert members["tinh-a:a"] == {
        "id": "tinh-a:a",
        "site": "tinh-a",
        "title": "Tin a",
        "url": "https://tinh.gov.vn/tin/a",
    }


def test_the_walk_stops_at_the_limit(archive, monkeypatch) -> None:
    monkeypatch.setattr(history, "CLUSTER_LIMIT", 2)
    got = _ids(archive.near_duplicate_cluster(_internal(archive, "f")))
    # one hop from f reaches g only; the limit stops the walk before h
    assert got == ["tinh-a:g", "tinh-b:f"]
