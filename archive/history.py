"""Reading the past: an article's versions and captures, a version as of a date, and the
near-duplicate links between versions (MinHash, archive/neardup.py).

A mixin of ``Archive`` (archive/store.py).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, func, select

from archive import blobs, lsh, neardup, statements
from archive.schema import articles, captures, near_duplicates, versions
from archive.times import normalize_iso, now_iso

NEARDUP_INDEX_SIZE = 20_000  # signatures kept in memory (~5.5 KB each with the LSH)
# Members of one article's near-duplicate cluster gathered at most (a page lists them all)
CLUSTER_LIMIT = 500


class HistoryMixin:
    _neardup_index: lsh.NearDupIndex | None = None
    _neardup_loaded = 0  # highest version id in the index

    # ---------------------------------------------------------------- finding articles

    def find(self, ref: str) -> dict | None:
        """An article by public id ("site:key"), by any URL it was seen under, or by its
        internal number. Returns the current-version dict of ``article()``."""
        if ":" in ref and "://" not in ref:
            site, _, key = ref.partition(":")
            return self.article(site, key)
        row = None
        with self._read() as conn:
            if "://" in ref:
                row = conn.execute(statements.key_by_url(), {"url": ref}).first()
            elif ref.isdigit():
                row = conn.execute(statements.key_by_id(), {"id": int(ref)}).first()
        return self.article(row.site, row.article_key) if row else None

    # ---------------------------------------------------------------- versions

    def version(
        self, article_id: int, number: int | None = None, as_of: str | None = None
    ) -> dict | None:
        """Version ``number``, or the version current at ``as_of`` (the newest fetched at or
        before it), or the current one."""
        params: dict[str, Any] = {"article_id": article_id}
        if number is not None:
            how, params["number"] = "number", number
        elif as_of is not None:
            how, params["as_of"] = "as_of", normalize_iso(as_of)
        else:
            how = "current"
        with self._read() as conn:
            row = conn.execute(statements.version_of(how), params).mappings().first()
        if row is None:
            return None
        data = dict(row)
        data["attachments"] = json.loads(data["attachments"] or "[]")
        data["body_html"] = blobs.unpack(data.pop("body_html_zst", None), data.get("body_html"))
        data.pop("minhash", None)
        return data

    def captures(self, article_id: int) -> list[dict]:
        """Every fetch of the article, oldest first (new, unchanged, 304, gone, …)."""
        with self._read() as conn:
            rows = conn.execute(
                select(captures).where(captures.c.article_id == article_id).order_by(captures.c.id)
            ).mappings()
            return [dict(r) for r in rows]

    # ---------------------------------------------------------------- near-duplicates

    def _neardups(self) -> lsh.NearDupIndex:
        """The index of the newest ``NEARDUP_INDEX_SIZE`` signatures, topped up with versions
        written since (by this process's other crawls, or another process) before each use.
        Bounded, so a crawl's memory does not grow with the archive."""
        if self._neardup_index is None:
            self._neardup_index = lsh.NearDupIndex(max_size=NEARDUP_INDEX_SIZE)
            with self._read() as conn:
                newest = conn.execute(
                    select(func.max(versions.c.id)).where(versions.c.minhash.is_not(None))
                ).scalar()
            # Start just below the newest NEARDUP_INDEX_SIZE ids: older ones would be
            # evicted at once anyway.
            self._neardup_loaded = max((newest or 0) - NEARDUP_INDEX_SIZE, 0)
        with self._read() as conn:
            rows = conn.execute(
                select(versions.c.id, versions.c.minhash)
                .where(versions.c.id > self._neardup_loaded, versions.c.minhash.is_not(None))
                .order_by(versions.c.id)
            ).all()
        stale = [version_id for version_id, sig in rows if not neardup.is_current(sig)]
        fresh = self._resign(stale) if stale else {}
        self._neardup_index.add_many(
            [(str(version_id), fresh.get(version_id, sig)) for version_id, sig in rows]
        )
        if rows:  # ordered by id
            self._neardup_loaded = max(self._neardup_loaded, rows[-1][0])
        return self._neardup_index

    def _resign(self, version_ids: list[int]) -> dict[int, bytes]:
        """Signatures of an older scheme (neardup.SIGNATURE_FORMAT) computed again from the
        versions' bodies and stored: they are not comparable with the current ones."""
        out: dict[int, bytes] = {}
        for lo in range(0, len(version_ids), 500):
            chunk = version_ids[lo : lo + 500]
            with self._read() as conn:
                rows = conn.execute(
                    select(versions.c.id, versions.c.body).where(versions.c.id.in_(chunk))
                ).all()
            sigs = neardup.signatures([body or "" for _id, body in rows])
            out.update(
                (version_id, sig) for (version_id, _body), sig in zip(rows, sigs, strict=True)
            )
        with self._write() as conn:
            conn.execute(
                versions.update()
                .where(versions.c.id == bindparam("b_id"))
                .values(minhash=bindparam("b_sig")),
                [{"b_id": v, "b_sig": sig or None} for v, sig in out.items()],
            )
        return out

    def link_near_duplicates(self, version_id: int, article_id: int, sig: bytes) -> int:
        """Link a new version to near-duplicate versions of OTHER articles, the
        ``neardup.MAX_LINKS`` most similar at most; returns links."""
        if not sig:
            return 0
        index = self._neardups()  # includes this version: it is committed
        matches = index.query(sig, exclude=str(version_id))
        if not matches:
            return 0
        ids = [int(key) for key, _ in matches]
        with self._write() as conn:
            owners = dict(
                conn.execute(
                    select(versions.c.id, versions.c.article_id).where(versions.c.id.in_(ids))
                ).all()
            )
            links = 0
            for key, score in matches:
                other = int(key)
                if owners.get(other) in (None, article_id):
                    continue  # an earlier version of the same article is history, not a dupe
                conn.execute(
                    near_duplicates.insert().values(
                        version_id=version_id,
                        other_version_id=other,
                        similarity=round(score, 4),
                        found_at=now_iso(),
                    )
                )
                links += 1
                if links == neardup.MAX_LINKS:  # the most similar first
                    break
        return links

    def near_duplicate_clusters(self, site: str | None = None) -> list[list[dict]]:
        """Clusters of articles linked by near-duplicate versions; each member is a small
        dict (id, site, title, url). With ``site``: clusters with a member of that site."""
        with self._read() as conn:
            pairs = conn.execute(
                select(
                    near_duplicates.c.version_id,
                    near_duplicates.c.other_version_id,
                    near_duplicates.c.similarity,
                )
            ).all()
            version_ids = {v for a, b, _ in pairs for v in (a, b)}
            info: dict[int, dict[str, Any]] = {}
            if version_ids:
                for row in conn.execute(
                    select(
                        versions.c.id,
                        versions.c.title,
                        articles.c.site,
                        articles.c.article_key,
                        articles.c.canonical_url,
                    )
                    .join(articles, articles.c.id == versions.c.article_id)
                    .where(versions.c.id.in_(version_ids))
                ):
                    info[row.id] = {
                        "id": f"{row.site}:{row.article_key}",
                        "site": row.site,
                        "title": row.title,
                        "url": row.canonical_url,
                    }
        article_pairs = [
            (info[a]["id"], info[b]["id"], score)
            for a, b, score in pairs
            if a in info and b in info
        ]
        by_id = {member["id"]: member for member in info.values()}
        result = []
        for cluster in neardup.clusters(article_pairs):
            members = [by_id[i] for i in cluster]
            if site is None or any(m["site"] == site for m in members):
                result.append(members)
        return result

    def near_duplicate_cluster(self, article_id: int) -> list[dict]:
        """The cluster of ``near_duplicate_clusters`` that holds this article (members as
        there, sorted by id), or [] when it has no link; found by following its links
        out from the article, one hop a query, so that the cost is the cluster's, not the
        archive's. An article page used to read every link of the archive for this (a
        province's portals republish the same notices: tens of thousands of links).
        At most ``CLUSTER_LIMIT`` members are gathered; the walk stops there."""
        with self._read() as conn:
            members = {article_id}
            frontier = {article_id}
            newest_linked: dict[int, int] = {}  # article -> its newest linked version
            while frontier and len(members) < CLUSTER_LIMIT:
                links = statements.links_of_articles(versions.c.article_id.in_(frontier))
                linked = {v for link in conn.execute(links) for v in link[:2]}
                frontier = set()
                if linked:
                    rows = conn.execute(
                        select(versions.c.id, versions.c.article_id).where(
                            versions.c.id.in_(linked)
                        )
                    )
                    for version_id, owner in rows:
                        newest_linked[owner] = max(newest_linked.get(owner, 0), version_id)
                        if owner not in members:
                            members.add(owner)
                            frontier.add(owner)
            if len(newest_linked) < 2:
                return []
            rows = conn.execute(
                select(
                    versions.c.title,
                    articles.c.site,
                    articles.c.article_key,
                    articles.c.canonical_url,
                )
                .join(articles, articles.c.id == versions.c.article_id)
                .where(versions.c.id.in_(list(newest_linked.values())))
            ).all()
        found = [
            {
                "id": f"{row.site}:{row.article_key}",
                "site": row.site,
                "title": row.title,
                "url": row.canonical_url,
            }
            for row in rows
        ]
        return sorted(found, key=lambda m: m["id"])

    def near_duplicates_of(self, article_id: int) -> list[dict]:
        """Other articles with a version near-duplicate to one of this article's versions."""
        with self._read() as conn:
            links = conn.execute(statements.near_duplicates_of(), {"article_id": article_id})
            # the other side of each link (one entry per other version, as found)
            others = {
                (link.other_version_id if link.mine else link.version_id): link.similarity
                for link in links
            }
            found = {}
            if others:
                found = {
                    row.id: row
                    for row in conn.execute(statements.titles_of_versions(), {"ids": list(others)})
                }
        out = [
            {
                "id": f"{found[version_id].site}:{found[version_id].article_key}",
                "title": found[version_id].title,
                "similarity": score,
            }
            for version_id, score in others.items()
            if version_id in found
        ]
        return sorted(out, key=lambda d: -d["similarity"])
