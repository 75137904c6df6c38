"""Storing many captures in one write transaction (``record_many``), as ``record`` does one.

Same rules as one ``record`` after another (archive/writes.py): new / updated / unchanged /
alias, aliases and key aliases claimed first come first served, every capture logged. What
changes is the cost: a fixed number of statements per batch, each an ``executemany`` of one
prepared statement (SQLite runs those in a C loop), instead of about twelve statements per
capture; one commit per batch; the MinHash signatures computed in a thread beside the
rest; the near-duplicate links of the whole batch found after the commit, in one more
transaction.

How: the batch is read in three lookups (who owns each key; the current version of those
articles; the articles whose current version has one of the new hashes), then decided in
memory in the records' order (a later record of the batch sees what an earlier one did),
and the rows are written table by table. Articles and versions created by the batch get
temporary negative ids until their INSERT … RETURNING gives the real ones.

A mixin of ``Archive`` (archive/store.py).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from sqlalchemy import Connection, bindparam, func, select

from archive import blobs, neardup
from archive.aliases import _CONFLICTS_LOGGED
from archive.attachment_text import indexed_body
from archive.batchrows import (
    NOT_CURRENT,
    TOUCH,
    Plan,
    capture_values,
    chunks,
    claimed_urls,
    insert_rows,
    lookup,
    next_ids,
    returning_ids,
    version_values,
)
from archive.records import ArticleRecord
from archive.schema import (
    aliases,
    articles,
    captures,
    key_aliases,
    near_duplicates,
    versions,
)
from archive.search_index import (
    _insert_docs_pg,
    doc_rows,
    insert_fts,
    insert_search_docs,
    tune_fts,
)
from archive.times import normalize_iso, now_iso
from archive.versions import content_hash, decide

# The name the write path's messages were always logged under.
log = logging.getLogger("archive.store")
# The near-duplicate index is topped up and queried by each crawl's writer thread
# (crawler/archivewriter.py); two sites crawled by one command share the archive.
_NEARDUP_LOCK = threading.RLock()


@cache
def _helpers() -> ThreadPoolExecutor:
    """The thread beside the writer (one per process: batches of one archive are written
    one at a time, and two archives' rarely overlap) that computes a batch's MinHash
    signatures (numpy), then compresses its new versions' HTML (zstd). Both release the
    GIL, so they run while the writer folds texts and SQLite inserts. One thread, not
    two: a second made the batches slower (three threads wanting the GIL)."""
    return ThreadPoolExecutor(1, thread_name_prefix="luutru-batch")


# A forked child has the pool but not its threads: its jobs would wait forever.
os.register_at_fork(after_in_child=_helpers.cache_clear)


def _pack_all(html: list[str | None]) -> list[bytes | None]:
    return [blobs.pack(h) for h in html]


# Who owns a batch's keys. A query per site and chunk, each building its IN expression,
# was a seventh of a 60-site batch's time.
_OWNERS = [  # elsewhere: per site
    select(table.c.article_key, column).where(
        table.c.site == bindparam("site"),
        table.c.article_key.in_(bindparam("keys", expanding=True)),
    )
    for table, column in ((key_aliases, key_aliases.c.article_id), (articles, articles.c.id))
]
# SQLite: every (site, key) of a batch in one statement per table, looked up one by one
# through the table's (site, article_key) unique index.
_SQLITE_OWNERS = (
    "SELECT t.site, t.article_key, t.{id} FROM json_each(?) AS j JOIN {table} AS t "
    "ON t.site = json_extract(j.value, '$[0]') AND t.article_key = json_extract(j.value, '$[1]')"
)
_SQLITE_KEY_ALIASES = _SQLITE_OWNERS.format(id="article_id", table="key_aliases")
_SQLITE_ARTICLES = _SQLITE_OWNERS.format(id="id", table="articles")


class _Batch:
    """One batch, decided in order against what the archive held before it."""

    def __init__(self, conn: Connection, run_id: int | None) -> None:
        self.conn, self.run_id = conn, run_id
        self.owner: dict[tuple[str, str], int] = {}  # (site, key) -> article id
        self.current: dict[int, tuple[int, str]] = {}  # article id -> (number, hash)
        self.by_hash: dict[tuple[str, str], list[int]] = {}  # (site, current hash) -> ids
        self.plan = Plan()
        self._next_article = self._next_version = 0

    # ------------------------------------------------------------ the three lookups

    def load(self, records: Sequence[ArticleRecord], hashes: Sequence[str]) -> None:
        conn = self.conn
        pairs = sorted({(r.site, k) for r in records for k in (r.article_key, *r.key_aliases)})
        if conn.dialect.name == "sqlite":
            # Key aliases first, articles over them: as ``_article_id`` looks them up.
            for owned in (_SQLITE_KEY_ALIASES, _SQLITE_ARTICLES):
                for chunk in chunks(pairs, 5_000):
                    for site, key, aid in conn.exec_driver_sql(owned, (json.dumps(chunk),)):
                        self.owner[(site, key)] = aid
        else:
            for site, site_keys in itertools.groupby(pairs, key=lambda p: p[0]):
                for chunk in chunks([key for _site, key in site_keys]):
                    for statement in _OWNERS:
                        for key, aid in conn.execute(statement, {"site": site, "keys": chunk}):
                            self.owner[(site, key)] = aid
        # Articles whose current version may be one of the new hashes (alias candidates).
        unknown = sorted({h for r, h in zip(records, hashes, strict=True)
                          if (r.site, r.article_key) not in self.owner})  # fmt: skip
        candidates: list[tuple[int, str, str]] = []
        for chunk in chunks(unknown):
            candidates += conn.execute(
                select(versions.c.article_id, articles.c.site, versions.c.content_hash)
                .join(articles, articles.c.id == versions.c.article_id)
                .where(versions.c.content_hash.in_(chunk))
                .order_by(versions.c.id)
            ).all()
        ids = sorted(set(self.owner.values()) | {c[0] for c in candidates})
        latest = select(versions.c.article_id, func.max(versions.c.number).label("n"))
        for chunk in chunks(ids):
            sub = latest.where(versions.c.article_id.in_(chunk)).group_by(versions.c.article_id)
            sub = sub.subquery()
            for aid, number, digest in conn.execute(
                select(versions.c.article_id, versions.c.number, versions.c.content_hash).join(
                    sub,
                    (sub.c.article_id == versions.c.article_id) & (sub.c.n == versions.c.number),
                )
            ):
                self.current[aid] = (number, digest)
        for aid, site, digest in candidates:
            if self.current.get(aid, (0, None))[1] == digest:
                ids_for = self.by_hash.setdefault((site, digest), [])
                if aid not in ids_for:
                    ids_for.append(aid)

    # ------------------------------------------------------------ deciding, in order

    def _same_content(self, site: str, digest: str) -> int | None:
        for aid in self.by_hash.get((site, digest), ()):
            if self.current.get(aid, (0, None))[1] == digest:
                return aid
        return None

    def _set_current(self, site: str, aid: int, number: int, digest: str) -> None:
        self.current[aid] = (number, digest)
        self.by_hash.setdefault((site, digest), []).append(aid)

    def _touch(self, aid: int, seen: str, r: ArticleRecord, sig: bool, url: bool) -> None:
        self.plan.touches.append({
            "b_id": aid, "b_seen": seen, "b_etag": r.etag or None,
            "b_lm": r.last_modified or None, "b_sig": (r.listing_sig or None) if sig else None,
            "b_url": r.url if url else None,
        })  # fmt: skip

    def _claim(self, r: ArticleRecord, aid: int, seen: str) -> None:
        for url in claimed_urls(r):
            self.plan.claims.setdefault(url, (aid, seen))
        for key in dict.fromkeys(r.key_aliases):
            if key == r.article_key or (r.site, key) in self.owner:
                continue
            self.owner[(r.site, key)] = aid
            self.plan.key_aliases.append(
                {"site": r.site, "article_key": key, "article_id": aid, "first_seen": seen}
            )

    def decide(self, r: ArticleRecord, digest: str, seen: str) -> tuple[str, int]:
        """The outcome of one record and the version id it creates (0: none); the
        version's MinHash and compressed HTML are filled in by the caller."""
        plan = self.plan
        aid = self.owner.get((r.site, r.article_key))
        if aid is None:
            alias_of = self._same_content(r.site, digest)
            if alias_of is not None:
                self.owner[(r.site, r.article_key)] = alias_of
                plan.key_aliases.append({"site": r.site, "article_key": r.article_key,
                                         "article_id": alias_of, "first_seen": seen})  # fmt: skip
                self._touch(alias_of, seen, r, sig=False, url=False)
                self._claim(r, alias_of, seen)
                plan.captures.append(capture_values(alias_of, self.run_id, None, r, seen, "alias"))
                return "alias", 0
            self._next_article -= 1
            aid = self._next_article
            self.owner[(r.site, r.article_key)] = aid
            plan.new_articles.append({
                "site": r.site, "article_key": r.article_key, "canonical_url": r.url,
                "first_seen": seen, "last_seen": seen, "status": "live", "etag": r.etag,
                "last_modified": r.last_modified, "last_checked": seen,
                "listing_sig": r.listing_sig,
            })  # fmt: skip
            previous, number = None, 0
        else:
            number, previous = self.current.get(aid, (0, None))
            self._touch(aid, seen, r, sig=True, url=True)
        decision = decide(previous, digest)
        vid = 0
        if decision != "unchanged":
            self._next_version -= 1
            vid = self._next_version
            row = version_values(aid, number + 1, self.run_id, seen, digest, r, None, pack=False)
            plan.versions.append(row)
            plan.html.append(r.body_html)
            if aid > 0 and previous is not None and aid not in plan.updated:
                plan.updated.append(aid)
            # attachments: the body is indexed followed by the text of the files it links
            body = indexed_body(self.conn, r.site, r.body, getattr(r, "attachments", None) or ())
            plan.docs.append([vid, vid, aid, 1, r.site, r.date, r.author, r.category,
                              r.title, r.summary, body])  # fmt: skip
            self._set_current(r.site, aid, number + 1, digest)
        self._claim(r, aid, seen)
        plan.captures.append(capture_values(aid, self.run_id, vid or None, r, seen, decision))
        return decision, vid

    # ------------------------------------------------------------ writing, table by table

    def flush(self, complete_versions: Callable[[], None]) -> dict[int, int]:
        """Write the plan; returns {temporary version id: real id}. ``complete_versions``
        fills in what threads computed beside (it may wait for them): called as late as
        the foreign keys allow, just before the versions rows are inserted."""
        conn, plan = self.conn, self.plan
        sqlite = conn.dialect.name == "sqlite"
        article_ids = returning_ids(conn, articles, plan.new_articles)
        aid_map = dict(zip(range(-1, -len(article_ids) - 1, -1), article_ids, strict=True))

        def real(aid: int) -> int:
            return aid_map[aid] if aid < 0 else aid

        for row in plan.key_aliases:
            row["article_id"] = real(row["article_id"])
        insert_rows(conn, key_aliases, plan.key_aliases)
        if plan.touches:
            conn.execute(TOUCH, plan.touches)
        if plan.updated and conn.dialect.name in ("sqlite", "postgresql"):
            conn.execute(NOT_CURRENT, [{"b_id": a} for a in plan.updated])
        for row in plan.versions:
            row["article_id"] = real(row["article_id"])
        if sqlite:  # ids known before the INSERT: the index is written while threads work
            version_ids = next_ids(conn, versions, plan.versions)
        else:
            complete_versions()
            version_ids = returning_ids(conn, versions, plan.versions)
        vid_map = dict(zip(range(-1, -len(version_ids) - 1, -1), version_ids, strict=True))
        # Only an article's last version of the batch is its current one in the index.
        last: dict[int, int] = {}
        for doc in plan.docs:
            doc[0] = doc[1] = vid_map[doc[1]]
            doc[2] = real(doc[2])
            last[doc[2]] = doc[0]
        for doc in plan.docs:
            doc[3] = int(last[doc[2]] == doc[0])
        if sqlite:
            # Folding and the FTS5 inserts (no foreign keys) are most of a batch's time:
            # done before the versions rows, while the signatures and HTML are computed.
            docs, folded, exact = doc_rows(plan.docs)
            insert_fts(conn, folded, exact)
            complete_versions()
            insert_rows(conn, versions, plan.versions)
            insert_search_docs(conn, docs)
        elif plan.docs and conn.dialect.name == "postgresql":
            _insert_docs_pg(conn, plan.docs)
        _claim_urls(conn, {url: (real(a), seen) for url, (a, seen) in plan.claims.items()})
        for row in plan.captures:
            row["article_id"] = real(row["article_id"])
            if row["version_id"] is not None:
                row["version_id"] = vid_map[row["version_id"]]
        insert_rows(conn, captures, plan.captures)
        self.aid_map = aid_map
        return vid_map


def _claim_urls(conn: Connection, claims: dict[str, tuple[int, str]]) -> None:
    """Each URL not known yet becomes an alias of its article (first seen when its capture
    was); one already known stays with the article that claimed it first (logged when that
    is another one): ``AliasesMixin._claim_urls`` with a first-seen time per URL."""
    urls = list(claims)
    owners: dict[str, int] = lookup(conn, aliases.c.url, aliases.c.article_id, urls)
    rows, conflicts = [], 0
    for url, (aid, seen) in claims.items():
        owner = owners.get(url)
        if owner is None:
            rows.append({"article_id": aid, "url": url, "first_seen": seen})
        elif owner != aid:
            conflicts += 1
            if conflicts <= _CONFLICTS_LOGGED:
                log.warning("URL %s is already an alias of article %s, not %s", url, owner, aid)
    if conflicts > _CONFLICTS_LOGGED:
        log.warning(
            "%d more URLs already were aliases of other articles", conflicts - _CONFLICTS_LOGGED
        )
    # looked up under the write lock, which serialises writers: none is taken
    insert_rows(conn, aliases, rows)


class BatchWritesMixin:
    """``record_many``; needs ``Archive``'s ``_write``, ``_claim_urls``, near-dup index."""

    _fts_tuned = False  # this archive's full-text merge level checked (``tune_fts``)

    def record_many(self, records: Sequence[ArticleRecord], run_id: int | None) -> list[str]:
        """Store captures in one write transaction; one outcome per record, in order:
        "new" | "updated" | "unchanged" | "alias", exactly as ``record`` one by one would.
        Nothing is stored if the transaction fails."""
        if not records:
            return []
        # MinHash (numpy) and zstd release the GIL: they run in a thread beside the hashing,
        # lookups, folding and index inserts below (SQLite releases it too), and the new
        # versions get their signatures and compressed HTML just before they are written.
        signing = _helpers().submit(neardup.signatures, [r.body for r in records])
        hashes = [content_hash(r.content()) for r in records]
        seen = [normalize_iso(r.fetched_at) for r in records]
        new_versions: list[tuple[int, int, bytes]] = []
        with self._write() as conn:  # type: ignore[attr-defined]
            if conn.dialect.name == "sqlite" and not self._fts_tuned:
                tune_fts(conn)  # once per archive opened (search_index.py ``AUTOMERGE``)
                self._fts_tuned = True
            batch = _Batch(conn, run_id)
            batch.load(records, hashes)
            decided = [batch.decide(*args) for args in zip(records, hashes, seen, strict=True)]
            packing = _helpers().submit(_pack_all, batch.plan.html)
            sigs: list[bytes] = []

            def complete_versions() -> None:
                rows = batch.plan.versions
                for row, blob in zip(rows, packing.result(), strict=True):
                    row["body_html_zst"] = blob
                sigs[:] = signing.result()
                for (_outcome, vid), sig in zip(decided, sigs, strict=True):
                    if vid:
                        rows[-vid - 1]["minhash"] = sig or None

            vid_map = batch.flush(complete_versions)
            for (_outcome, vid), sig in zip(decided, sigs, strict=True):
                if vid:
                    row = batch.plan.versions[-vid - 1]
                    new_versions.append((vid_map[vid], row["article_id"], sig))
        # After the commit: a near-duplicate link is a finding about committed versions.
        # The records are stored whatever happens here: a failure is logged, not raised
        # (raising would make a caller write the committed batch again).
        try:
            with _NEARDUP_LOCK:  # one index per archive, shared by the crawls of a command
                self.link_near_duplicates_many(new_versions)
        except Exception:
            log.exception("near-duplicate links of %d new versions not written", len(new_versions))  # type: ignore[attr-defined]
        return [outcome for outcome, _vid in decided]

    def link_near_duplicates_many(self, new_versions: Sequence[tuple[int, int, bytes]]) -> int:
        """``link_near_duplicates`` for the (version id, article id, signature) of a batch,
        in one write transaction. A version is linked to EARLIER versions only (lower ids:
        what it was compared with had it been written alone), so a pair inside the batch is
        linked once, from its newer version; to ``neardup.MAX_LINKS`` of them at most, the
        most similar."""
        signed = [(v, a, s) for v, a, s in new_versions if s]
        if not signed:
            return 0
        index = self._neardups()  # type: ignore[attr-defined]  # includes the batch
        answers = index.query_many([(s, str(v)) for v, _a, s in signed])
        found = [(v, a, [(int(k), score) for k, score in matches])
                 for (v, a, _s), matches in zip(signed, answers, strict=True)]  # fmt: skip
        found = [(v, a, [(o, sc) for o, sc in m if o < v]) for v, a, m in found]
        if not any(m for _v, _a, m in found):
            return 0
        rows = []
        with self._write() as conn:  # type: ignore[attr-defined]
            owners: dict[int, int] = {}
            asked: set[int] = set()

            def ask(ids: Iterable[int]) -> None:
                new = sorted(set(ids) - asked)
                asked.update(new)
                owners.update(lookup(conn, versions.c.id, versions.c.article_id, new))

            # Whose versions the best candidates are, for every version at once: enough
            # for its links unless its own article's history is among them (then the
            # rest of its candidates are asked about too). A text republished many times
            # has hundreds of candidates, most of which would never be linked.
            ask(o for _v, _a, m in found for o, _sc in m[: 2 * neardup.MAX_LINKS])
            when = now_iso()
            for version_id, article_id, matches in found:
                linked = 0
                for at, (other, score) in enumerate(matches):  # the most similar first
                    if other not in asked:
                        ask(o for o, _sc in matches[at:])
                    if owners.get(other) in (None, article_id):
                        continue  # an earlier version of the same article is history
                    rows.append({"version_id": version_id, "other_version_id": other,
                                 "similarity": round(score, 4), "found_at": when})  # fmt: skip
                    linked += 1
                    if linked == neardup.MAX_LINKS:
                        break
            insert_rows(conn, near_duplicates, rows)
        return len(rows)
