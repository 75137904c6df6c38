"""Is a search's result still what it was? Cheap enough to ask on every request.

A web process keeps search pages while a crawl writes (luutru/web/cache.py). Most of the
crawl's new versions do not match a given query, and recomputing every cached page after
each commit (a few hundred milliseconds each at 100,000 articles) made searches during a
crawl many times slower. ``unchanged_since`` says whether anything added since the
archive's marks (the newest version id and search document id when the page was
computed) can change the matches of ``query``:

- the new search documents (ids above the version mark; version documents keep id =
  version id, and SQLite's writers commit one at a time, so ids grow in commit order);
- the older documents of the same articles (a new version moves ``is_current`` off them:
  a match may leave);

if none of them matches the query (one FTS5 lookup by rowid, the filters ignored, so the
answer errs on "changed"), the match set, and so the page, its total and its facets, is
what it was. Anything else answers False: a blank query (the newest articles), a document
re-indexed with its files' text (archive/attachment_index.py: it replaces a document),
too many new documents, PostgreSQL, an error. Article status and sites are the caller's
to watch. Ranking scores are BM25, whose corpus statistics move a little with every
document added, matching or not: a kept page carries the scores of when it was computed,
which is why the caller bounds how long a page is kept this way.
"""

from __future__ import annotations

from typing import Any

from archive.attachment_index import FILE_DOC_BASE
from archive.search import FTS_TABLES, _expansions, parse_query, to_fts
from archive.search_index import _is_sqlite

MAX_NEW_DOCS = 300  # past this many new documents, recompute rather than check


def unchanged_since(
    archive: Any, query: str, exact: bool, version_mark: Any, doc_mark: Any
) -> bool:
    """True when no document added after the marks can be among ``query``'s matches
    (see the module doc); False whenever that is not certain."""
    if not query.strip() or version_mark is None:
        return False
    try:
        tree = parse_query(query, exact=exact)
        with archive._read() as conn:
            if not _is_sqlite(conn):
                return False
            marks = {"v": int(version_mark), "f": max(int(doc_mark or 0), FILE_DOC_BASE),
                     "base": FILE_DOC_BASE, "cap": MAX_NEW_DOCS + 1}  # fmt: skip
            new = conn.exec_driver_sql(
                "SELECT id, article_id FROM search_docs WHERE (id > :v AND id < :base) "
                "OR id > :f LIMIT :cap",
                marks,
            ).all()
            if len(new) > MAX_NEW_DOCS or any(r[0] >= FILE_DOC_BASE for r in new):
                return False
            if not new:
                return True
            articles = ", ".join(str(int(r[1])) for r in new)  # integers: no quoting
            older = conn.exec_driver_sql(
                f"SELECT id FROM search_docs WHERE article_id IN ({articles}) AND id <= :v",
                marks,
            ).all()
            ids = ", ".join(str(int(i)) for i in {r[0] for r in new} | {r[0] for r in older})
            fts = FTS_TABLES[1] if exact else FTS_TABLES[0]
            expand, native = _expansions(conn, fts, tree)
            # a native prefix is re-expanded at each rowid lookup: one pass instead ("+")
            rowid = "+rowid" if native else "rowid"
            found = conn.exec_driver_sql(
                f"SELECT 1 FROM {fts} WHERE {fts} MATCH ? AND {rowid} IN ({ids}) LIMIT 1",
                (to_fts(tree, expand),),
            ).first()
            return found is None
    except Exception:  # any doubt means "recompute", which is always right
        return False
