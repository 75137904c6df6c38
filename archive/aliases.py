"""The URL and key aliases of articles: every URL an article was seen under, and every
other key a URL variant gave it, added only, never moved.

Batched for a crawl's end, when thousands of variants arrive at once: one lookup and one
insert per ALIAS_BATCH URLs (100,000 variants in about a hundred short transactions).
A URL belongs to the first article that claimed it.

A mixin of ``Archive`` (archive/store.py), under the write path (archive/writes.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.dialects import sqlite

from archive.ids import public_id
from archive.schema import aliases, articles, key_aliases
from archive.times import now_iso

log = logging.getLogger("archive.store")

ALIAS_BATCH = 1_000  # URLs per write transaction in add_aliases (and per IN list)
_CONFLICTS_LOGGED = 20  # "already an alias of another article" lines per call, then a count


def _insert_aliases(conn: Connection, rows: list[tuple[int, str]], seen_at: str) -> None:
    """Insert (article id, url) alias rows in one statement, skipping a URL that exists
    (``ON CONFLICT DO NOTHING``). SQLite: one executemany (a C loop over one prepared
    statement). PostgreSQL: one INSERT … SELECT FROM unnest(arrays), as psycopg sends an
    executemany as one INSERT per row (15 s for 100,000 aliases; a multi-row VALUES
    statement costs SQLAlchemy more to compile than that)."""
    if not rows:
        return
    name = conn.dialect.name
    if name == "postgresql":
        conn.execute(
            text(
                "INSERT INTO aliases (article_id, url, first_seen) "
                "SELECT a, u, :seen FROM unnest(CAST(:ids AS integer[]), CAST(:urls AS text[])) "
                "AS t(a, u) ON CONFLICT (url) DO NOTHING"
            ),
            {"ids": [r[0] for r in rows], "urls": [r[1] for r in rows], "seen": seen_at},
        )
        return
    if name == "sqlite":
        statement = sqlite.insert(aliases).on_conflict_do_nothing(index_elements=["url"])
    else:  # the caller looked the URLs up under the write lock: a plain insert is safe
        statement = insert(aliases)
    conn.execute(statement, [{"article_id": a, "url": u, "first_seen": seen_at} for a, u in rows])


class AliasesMixin:
    """Aliases of ``Archive``; needs its ``_read`` and ``_write`` transactions."""

    @staticmethod
    def _article_id(conn: Connection, site: str, article_key: str) -> int | None:
        """The article a key belongs to: its own row, or the article it is a key alias of."""
        found = conn.execute(
            select(articles.c.id).where(
                articles.c.site == site, articles.c.article_key == article_key
            )
        ).scalar()
        if found is None:
            found = conn.execute(
                select(key_aliases.c.article_id).where(
                    key_aliases.c.site == site, key_aliases.c.article_key == article_key
                )
            ).scalar()
        return found

    @staticmethod
    def _add_aliases(conn: Connection, article_id: int, urls: Iterable[str], seen_at: str) -> int:
        """Insert the URLs not known yet; a URL already owned by another article stays
        with it (logged). Returns how many were added. Two statements whatever the number
        of URLs (up to ALIAS_BATCH; callers with more use ``add_aliases``)."""
        claims = {u: article_id for u in dict.fromkeys(urls) if u}
        return AliasesMixin._claim_urls(conn, claims, seen_at)

    @staticmethod
    def _claim_urls(conn: Connection, claims: Mapping[str, int], seen_at: str) -> int:
        """{url: article id}: each URL not known yet becomes an alias of its article, in
        one lookup and one executemany insert; a URL already known stays with the article
        that claimed it first (logged when that is another article). Returns how many were
        added. Runs in the caller's write transaction (which serialises writers, so what
        the lookup saw is still true at the insert)."""
        if not claims:
            return 0
        urls = list(claims)
        if conn.dialect.name == "postgresql":  # one array parameter, not 1,000 to parse
            found = conn.execute(
                text("SELECT url, article_id FROM aliases WHERE url = ANY(CAST(:urls AS text[]))"),
                {"urls": urls},
            )
        else:
            found = conn.execute(
                select(aliases.c.url, aliases.c.article_id).where(aliases.c.url.in_(urls))
            )
        owners = dict(found.all())
        rows: list[tuple[int, str]] = []
        conflicts = 0
        for url, article_id in claims.items():
            owner = owners.get(url)
            if owner is None:
                rows.append((article_id, url))
            elif owner != article_id:
                conflicts += 1
                if conflicts <= _CONFLICTS_LOGGED:
                    log.warning(
                        "URL %s is already an alias of article %s, not %s", url, owner, article_id
                    )
        if conflicts > _CONFLICTS_LOGGED:
            log.warning(
                "%d more URLs already were aliases of other articles", conflicts - _CONFLICTS_LOGGED
            )
        _insert_aliases(conn, rows, seen_at)
        return len(rows)

    def add_aliases(self, site: str, variants: Mapping[str, Iterable[str]]) -> int:
        """Record many URLs as aliases: ``{article_key: urls}`` of known articles of
        ``site`` (a crawl's URL variants, at its end). A URL belongs to the first article
        that claimed it: one already in the archive stays where it is, and within
        ``variants`` the first key listing it (in mapping order) gets it. Returns how many
        were added. KeyError, before anything is written, if a key is not an article of
        the site.

        Batched: the article ids in one read, then one write transaction per ALIAS_BATCH
        URLs (a lookup and an executemany insert each), so 100,000 variants take a hundred
        short transactions rather than 100,000, and other writers wait for one batch at
        most, never for the whole."""
        keys = list(dict.fromkeys(variants))
        ids: dict[str, int] = {}
        with self._read() as conn:
            for start in range(0, len(keys), ALIAS_BATCH):
                chunk = keys[start : start + ALIAS_BATCH]
                ids.update(
                    conn.execute(
                        select(articles.c.article_key, articles.c.id).where(
                            articles.c.site == site, articles.c.article_key.in_(chunk)
                        )
                    ).all()
                )
        missing = [k for k in keys if k not in ids]
        if missing:
            raise KeyError(public_id(site, missing[0]))
        claims: dict[str, int] = {}
        for key in keys:
            for url in variants[key]:
                if url:
                    claims.setdefault(url, ids[key])
        urls = list(claims)
        seen_at = now_iso()
        added = 0
        for start in range(0, len(urls), ALIAS_BATCH):
            batch = {u: claims[u] for u in urls[start : start + ALIAS_BATCH]}
            with self._write() as conn:
                added += self._claim_urls(conn, batch, seen_at)
        return added

    def add_key_aliases(self, site: str, keys: Mapping[str, str]) -> int:
        """Many ``add_key_alias`` at once: ``{alias_key: article_key}`` (a crawl's URL
        variants folded into an article by its canonical link). An alias key that already
        belongs somewhere (an article, a key alias, or an earlier pair) stays where it is.
        KeyError, before anything is written, if an ``article_key`` is not in the archive.
        Returns how many were added; one write transaction per ALIAS_BATCH keys."""
        pairs = [(a, k) for a, k in keys.items() if a and k and a != k]
        targets = list(dict.fromkeys(k for _a, k in pairs))
        owner: dict[str, int] = {}
        with self._read() as conn:
            for start in range(0, len(targets), ALIAS_BATCH):
                chunk = targets[start : start + ALIAS_BATCH]
                owner.update(self._key_owners(conn, site, chunk))
        missing = [k for k in targets if k not in owner]
        if missing:
            raise KeyError(public_id(site, missing[0]))
        seen_at = now_iso()
        added = 0
        for start in range(0, len(pairs), ALIAS_BATCH):
            chunk = pairs[start : start + ALIAS_BATCH]
            with self._write() as conn:
                taken = set(self._key_owners(conn, site, [a for a, _k in chunk]))
                rows = []
                for alias_key, key in chunk:
                    if alias_key in taken:
                        continue
                    taken.add(alias_key)
                    rows.append({"site": site, "article_key": alias_key,
                                 "article_id": owner[key], "first_seen": seen_at})  # fmt: skip
                if rows:  # none of them taken: checked above, under the write lock
                    conn.execute(key_aliases.insert(), rows)
                added += len(rows)
        return added

    @staticmethod
    def _key_owners(conn: Connection, site: str, keys: list[str]) -> dict[str, int]:
        """{key: article id} for those of ``keys`` that are an article of ``site`` or a
        key alias of one (``_article_id`` for many keys: two statements)."""
        found = dict(
            conn.execute(
                select(key_aliases.c.article_key, key_aliases.c.article_id).where(
                    key_aliases.c.site == site, key_aliases.c.article_key.in_(keys)
                )
            ).all()
        )
        found.update(
            conn.execute(
                select(articles.c.article_key, articles.c.id).where(
                    articles.c.site == site, articles.c.article_key.in_(keys)
                )
            ).all()
        )
        return found

    def add_key_alias(self, site: str, article_key: str, alias_key: str) -> bool:
        """Record ``alias_key`` as another key of a known article (a URL variant folded into
        it by the page's canonical link). False when the key already belongs somewhere."""
        with self._write() as conn:
            article_id = self._article_id(conn, site, article_key)
            if article_id is None:
                raise KeyError(public_id(site, article_key))
            if self._article_id(conn, site, alias_key) is not None:
                return False
            conn.execute(
                key_aliases.insert().values(
                    site=site, article_key=alias_key, article_id=article_id,
                    first_seen=now_iso(),
                )
            )  # fmt: skip
            return True

    def add_alias(self, site: str, article_key: str, url: str) -> bool:
        """Record ``url`` as an alias of a known article. True if it was added, False if
        the URL was already known. KeyError if the article is not in the archive."""
        with self._write() as conn:
            article_id = conn.execute(
                select(articles.c.id).where(
                    articles.c.site == site, articles.c.article_key == article_key
                )
            ).scalar()
            if article_id is None:
                raise KeyError(public_id(site, article_key))
            return self._add_aliases(conn, article_id, [url], now_iso()) == 1
