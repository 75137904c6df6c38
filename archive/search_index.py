"""The search index: what is stored per version and how it is (re)built.

SQLite: ``search_docs`` (archive/schema.py, the filterable side: article, site, date,
folded author/category, ``is_current``) and two contentless FTS5 tables whose rowid is
``search_docs.id``: ``search_folded`` (``fold(text)``) and ``search_exact``
(``exact_key(text)``), columns title/summary/body. PostgreSQL: ``search_docs`` also holds
the indexed words and two generated ``tsvector`` columns with a GIN index each.
See archive/search.py for the whole picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from archive.attachment_text import indexed_body, urls_of
from archive.fold import fold_and_key_many, tokens

FTS_TABLES = ("search_folded", "search_exact")
_BATCH = 2000  # versions per chunk when rebuilding


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


_PG_TEXT = ("title_f", "summary_f", "body_f", "title_x", "summary_x", "body_x")


# A lexeme no indexed text holds (the columns are TOKEN_RE words one space apart, and
# PostgreSQL's parser reads this as one host name). Put before the summary and the body
# and then deleted, it leaves a hole of one position after the previous column, so that a
# phrase never matches across title, summary and body: in FTS5 a phrase stays in its column.
PG_COLUMN_GAP = "luutru.gap"


def _pg_tsv(suffix: str, gap: bool = True) -> str:
    """The generated ``tsvector`` expression; ``gap=False``: the one before migration 0006."""
    parts = []
    for col, weight in (("title", "A"), ("summary", "B"), ("body", "C")):
        words = f"coalesce({col}_{suffix}, '')"
        vector = f"to_tsvector('simple', {words})"
        if gap and col != "title":
            vector = (
                f"ts_delete(to_tsvector('simple', '{PG_COLUMN_GAP} ' || {words}), "
                f"'{PG_COLUMN_GAP}'::text)"
            )
        parts.append(f"setweight({vector}, '{weight}')")
    return " || ".join(parts)


def create_pg_search(conn: Connection, gap: bool = True) -> None:
    """PostgreSQL search objects on ``search_docs`` (migration 0004): the indexed text,
    generated tsvectors and GIN indexes. Idempotent."""
    for col in _PG_TEXT:
        conn.exec_driver_sql(f"ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS {col} text")
    for name, suffix in (("tsv_folded", "f"), ("tsv_exact", "x")):
        conn.exec_driver_sql(
            f"ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS {name} tsvector "
            f"GENERATED ALWAYS AS ({_pg_tsv(suffix, gap)}) STORED"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS ix_search_docs_{name} ON search_docs USING gin ({name})"
        )
    keep_pg_vectors_inline(conn)


def keep_pg_vectors_inline(conn: Connection, inline: bool = True) -> None:
    """Keep both tsvectors in the table's own row (migration 0010; ``inline=False``:
    PostgreSQL's default again, its downgrade), the indexed words going to TOAST first.
    A search tests and ranks the vectors of thousands of rows one by one
    (archive/search_plan.py); a vector TOAST had moved out of the row (most are over its
    2 KB threshold) cost a TOAST index lookup and four page reads each, about 40 % of a
    search. Only rows written afterwards are laid out this way."""
    storage = "MAIN" if inline else "EXTENDED"
    conn.exec_driver_sql(
        f"ALTER TABLE search_docs ALTER COLUMN tsv_folded SET STORAGE {storage}, "
        f"ALTER COLUMN tsv_exact SET STORAGE {storage}"
    )


def recreate_pg_tsvectors(conn: Connection, gap: bool = True) -> bool:
    """Regenerate the tsvector columns (and their indexes) with the current expression,
    when they were made with another one (migration 0006). True if they were rebuilt."""
    expression = conn.exec_driver_sql(
        "SELECT generation_expression FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'search_docs' "
        "AND column_name = 'tsv_folded'"
    ).scalar()
    if expression is not None and (PG_COLUMN_GAP in expression) == gap:
        return False
    for name in ("tsv_folded", "tsv_exact"):  # their GIN indexes go with them
        conn.exec_driver_sql(f"ALTER TABLE search_docs DROP COLUMN IF EXISTS {name}")
    create_pg_search(conn, gap)
    return True


def _words(text: str) -> str:
    """The tokens of an already folded/keyed text, one space apart (PostgreSQL columns)."""
    return " ".join(tokens(text))


def _insert_docs_pg(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    docs, folded, exact = doc_rows(rows)
    payload = []
    for (doc_id, vid, aid, cur, site, day, author_f, category_f), f, x in zip(
        docs, folded, exact, strict=True
    ):
        payload.append(
            {
                "id": doc_id, "version_id": vid, "article_id": aid, "is_current": int(cur),
                "site": site, "date": day, "author_folded": author_f,
                "category_folded": category_f, "title_f": _words(f[1]),
                "summary_f": _words(f[2]), "body_f": _words(f[3]), "title_x": _words(x[1]),
                "summary_x": _words(x[2]), "body_x": _words(x[3]),
            }
        )  # fmt: skip
    if not payload:
        return 0
    columns = list(payload[0])
    conn.execute(
        text(
            f"INSERT INTO search_docs ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})"
        ),
        payload,
    )
    return len(payload)


def create_fts_tables(conn: Connection) -> None:
    """The two contentless FTS5 tables (SQLite only; migration 0004)."""
    for name in FTS_TABLES:
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5("
            "title, summary, body, content='', "
            "tokenize='unicode61 remove_diacritics 0')"
        )


# Segments an FTS5 level gathers before they are merged into one of the next (FTS5's
# default is 4). Incremental writes merge about half as often at 8: record_many of 50,000
# records in batches of 200, 1,315-1,441 -> 1,445-1,527/s, with the same query p50/p95 on
# the index so built (21 / 33-35 ms; docs/performance.md, fourteenth pass).
AUTOMERGE = 8


def tune_fts(conn: Connection) -> None:
    """Set ``AUTOMERGE`` on both FTS5 tables if they have another value (it is kept in
    their ``_config`` table, so archives made before it are set at their first write)."""
    for name in FTS_TABLES:
        current = conn.exec_driver_sql(
            f"SELECT v FROM {name}_config WHERE k = 'automerge'"
        ).scalar()
        if current != AUTOMERGE:
            conn.exec_driver_sql(
                f"INSERT INTO {name}({name}, rank) VALUES ('automerge', {AUTOMERGE})"
            )


def vocab_sql(fts: str) -> str:
    """The statement creating ``fts``'s vocabulary table in a connection's temp schema."""
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{fts}_vocab USING fts5vocab(main, {fts}, 'row')"
    )


def prefix_words(conn: Connection, fts: str, prefix: str, limit: int) -> list[str] | None:
    """The indexed words of FTS5 table ``fts`` that start with ``prefix``, in index order;
    None when there are more than ``limit`` (SQLite only).

    Read from an ``fts5vocab`` table over ``fts``, created in this connection's temp
    schema (no migration, nothing written to the archive). Its cost is about the size of
    the lists of the words it returns, so it is stopped at ``limit`` + 1 words."""
    vocab = f"{fts}_vocab"
    conn.exec_driver_sql(vocab_sql(fts))  # already there on a reader (archive/db.py)
    rows = conn.exec_driver_sql(
        f"SELECT term FROM temp.{vocab} WHERE term >= ? AND term < ? LIMIT ?",
        (prefix, prefix + "\U0010ffff", limit + 1),
    ).all()
    words = [r[0] for r in rows if r[0].startswith(prefix)]
    return None if len(rows) > limit else words


def doc_rows(rows: Iterable[Sequence[Any]]) -> tuple[list, list, list]:
    """(search_docs rows, folded rows, exact rows) from
    (doc_id, version_id, article_id, is_current, site, date, author, category, title,
    summary, body) tuples."""
    rows = list(rows)
    # Every text of the batch folded and keyed in one pass each (archive/fold.py).
    texts = [t for r in rows for t in (r[6], r[7], r[8], r[9], r[10])]
    f, x = fold_and_key_many(texts)
    docs, folded, exact = [], [], []
    for i, (doc_id, vid, aid, cur, site, day, *_texts) in enumerate(rows):
        j = 5 * i
        docs.append((doc_id, vid, aid, cur, site, day, f[j] or None, f[j + 1] or None))
        folded.append((doc_id, f[j + 2], f[j + 3], f[j + 4]))
        exact.append((doc_id, x[j + 2], x[j + 3], x[j + 4]))
    return docs, folded, exact


def _insert_docs(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    docs, folded, exact = doc_rows(rows)
    insert_fts(conn, folded, exact)
    return insert_search_docs(conn, docs)


def insert_fts(conn: Connection, folded: list[Any], exact: list[Any]) -> None:
    """The FTS5 rows of ``doc_rows`` (SQLite). Contentless tables with no foreign key:
    a batch writes them before its versions rows, in the same transaction."""
    cursor = conn.connection.driver_connection.cursor()  # executemany, no per-row overhead
    try:
        for name, payload in zip(FTS_TABLES, (folded, exact), strict=True):
            cursor.executemany(
                f"INSERT INTO {name} (rowid, title, summary, body) VALUES (?, ?, ?, ?)", payload
            )
    finally:
        cursor.close()


def insert_search_docs(conn: Connection, docs: list[Any]) -> int:
    """The ``search_docs`` rows of ``doc_rows`` (SQLite), after their versions."""
    if not docs:
        return 0
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(
            "INSERT INTO search_docs (id, version_id, article_id, is_current, site, date, "
            "author_folded, category_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            docs,
        )
    finally:
        cursor.close()
    return len(docs)


def index_version(
    conn: Connection,
    article_id: int,
    version_id: int,
    site: str,
    record: Any,
) -> None:
    """Index a version just inserted (the article's newest), in the caller's transaction.

    Called by ``WritesMixin.record`` right after ``_insert_version``. ``record`` has the
    content fields (an ArticleRecord or anything with title/summary/body/date/author/
    category attributes)."""
    if not (_is_sqlite(conn) or _is_postgres(conn)):
        return
    conn.execute(
        text(  # "+ 0": by the article's index, not every current document (batchrows.py)
            "UPDATE search_docs SET is_current = 0 WHERE article_id = :a AND is_current + 0 = 1"
        ),
        {"a": article_id},
    )
    # doc id = version id: unique, stable, and a rebuild gives the same ids
    r = record
    # attachments: the body is followed by the text of the files the version links to
    body = indexed_body(conn, site, r.body, getattr(r, "attachments", None) or ())
    row = (version_id, version_id, article_id, 1, site, r.date, r.author, r.category, r.title,
           r.summary, body)  # fmt: skip
    (_insert_docs(conn, [row]) if _is_sqlite(conn) else _insert_docs_pg(conn, [row]))


def _body(conn: Connection, row: Sequence[Any]) -> str:
    """A rebuilt row's indexed body: a current version's is followed by its files' text
    (as ``index_version`` and archive/attachment_index.py index it)."""
    _, _, _, current, site, *_, body, files = row
    if not current or files in (None, "", "[]"):
        return body
    return indexed_body(conn, site, body, urls_of(files))


def rebuild(conn: Connection) -> int:
    """Empty the search index and index every version again (current flags included).
    Returns the number of versions indexed. Used by migration 0004 (archives created
    before it) and ``Archive.reindex_search``."""
    sqlite = _is_sqlite(conn)
    if not (sqlite or _is_postgres(conn)):
        return 0
    if sqlite:
        create_fts_tables(conn)
        for name in FTS_TABLES:
            conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('delete-all')")
    else:
        create_pg_search(conn)
    conn.exec_driver_sql("DELETE FROM search_docs")
    insert = _insert_docs if sqlite else _insert_docs_pg
    total, last = 0, 0
    while True:
        rows = conn.execute(
            text(
                "SELECT v.id, v.id, v.article_id, "
                "  CASE WHEN v.number = (SELECT max(number) FROM versions w "
                "    WHERE w.article_id = v.article_id) THEN 1 ELSE 0 END,"
                "  a.site, v.date, v.author, v.category, v.title, v.summary, v.body, "
                "  v.attachments "
                "FROM versions v JOIN articles a ON a.id = v.article_id "
                "WHERE v.id > :last ORDER BY v.id LIMIT :batch"
            ),
            {"last": last, "batch": _BATCH},
        ).all()
        if not rows:
            break
        total += insert(conn, ([*r[:3], int(r[3]), *r[4:10], _body(conn, r)] for r in rows))
        last = rows[-1][0]
    if sqlite:
        for name in FTS_TABLES:
            conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('optimize')")
    return total
