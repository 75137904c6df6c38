"""``record_many`` (archive/batchwrites.py) stores a batch exactly as ``record`` one record
after another would: same outcomes, same rows, same near-duplicate links."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.records import ArticleRecord, WarcRef
from archive.schema import aliases, articles, captures, key_aliases, near_duplicates, versions
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured

SITE = "tinh-a"
LONG = (
    "Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác chuyển đổi số năm 2024 và triển "
    "khai nhiệm vụ năm 2025 với sự tham dự của lãnh đạo các sở ngành huyện thị xã thành phố "
    "cùng đại diện doanh nghiệp viễn thông trên địa bàn tỉnh"
)


def rec(key: str, body: str, at: int, **extra) -> ArticleRecord:
    url = f"https://tinh-a.gov.vn/tin/{key}"
    fields = dict(
        site=SITE,
        article_key=key,
        url=url,
        fetched_url=url + "?p=1",
        title=f"Tin {body[:20]}",
        body=body,
        body_html=f"<p>{body}</p>",
        date="2025-01-15",
        fetched_at=f"2025-01-15T09:{at:02d}:00+07:00",
        etag=f'"{key}-{at}"',
        warc=WarcRef(f"{SITE}/x.warc.gz", at * 100, 90, f"sha1:{key}{at}"),
    )
    fields.update(extra)
    return ArticleRecord(**fields)


def batches() -> list[list[ArticleRecord]]:
    a = rec("a", "Bài A.", 1)
    return [
        [
            a,
            rec("b", "Bài B.", 2),
            # the same content under a new key: an alias of a (written earlier in the batch)
            dataclasses.replace(
                a,
                article_key="c",
                url="https://tinh-a.gov.vn/tin/c",
                fetched_at="2025-01-15T09:03:00+07:00",
            ),
            rec("a", "Bài A, sửa.", 4),  # a twice in one batch: version 2
            rec("d", "Bài D.", 5, key_aliases=["x", "a"]),  # x a new key of d; a taken
            rec("e", "Bài E.", 6, aliases=["https://tinh-a.gov.vn/tin/a"]),  # a's URL
            rec("h", LONG + " hôm nay", 7),
            rec("i", LONG + " hôm qua", 8),  # a near-duplicate of h
        ],
        [
            rec("a", "Bài A, sửa.", 10),  # unchanged
            rec("b", "Bài B, sửa.", 11),  # updated
            rec("f", "Bài B, sửa.", 12),  # b's new current content: alias of b
            rec("g", "Bài B.", 13),  # b's old content, no longer current: new
            rec("x", "Bài D, sửa.", 14),  # the key alias of d: d's version 2
            rec("j", LONG + " ngày mai", 15),  # a near-duplicate of h and i
        ],
    ]


def dump(archive: Archive) -> dict:
    """Every row, keyed by what it means rather than by ids."""
    with archive.engine.connect() as conn:
        key = dict(conn.execute(select(articles.c.id, articles.c.article_key)).all())
        vers = {
            r.id: (key[r.article_id], r.number)
            for r in conn.execute(select(versions.c.id, versions.c.article_id, versions.c.number))
        }
        return {
            "articles": sorted(
                (r.article_key, r.canonical_url, r.first_seen, r.last_seen, r.etag, r.status)
                for r in conn.execute(select(articles))
            ),
            "versions": sorted(
                (
                    key[r.article_id],
                    r.number,
                    r.content_hash,
                    r.fetched_at,
                    r.warc_offset,
                    r.minhash,  # the same signature bytes, whichever thread computed them
                )
                for r in conn.execute(select(versions))
            ),
            "aliases": sorted(
                (r.url, key[r.article_id], r.first_seen) for r in conn.execute(select(aliases))
            ),
            "key_aliases": sorted(
                (r.article_key, key[r.article_id], r.first_seen)
                for r in conn.execute(select(key_aliases))
            ),
            "captures": [
                (key[r.article_id], vers.get(r.version_id), r.outcome, r.fetched_at, r.warc_offset)
                for r in conn.execute(select(captures).order_by(captures.c.id))
            ],
            "near_duplicates": sorted(
                (vers[r.version_id], vers[r.other_version_id])
                for r in conn.execute(select(near_duplicates))
            ),
        }


def test_record_many_matches_record_one_by_one(tmp_path: Path) -> None:
    # The reference: one record() after another, in a SQLite archive of its own.
    with Archive.open(url=f"sqlite:///{tmp_path / 'one.sqlite'}") as one:
        run = one.start_run(SITE)
        one_outcomes = [[one.record(r, run) for r in batch] for batch in batches()]
        expected = dump(one)
    with Archive.open(tmp_path / "many") as many:
        run = many.start_run(SITE)
        outcomes = [many.record_many(batch, run) for batch in batches()]
        got = dump(many)
    assert outcomes == one_outcomes
    assert outcomes == [
        ["new", "new", "alias", "updated", "new", "new", "new", "new"],
        ["unchanged", "updated", "alias", "new", "updated", "new"],
    ]
    assert got == expected
    # what the scenario is about, stated once more on the rows themselves
    assert ("x", "d", "2025-01-15T09:05:00+07:00") in got["key_aliases"]
    assert not any(k == "a" and owner == "d" for k, owner, _ in got["key_aliases"])
    assert ("https://tinh-a.gov.vn/tin/a", "a", "2025-01-15T09:01:00+07:00") in got["aliases"]
    pairs = set(got["near_duplicates"])
    assert {(("i", 1), ("h", 1)), (("j", 1), ("h", 1)), (("j", 1), ("i", 1))} <= pairs
    assert all(v > o for v, o in pairs)  # each pair once, from its newer version


def test_failed_batch_stores_nothing(tmp_path: Path, monkeypatch) -> None:
    from archive import batchwrites

    with Archive.open(tmp_path) as archive:
        run = archive.start_run(SITE)

        def boom(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(batchwrites, "_claim_urls", boom)
        with pytest.raises(OSError):
            archive.record_many(batches()[0], run)
        monkeypatch.undo()
        assert archive.counts()["articles"] == 0
        assert archive.captures(1) == []
        assert archive.record_many(batches()[0][:2], run) == ["new", "new"]


def test_signatures_of_an_older_scheme_are_computed_again(tmp_path: Path) -> None:
    """A v1 signature (SHA-1 shingles, untagged) is not comparable with the current ones:
    loading the near-duplicate index signs its version again and stores the result."""
    from archive import neardup

    with Archive.open(tmp_path) as archive:
        run = archive.start_run(SITE)
        archive.record(rec("h", LONG + " hôm nay", 1), run)
        old = b"\x01" * 512  # a v1 signature: 512 bytes, no tag
        with archive.engine.begin() as conn:
            conn.execute(versions.update().values(minhash=old))
    with Archive.open(tmp_path) as archive:
        run = archive.start_run(SITE)
        archive.record(rec("i", LONG + " hôm qua", 2), run)  # loads the index
        with archive.engine.connect() as conn:
            stored = dict(conn.execute(select(versions.c.article_id, versions.c.minhash)).all())
            links = conn.execute(select(near_duplicates)).all()
    assert all(neardup.is_current(sig) for sig in stored.values())
    assert stored[1] == neardup.signature(LONG + " hôm nay")
    assert len(links) == 1  # found against the re-signed version


def test_an_archives_first_write_sets_the_full_text_merge_level(tmp_path: Path) -> None:
    """Archives made before ``AUTOMERGE`` get it at their first write (search_index.py)."""
    from archive.search_index import AUTOMERGE, FTS_TABLES

    def levels(archive: Archive) -> list[object]:
        with archive.engine.connect() as conn:
            return [conn.exec_driver_sql(f"SELECT v FROM {name}_config WHERE k = 'automerge'")
                    .scalar() for name in FTS_TABLES]  # fmt: skip

    with Archive.open(url=f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        with archive._write() as conn:  # as an older luutru left it: FTS5's own default
            for name in FTS_TABLES:
                conn.exec_driver_sql(f"INSERT INTO {name}({name}, rank) VALUES ('automerge', 4)")
        assert levels(archive) == [4, 4]
        run = archive.start_run(SITE)
        archive.record_many(batches()[0], run)
        assert levels(archive) == [AUTOMERGE, AUTOMERGE] != [4, 4]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_writes_batches_with_helper_threads_of_its_own(tmp_path: Path) -> None:
    """The MinHash thread (batchwrites.py ``_helpers``) started in the parent does not exist
    in a forked child; the child's record_many must not wait for it."""
    with Archive.open(url=f"sqlite:///{tmp_path / 'parent.sqlite'}") as archive:
        archive.record_many(batches()[0][:2], archive.start_run(SITE))  # the thread is up
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if its batch was written
        code = 1
        try:
            with Archive.open(url=f"sqlite:///{tmp_path / 'child.sqlite'}") as child:
                outcomes = child.record_many(batches()[0], child.start_run(SITE))
                code = 0 if outcomes[0] == "new" else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child's record_many hung")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("one_by_one", [False, True], ids=["record_many", "record"])
def test_a_version_links_its_most_similar_copies_only(tmp_path: Path, one_by_one: bool) -> None:
    """A text republished many times: each new copy is linked to at most
    ``neardup.MAX_LINKS`` earlier ones, the most similar, and all copies still make one
    cluster (clusters are joined through the links)."""
    from archive import neardup

    copies = neardup.MAX_LINKS + 5
    # Copy k has its last k words replaced: near-duplicates all, each unlike the others
    # in its own measure.
    words = " ".join(f"đoạn {i} nói về công tác năm {2000 + i}" for i in range(45)).split()
    texts = [" ".join(words[: len(words) - k] + ["khác"] * k) for k in range(copies)]
    signatures = [neardup.signature(text) for text in texts]
    assert neardup.similarity(signatures[0], signatures[-1]) >= neardup.THRESHOLD
    records = [rec(f"k{n}", text, n) for n, text in enumerate(texts)]
    with Archive.open(tmp_path) as archive:
        run = archive.start_run(SITE)
        if one_by_one:
            for record in records:
                archive.record(record, run)
        else:
            archive.record_many(records, run)
        got = dump(archive)
        clusters = archive.near_duplicate_clusters()
    links: dict[int, set[int]] = {}
    for (key, _), (other, _) in got["near_duplicates"]:
        links.setdefault(int(key[1:]), set()).add(int(other[1:]))
    last = copies - 1
    assert len(links[last]) == neardup.MAX_LINKS
    assert all(len(found) <= neardup.MAX_LINKS for found in links.values())
    assert len(links[neardup.MAX_LINKS]) == neardup.MAX_LINKS  # every earlier copy
    # the ones left out are no more like the last copy than those linked
    like_last = {n: neardup.similarity(signatures[n], signatures[last]) for n in range(last)}
    left_out = set(range(last)) - links[last]
    assert max(like_last[n] for n in left_out) <= min(like_last[n] for n in links[last])
    assert len(clusters) == 1 and len(clusters[0]) == copies


def test_links_reach_past_the_articles_own_history(tmp_path: Path, monkeypatch) -> None:
    """A version whose best candidates are its own article's earlier versions (history,
    never linked) is still linked to the other articles further down its candidates."""
    from archive import neardup

    with Archive.open(tmp_path) as archive:
        run = archive.start_run(SITE)
        others = [archive.record(rec(f"o{n}", f"Bài khác {n}.", n), run) for n in range(5)]
        assert others == ["new"] * 5
        history = 2 * neardup.MAX_LINKS + 5
        for n in range(history + 1):  # the same article edited again and again
            archive.record(rec("x", f"Bài x, lần sửa {n}.", 10 + n % 40), run)
        with archive.engine.connect() as conn:
            rows = conn.execute(
                select(versions.c.id, articles.c.id, articles.c.article_key).join(
                    articles, articles.c.id == versions.c.article_id
                )
            ).all()
        own = sorted(v for v, _a, key in rows if key == "x")
        other = sorted(v for v, _a, key in rows if key != "x")
        own_id = next(a for _v, a, key in rows if key == "x")
        newest, earlier = own[-1], own[:-1]
        assert len(earlier) == history and len(other) == 5

        class Index:  # best first: the article's own history, then the others
            def query_many(self, queries: list) -> list[list[tuple[str, float]]]:
                ranked = [(str(v), 0.99) for v in reversed(earlier)]
                return [ranked + [(str(v), 0.9) for v in other] for _query in queries]

        monkeypatch.setattr(archive, "_neardups", lambda: Index())
        with archive.engine.begin() as conn:
            conn.execute(near_duplicates.delete())
        assert archive.link_near_duplicates_many([(newest, own_id, b"sig")]) == 5
        with archive.engine.connect() as conn:
            linked = conn.execute(select(near_duplicates.c.other_version_id)).scalars().all()
    assert sorted(linked) == other
