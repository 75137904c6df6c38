"""The serving benchmark's corpus (bench/serve_corpus.py): second versions and near-duplicate
links, as a province's archive has them. Until builder 2 it had no link, and an article
page reading every link of the archive looked cheap in the benchmark."""

from __future__ import annotations

from pathlib import Path

from archive.store import Archive
from bench import serve_corpus


def test_the_corpus_has_second_versions_and_near_duplicate_clusters(tmp_path: Path) -> None:
    serve_corpus.build(tmp_path, 200)
    with Archive.open(tmp_path) as archive, archive.engine.connect() as conn:
        links = conn.exec_driver_sql(
            "SELECT v.number, o.number FROM near_duplicates n "
            "JOIN versions v ON v.id = n.version_id JOIN versions o ON o.id = n.other_version_id"
        ).all()
        seconds = conn.exec_driver_sql("SELECT count(*) FROM versions WHERE number = 2").scalar()
        # the 10th version's article, linked to the 11th, itself linked to the 12th
        ten = conn.exec_driver_sql("SELECT article_id FROM versions WHERE id = 10").scalar()
        assert seconds == 200 // serve_corpus.SECOND_VERSION_EVERY
        # every 5th first version to the next, every 10th's next to the one after
        assert len(links) == (200 // 5 - 1) + (200 // 10 - 1)  # the 200th has no next
        assert set(links) == {(1, 1)}
        assert len(archive.near_duplicate_cluster(ten)) == 3
