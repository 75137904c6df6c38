"""The Atom feed of new, edited and removed articles (/feeds/changes.atom): what `luutru
changes` lists (archive/changes.py), read with feedparser and checked against RFC 4287's
required elements with lxml. Both backends.

The archive (tests/archive_builders.py ``plant_memento_archive``), archived in this order:
m1 version 1 ("… tổng kết …"), m1 version 2 ("… sơ kết …", its title changed), an
unchanged capture of m1, m2 (demo-liferay), m3; then, for the hostile test, m4; then m5,
archived on 2024-06-01 and removed from the site (404, gone from the listings) on
2024-06-20: the newest change.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from archive.changes import changes
from archive.records import Gone
from archive.store import Archive
from luutru.web.app import create_app
from luutru.web.settings import WebSettings
from tests.archive_builders import plant_memento_archive, plant_versions

pytestmark = pytest.mark.usefixtures("backend_module")
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://testserver"
REMOVED_AT = "2024-06-20T08:00:00+07:00"


@pytest.fixture(scope="module")
def world(backend_module: str | None, tmp_path_factory: pytest.TempPathFactory) -> dict:
    data: Path = tmp_path_factory.mktemp("feed-archive")
    ids = plant_memento_archive(data)
    ids["m4"] = plant_versions(
        data,
        key="m4",
        url="https://portal.example.vn/tin/m4",
        fetched_url="https://portal.example.vn/tin/m4",
        captures=[("2024-05-30T07:00:00+07:00", "Tin \x0bcó ký tự <điều khiển> & lạ", b"<p/>")],
    )
    ids["m5"] = plant_versions(
        data,
        key="m5",
        url="https://portal.example.vn/tin/m5",
        fetched_url="https://portal.example.vn/tin/m5",
        captures=[("2024-06-01T07:00:00+07:00", "Thông báo đã gỡ", b"<p>m5</p>")],
    )
    with Archive.open(data) as archive:
        run = archive.start_run("demo-aspnet")
        gone = Gone("demo-aspnet", "m5", "https://portal.example.vn/tin/m5",
                    REMOVED_AT, 404, vanished=True)  # fmt: skip
        assert archive.gone(gone, run) == "removed"
        archive.finish_run(run, "ok")
    return {"data": data, **ids}


@pytest.fixture(scope="module")
def client(world: dict) -> TestClient:
    return TestClient(create_app(WebSettings(data=str(world["data"]))))


def fetch(client: TestClient, **params: object) -> feedparser.FeedParserDict:
    r = client.get("/feeds/changes.atom", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    required_elements(r.content)
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def required_elements(body: bytes) -> None:
    """RFC 4287: the feed's id, title, updated, an author and a self link; each entry's
    id, title, updated and an alternate link."""
    root = etree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    for entry in root.iter(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


def test_feed_lists_new_changed_and_removed_articles_newest_first(
    client: TestClient, world: dict
) -> None:
    feed = fetch(client, lang="en")
    m1, m2, m3, m4, m5 = (world[k] for k in ("m1", "m2", "m3", "m4", "m5"))
    links = [e.link for e in feed.entries]
    assert links == [
        f"{BASE}/articles/{m5}",  # removed: the newest change, linking to the article
        f"{BASE}/articles/{m5}/versions/1",
        f"{BASE}/articles/{m4}/versions/1",
        f"{BASE}/articles/{m3}/versions/1",
        f"{BASE}/articles/{m2}/versions/1",
        f"{BASE}/articles/{m1}/versions/2",  # the unchanged capture is no entry
        f"{BASE}/articles/{m1}/versions/1",
    ]
    assert feed.feed.title.startswith("luutru")
    assert feed.feed.links[0].rel == "self"
    assert feed.feed.links[0].href == f"{BASE}/feeds/changes.atom"
    changed = feed.entries[5]
    assert changed.title == "Hội nghị sơ kết công tác"
    assert changed.updated_parsed[:5] == (2024, 6, 10, 2, 30)  # 09:30 +07:00
    assert "Version 2, changed: title" in changed.summary and "Tóm tắt" in changed.summary
    diff = [link.href for link in changed.links if link.rel == "related"]
    assert diff == [f"{BASE}/articles/{m1}/versions/2?a=1&b=2#diff"]
    assert changed.author == "Phòng Truyền thông"
    assert {t.term for t in changed.tags} == {"updated", "demo-aspnet"}
    first = feed.entries[6]
    assert "New article" in first.summary
    assert not [link for link in first.links if link.rel == "related"]  # nothing to diff
    assert {t.term for t in first.tags} == {"new", "demo-aspnet"}
    # the feed is as new as its newest entry: the removal
    assert feed.feed.updated_parsed[:4] == (2024, 6, 20, 1)


def test_a_removed_article_appears_as_removed(client: TestClient, world: dict) -> None:
    removed = fetch(client, lang="en").entries[0]
    assert {t.term for t in removed.tags} == {"removed", "demo-aspnet"}
    assert removed.title == "Thông báo đã gỡ"  # its last version's title
    assert removed.summary.startswith("Removed from the site (last version: 1).")
    assert removed.updated_parsed[:5] == (2024, 6, 20, 1, 0)
    assert not [link for link in removed.links if link.rel == "related"]
    assert client.get(removed.link).status_code == 200
    vi = fetch(client).entries[0]
    assert vi.summary.startswith("Bài đã bị gỡ") and vi.id == removed.id


def test_feed_lists_what_changes_lists(client: TestClient, world: dict) -> None:
    """One definition: the feed's entries are `luutru changes`'s list over every day."""
    kinds = {"new": "new", "updated": "edited", "removed": "removed"}
    listed = set()
    for e in fetch(client, limit=200).entries:
        kind = next(kinds[t.term] for t in e.tags if t.term in kinds)
        path = e.link[len(BASE) :].split("/")
        version = int(path[4]) if kind != "removed" else None
        listed.add((kind, path[2].replace("%3A", ":"), version))
    with Archive.open(world["data"]) as archive:
        every = changes(archive)
    assert listed == {(c.kind, c.id, None if c.kind == "removed" else c.version) for c in every}
    assert ("removed", world["m5"], None) in listed


def test_entry_ids_are_stable_and_distinct(client: TestClient) -> None:
    one = [e.id for e in fetch(client).entries]
    assert one == [e.id for e in fetch(client).entries]
    assert len(set(one)) == len(one)
    assert all(i.startswith("urn:uuid:") for i in one)


def test_the_links_lead_to_the_version_and_the_diff(client: TestClient) -> None:
    changed = fetch(client).entries[5]
    for link in changed.links:
        r = client.get(link.href)
        assert r.status_code == 200, link.href
    diff_page = client.get(next(x.href for x in changed.links if x.rel == "related")).text
    assert "<del>" in diff_page and "<ins>" in diff_page


def test_site_filter(client: TestClient, world: dict) -> None:
    feed = fetch(client, site="demo-liferay")
    assert [e.link for e in feed.entries] == [f"{BASE}/articles/{world['m2']}/versions/1"]
    assert feed.feed.links[0].href == f"{BASE}/feeds/changes.atom?site=demo-liferay"
    assert fetch(client, site="no-such-site").entries == []


def test_saved_search_lists_the_matching_versions(client: TestClient, world: dict) -> None:
    m1 = world["m1"]
    old_title = fetch(client, q="tổng kết")  # only version 1 says it
    assert [e.link for e in old_title.entries] == [f"{BASE}/articles/{m1}/versions/1"]
    both = fetch(client, q="hoi nghi")  # folded: both versions of m1
    assert [e.link for e in both.entries] == [
        f"{BASE}/articles/{m1}/versions/2",
        f"{BASE}/articles/{m1}/versions/1",
    ]
    assert "hoi nghi" in both.feed.title
    assert fetch(client, q="hoi nghi", site="demo-liferay").entries == []
    assert fetch(client, q="khongcotu").entries == []
    gone = fetch(client, q="thông báo đã gỡ")  # a removed article's last version matches
    assert [e.link for e in gone.entries] == [
        f"{BASE}/articles/{world['m5']}",
        f"{BASE}/articles/{world['m5']}/versions/1",
    ]


def test_limit_bounds_the_feed(client: TestClient) -> None:
    assert len(fetch(client, limit=2).entries) == 2
    assert client.get("/feeds/changes.atom", params={"limit": 0}).status_code == 400


def test_a_bad_saved_search_is_400(client: TestClient) -> None:
    r = client.get("/feeds/changes.atom", params={"q": '"unclosed'})
    assert r.status_code == 400


def test_text_xml_cannot_carry_is_dropped_and_markup_escaped(client: TestClient) -> None:
    entry = fetch(client).entries[2]
    assert entry.title == "Tin có ký tự <điều khiển> & lạ"


def test_pages_advertise_the_feed(client: TestClient) -> None:
    home = client.get("/").text
    assert '<link rel="alternate" type="application/atom+xml"' in home
    assert 'href="/feeds/changes.atom"' in home
    search = client.get("/search", params={"q": "hội nghị", "site": "demo-aspnet"}).text
    assert 'href="/feeds/changes.atom?q=h%E1%BB%99i+ngh%E1%BB%8B&amp;site=demo-aspnet"' in search
