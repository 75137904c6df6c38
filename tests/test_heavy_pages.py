"""A crawl of pages as heavy as real portals' (demo portal --padding-kb, 48 KB of script
on every page): every capture whole in the WARC files, each pointer the archive stores
naming its own response record."""

from __future__ import annotations

from pathlib import Path

from archive.store import Archive
from archive.warc import WarcPointer, check_file, read_record
from demo_portal import DemoPortal
from tests.archive_builders import crawl_demo

PADDING_KB = 48


def test_heavy_pages_are_captured_whole_and_found_by_their_pointers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with DemoPortal(articles=24, port=0, padding_kb=PADDING_KB) as portal:
        crawl_demo(portal.base_url, data)
    files = sorted((data / "warc").glob("*/*.warc.gz"))
    assert files and all(check_file(f) == [] for f in files)
    with Archive.open(data) as archive:
        articles = list(archive.articles())
        assert len(articles) >= 20
        checked = 0
        for article in articles:
            version = archive.version(article["article_id"])
            if not version or not version.get("warc_file"):
                continue
            where = Path(version["warc_file"])
            pointer = WarcPointer(where.name, version["warc_offset"], version["warc_length"])
            record = read_record(data / "warc" / where.parent, pointer)
            assert record.rec_type == "response"
            assert record.target_uri == version["fetched_url"]
            assert len(record.payload) > PADDING_KB * 1024
            assert record.payload.rstrip().endswith(b"</html>")
            checked += 1
        assert checked >= 20
