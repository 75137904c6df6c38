"""Re-index an article when the text of a file it links to arrives or changes.

Files are fetched after their article's version is written and indexed, and a file can
change while the article page does not; either way the article's current search document
must then hold the file's new text (archive/attachment_text.py). Called in the write
transaction that stores the file's version (archive/attachments.py).

SQLite's FTS5 tables are contentless: a row cannot be rewritten in place, and deleting it
needs the exact text it was indexed with. So the current document is replaced by a new
one with a fresh id above every version id (``FILE_DOC_BASE``: version documents keep id =
version id), and the old id's FTS entries stay behind, unreachable (every search joins
``search_docs``), until ``luutru search --reindex`` rebuilds the index. PostgreSQL keeps
the text in ``search_docs`` itself and updates it in place.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from archive.attachment_text import indexed_body, urls_of
from archive.fold import exact_key, fold
from archive.search_index import _insert_docs, _is_postgres, _is_sqlite, _words

# Document ids of re-indexed articles start here: far above any version id.
FILE_DOC_BASE = 1 << 40


def reindex_article(conn: Connection, article_id: int) -> bool:
    """Index the current version of ``article_id`` again with its files' text; False when
    it has no current search document (nothing to do)."""
    sqlite, postgres = _is_sqlite(conn), _is_postgres(conn)
    if not (sqlite or postgres):
        return False
    row = conn.execute(
        text(
            "SELECT d.id, d.version_id, d.site, v.date, v.author, v.category, v.title, "
            "v.summary, v.body, v.attachments FROM search_docs d "
            "JOIN versions v ON v.id = d.version_id "
            "WHERE d.article_id = :a AND d.is_current = 1 ORDER BY d.id DESC LIMIT 1"
        ),
        {"a": article_id},
    ).first()
    if row is None:
        return False
    doc_id, version_id, site, day, author, category, title, summary, body, files = row
    indexed = indexed_body(conn, site, body, urls_of(files))
    if postgres:
        conn.execute(
            text("UPDATE search_docs SET body_f = :f, body_x = :x WHERE id = :id"),
            {"f": _words(fold(indexed)), "x": _words(exact_key(indexed)), "id": doc_id},
        )
        return True
    top = conn.execute(text("SELECT max(id) FROM search_docs")).scalar() or 0
    new_id = max(int(top), FILE_DOC_BASE) + 1
    conn.execute(text("DELETE FROM search_docs WHERE id = :id"), {"id": doc_id})
    doc = (new_id, version_id, article_id, 1, site, day, author, category, title, summary, indexed)
    _insert_docs(conn, [doc])
    return True
