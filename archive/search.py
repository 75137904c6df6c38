"""Full-text search over the archive (SQLite FTS5), Vietnamese-aware.

Storage (migration 0004)
------------------------
- ``search_docs`` (archive/schema.py): one row per *version*, with what filters need
  (article, site, date, folded author/category) and ``is_current`` (1 on the article's
  newest version). Its id is the rowid of the two FTS tables below. Rows are only added,
  like versions; a new version only moves ``is_current``.
- ``search_folded``: FTS5, columns title/summary/body, holding ``fold(text)`` (NFC, marks
  stripped, đ→d, lowercase: see archive/fold.py) — the default, diacritic-insensitive mode.
- ``search_exact``: FTS5, same columns, holding ``exact_key(text)`` (NFC, lowercase,
  diacritics kept) — the ``exact=True`` mode ("lao động" but not "lao dong"/"lão động").

Both are *contentless* (``content=''``): the index only, no second copy of the text, so
the database grows by the index alone. Snippets and highlights are cut in Python from
``versions`` for the page of hits only: the text is folded again and, folding being
length-preserving on NFC text, the offsets of matched words in the folded text are the
offsets of the original words with their diacritics. Status (live/removed) is read from
``articles`` at query time, so it never goes stale and ``gone()`` needs no hook; province
and department come from the ``sites`` table (``Archive.upsert_site``) at query time too.

Query syntax (``parse_query``)
------------------------------
- words: ``lao động`` — every word must appear (AND), anywhere in title/summary/body;
- ``"thương binh"``: a phrase, the words adjacent and in this order;
- ``AND``, ``OR``, ``NOT`` (upper case; lower-case "or" is just a word), ``-word`` /
  ``-"a phrase"`` / ``-(…)`` for NOT; NOT binds tighter than AND, AND tighter than OR;
- ``lao*``: prefix (``"thương bi"*``: the phrase's last word is a prefix);
- parentheses group. A word with inner punctuation (``covid-19``) is a phrase of its parts;
  other punctuation is ignored. Every token reaches FTS5 inside double quotes, so nothing a
  user types can become a column filter, NEAR, ^ or any other FTS5 syntax.
Errors (unbalanced quote or parenthesis, operator with nothing on one side, a query that
only excludes) raise ``SearchSyntaxError`` with one sentence for a person.

PostgreSQL
----------
The same API and semantics without FTS5: ``search_docs`` also holds the indexed text
(``title_f``/``summary_f``/``body_f``: the folded words; ``title_x``/``summary_x``/
``body_x``: the exact-keyed words; each the words ``TOKEN_RE`` finds, joined by single
spaces, so PostgreSQL's parser sees the same tokens FTS5 did), two generated ``tsvector``
columns (``tsv_folded``, ``tsv_exact``: ``to_tsvector('simple', …)`` with weights A/B/C
for title/summary/body) and a GIN index on each (``create_pg_search``, migration 0004).
The parsed query becomes a ``to_tsquery('simple', …)`` (``to_tsquery``: ``<->`` for
phrases, ``:*`` for a prefix, ``&``/``|``/``!``), ranked by ``ts_rank_cd`` weighted like
the BM25 weights (title > summary > body). Snippets are cut in Python as on SQLite.
Other databases: the index hooks are no-ops and ``search`` refuses.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date as Date
from typing import Any

from sqlalchemy import Connection, select, text

from archive.fold import TOKEN_RE, exact_key, fold, nfc
from archive.ids import public_id
from archive.schema import sites as sites_table

FTS_TABLES = ("search_folded", "search_exact")
_WEIGHTS = "10.0, 4.0, 1.0"  # bm25 column weights: title, summary, body
SORTS = ("relevance", "date")
STATUSES = ("live", "removed")
SNIPPET_WORDS = 30
COUNT_CAP = 1000  # matches are counted up to this; beyond, the total is a lower bound
_BATCH = 2000  # versions per chunk when rebuilding
_SPACES = re.compile(r"\s+")


class SearchSyntaxError(ValueError):
    """A query a person typed cannot be understood; the message says why, in one line."""


# =========================================================================== parsing


@dataclass
class Term:
    tokens: list[str]  # folded (or exact-keyed) words; >1 is a phrase
    prefix: bool = False


@dataclass
class And:
    items: list[Any]
    negs: list[Any] = field(default_factory=list)


@dataclass
class Or:
    items: list[Any]


_OPS = {"AND", "OR", "NOT"}


def _lex(query: str, key: Callable[[str], str]) -> list[tuple[str, Any]]:
    """(kind, value): kind in WORD (a Term), "(", ")", AND, OR, NOT."""
    out: list[tuple[str, Any]] = []
    i, n = 0, len(query)

    def term(text: str, prefix: bool) -> None:
        words = TOKEN_RE.findall(key(text))
        if words:
            out.append(("WORD", Term(words, prefix)))
        elif out and out[-1][0] == "NOT" and out[-1][1] == "-":
            out.pop()  # "-!!!": nothing left to exclude

    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append((ch, ch))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                shown = query[i : i + 25] + ("…" if n - i > 25 else "")
                raise SearchSyntaxError(
                    f'unbalanced quote: the phrase {shown} has no closing double quote (")'
                )
            prefix = end + 1 < n and query[end + 1] == "*"
            term(query[i + 1 : end], prefix)
            i = end + 2 if prefix else end + 1
        elif ch == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] != "-":
            out.append(("NOT", "-"))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            chunk = query[i:j]
            i = j
            if chunk in _OPS:
                out.append((chunk, chunk))
            else:
                term(chunk.rstrip("*"), chunk.endswith("*"))
    return out


class _Parser:
    def __init__(self, lexed: list[tuple[str, Any]]) -> None:
        self.toks = lexed
        self.pos = 0

    def peek(self) -> str | None:
        return self.toks[self.pos][0] if self.pos < len(self.toks) else None

    def take(self) -> tuple[str, Any]:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Any:
        node = self.parse_or()
        if self.peek() == ")":
            raise SearchSyntaxError("unbalanced parenthesis: a ')' has no matching '('")
        return node

    def parse_or(self) -> Any:
        items = [self.parse_and(after=None)]
        while self.peek() == "OR":
            self.take()
            items.append(self.parse_and(after="OR"))
        return items[0] if len(items) == 1 else Or(items)

    def parse_and(self, after: str | None) -> Any:
        items: list[Any] = []
        negs: list[Any] = []
        while True:
            kind = self.peek()
            if kind in (None, ")", "OR"):
                break
            if kind == "AND":
                self.take()
                if not items and not negs:
                    raise SearchSyntaxError("AND needs a word or phrase on its left")
                if self.peek() in (None, ")", "OR", "AND"):
                    raise SearchSyntaxError("AND needs a word or phrase on its right")
                continue
            if kind == "NOT":
                word = self.take()[1]
                if self.peek() in (None, ")", "OR", "AND", "NOT"):
                    raise SearchSyntaxError(f"{word} needs a word or phrase after it")
                negs.append(self.parse_atom())
                continue
            items.append(self.parse_atom())
        if not items and not negs:
            if after == "OR":
                raise SearchSyntaxError("OR needs a word or phrase on its right")
            if self.peek() == "OR":
                raise SearchSyntaxError("OR needs a word or phrase on its left")
            raise SearchSyntaxError("empty query: type at least one word to search for")
        if not items:
            raise SearchSyntaxError(
                "a query (or a part of it) cannot only exclude words: say what to look for, "
                "e.g. lao động NOT tuyển"
            )
        return items[0] if len(items) == 1 and not negs else And(items, negs)

    def parse_atom(self) -> Any:
        kind, value = self.take()
        if kind == "WORD":
            return value
        if kind == "(":
            if self.peek() == ")":
                raise SearchSyntaxError("empty parentheses: put words between ( and )")
            node = self.parse_or()
            if self.peek() != ")":
                raise SearchSyntaxError("unbalanced parenthesis: a '(' is never closed")
            self.take()
            return node
        raise SearchSyntaxError(f"unexpected {value!r}")  # not reached: callers peek first


def parse_query(query: str, *, exact: bool = False) -> Any:
    """The query's tree (Term / And / Or), words already folded (or exact-keyed)."""
    lexed = _lex(query or "", exact_key if exact else fold)
    if not lexed:
        raise SearchSyntaxError("empty query: type at least one word to search for")
    return _Parser(lexed).parse()


def to_fts(node: Any) -> str:
    """The FTS5 MATCH expression: every token double-quoted (tokens are letters and digits
    only, so the quoting cannot be broken), operators and parentheses ours."""
    if isinstance(node, Term):
        return '"' + " ".join(node.tokens) + '"' + (" *" if node.prefix else "")
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts(i) for i in node.items) + ")"
    expr = "(" + " AND ".join(to_fts(i) for i in node.items) + ")"
    if node.negs:
        expr += " NOT (" + " OR ".join(to_fts(i) for i in node.negs) + ")"
    return "(" + expr + ")"


def to_tsquery(node: Any) -> str:
    """The PostgreSQL ``to_tsquery`` text: every token single-quoted (tokens are letters
    and digits only), ``<->`` between a phrase's words, ``:*`` on a prefix."""
    if isinstance(node, Term):
        words = [f"'{t}'" for t in node.tokens]
        if node.prefix:
            words[-1] += ":*"
        return "(" + " <-> ".join(words) + ")"
    if isinstance(node, Or):
        return "(" + " | ".join(to_tsquery(i) for i in node.items) + ")"
    expr = " & ".join(to_tsquery(i) for i in node.items)
    if node.negs:
        expr += " & !(" + " | ".join(to_tsquery(i) for i in node.negs) + ")"
    return "(" + expr + ")"


def _positive_terms(node: Any) -> tuple[set[str], set[str]]:
    """(whole words, prefixes) worth highlighting: every word not under a NOT."""
    words: set[str] = set()
    prefixes: set[str] = set()
    if isinstance(node, Term):
        words.update(node.tokens[:-1] if node.prefix else node.tokens)
        (prefixes if node.prefix else words).add(node.tokens[-1])
    else:
        for item in node.items:
            w, p = _positive_terms(item)
            words |= w
            prefixes |= p
    return words, prefixes


# =========================================================================== index


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


_PG_TEXT = ("title_f", "summary_f", "body_f", "title_x", "summary_x", "body_x")
# ts_rank_cd weights, in PostgreSQL's order {D, C, B, A}: body C, summary B, title A,
# in the proportions of _WEIGHTS (10 : 4 : 1)
_PG_WEIGHTS = "'{0.0, 0.1, 0.4, 1.0}'"


def _pg_tsv(suffix: str) -> str:
    parts = [
        f"setweight(to_tsvector('simple', coalesce({col}_{suffix}, '')), '{w}')"
        for col, w in (("title", "A"), ("summary", "B"), ("body", "C"))
    ]
    return " || ".join(parts)


def create_pg_search(conn: Connection) -> None:
    """PostgreSQL search objects on ``search_docs`` (migration 0004): the indexed text,
    generated tsvectors and GIN indexes. Idempotent."""
    for col in _PG_TEXT:
        conn.exec_driver_sql(f"ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS {col} text")
    for name, suffix in (("tsv_folded", "f"), ("tsv_exact", "x")):
        conn.exec_driver_sql(
            f"ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS {name} tsvector "
            f"GENERATED ALWAYS AS ({_pg_tsv(suffix)}) STORED"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS ix_search_docs_{name} ON search_docs USING gin ({name})"
        )


def _words(text: str) -> str:
    """The tokens of an already folded/keyed text, one space apart (PostgreSQL columns)."""
    return " ".join(TOKEN_RE.findall(text))


def _insert_docs_pg(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    payload = []
    for doc_id, vid, aid, cur, site, day, author, category, title, summary, body in rows:
        payload.append(
            {
                "id": doc_id, "version_id": vid, "article_id": aid, "is_current": int(cur),
                "site": site, "date": day,
                "author_folded": fold(author) or None, "category_folded": fold(category) or None,
                "title_f": _words(fold(title)), "summary_f": _words(fold(summary)),
                "body_f": _words(fold(body)),
                "title_x": _words(exact_key(title)), "summary_x": _words(exact_key(summary)),
                "body_x": _words(exact_key(body)),
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


def _doc_rows(rows: Iterable[Sequence[Any]]) -> tuple[list, list, list]:
    """(search_docs rows, folded rows, exact rows) from
    (doc_id, version_id, article_id, is_current, site, date, author, category, title,
    summary, body) tuples."""
    docs, folded, exact = [], [], []
    for doc_id, vid, aid, cur, site, day, author, category, title, summary, body in rows:
        docs.append((doc_id, vid, aid, cur, site, day, fold(author) or None,
                     fold(category) or None))  # fmt: skip
        folded.append((doc_id, fold(title), fold(summary), fold(body)))
        exact.append((doc_id, exact_key(title), exact_key(summary), exact_key(body)))
    return docs, folded, exact


def _insert_docs(conn: Connection, rows: Iterable[Sequence[Any]]) -> int:
    docs, folded, exact = _doc_rows(rows)
    if not docs:
        return 0
    cursor = conn.connection.driver_connection.cursor()  # executemany, no per-row overhead
    try:
        cursor.executemany(
            "INSERT INTO search_docs (id, version_id, article_id, is_current, site, date, "
            "author_folded, category_folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            docs,
        )
        for name, payload in zip(FTS_TABLES, (folded, exact), strict=True):
            cursor.executemany(
                f"INSERT INTO {name} (rowid, title, summary, body) VALUES (?, ?, ?, ?)", payload
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
        text("UPDATE search_docs SET is_current = 0 WHERE article_id = :a AND is_current = 1"),
        {"a": article_id},
    )
    # doc id = version id: unique, stable, and a rebuild gives the same ids
    r = record
    row = (version_id, version_id, article_id, 1, site, r.date, r.author, r.category, r.title,
           r.summary, r.body)  # fmt: skip
    (_insert_docs(conn, [row]) if _is_sqlite(conn) else _insert_docs_pg(conn, [row]))


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
                "  a.site, v.date, v.author, v.category, v.title, v.summary, v.body "
                "FROM versions v JOIN articles a ON a.id = v.article_id "
                "WHERE v.id > :last ORDER BY v.id LIMIT :batch"
            ),
            {"last": last, "batch": _BATCH},
        ).all()
        if not rows:
            break
        total += insert(conn, ([*r[:3], int(r[3]), *r[4:]] for r in rows))
        last = rows[-1][0]
    if sqlite:
        for name in FTS_TABLES:
            conn.exec_driver_sql(f"INSERT INTO {name}({name}) VALUES ('optimize')")
    return total


class SearchMixin:
    """``Archive`` methods for the search index and the sites table."""

    def upsert_site(
        self,
        id: str,
        name: str | None = None,
        province: str | None = None,
        department: str | None = None,
    ) -> None:
        """Remember who publishes a site (from its profile): search filters by it."""
        with self._write() as conn:  # type: ignore[attr-defined]
            found = conn.execute(select(sites_table.c.id).where(sites_table.c.id == id)).first()
            values = {"name": name, "province": province, "department": department}
            if found is None:
                conn.execute(sites_table.insert().values(id=id, **values))
            else:
                conn.execute(sites_table.update().where(sites_table.c.id == id).values(**values))

    def reindex_search(self) -> int:
        """Rebuild the whole search index from ``versions`` (one write transaction)."""
        with self._write() as conn:  # type: ignore[attr-defined]
            return rebuild(conn)


# =========================================================================== search


@dataclass
class Hit:
    id: str  # site:key
    site: str
    title: str
    date: str | None
    author: str | None
    category: str | None
    status: str
    url: str
    version: int
    score: float  # higher is better (-bm25)
    snippet: str  # plain text, matches in [brackets]
    snippet_html: str  # escaped HTML, matches in <mark>
    title_html: str
    article_id: int = 0
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)
    title_parts: list[tuple[str, bool]] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("snippet_parts")
        data.pop("title_parts")
        return data


@dataclass
class SearchResult:
    total: int  # matches; with total_is_lower_bound, "at least" (counting stops there)
    hits: list[Hit]
    total_is_lower_bound: bool = False  # more than COUNT_CAP matched: show "1000+"


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _iso_day(value: str | Date | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, Date) else str(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"{what} must be a date YYYY-MM-DD, not {text!r}")
    return text


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sites_where(conn: Connection, column: str, wanted: str) -> list[str]:
    needle = fold(wanted)
    rows = conn.execute(select(sites_table.c.id, sites_table.c[column])).all()
    return [site for site, value in rows if value and needle in fold(value)]


def _marked(
    text: str | None, keyer: Callable[[str], str], words: set[str], prefixes: set[str]
) -> tuple[str, list[tuple[int, int, bool]]]:
    """(NFC text, token spans with a hit flag): tokens found in the keyed text, whose
    offsets are those of the NFC original (keying is length-preserving)."""
    original = nfc(text or "")
    keyed = keyer(original)
    spans = []
    for m in TOKEN_RE.finditer(keyed):
        tok = m.group()
        hit = tok in words or any(tok.startswith(p) for p in prefixes)
        spans.append((m.start(), m.end(), hit))
    return original, spans


def _parts(original: str, spans: list[tuple[int, int, bool]], start: int, end: int):
    parts: list[tuple[str, bool]] = []
    pos = start
    for s, e, hit in spans:
        if not hit or s < start or e > end:
            continue
        if s > pos:
            parts.append((original[pos:s], False))
        parts.append((original[s:e], True))
        pos = e
    if end > pos:
        parts.append((original[pos:end], False))
    return parts


def _snippet_parts(texts: list[tuple[str, list]], width: int) -> list[tuple[str, bool]]:
    """The window of ``width`` words with the most hits, over summary and body."""
    best: tuple[int, int, int] | None = None  # (hits, text index, first token)
    for t, (_original, spans) in enumerate(texts):
        hits = [i for i, s in enumerate(spans) if s[2]]
        j = 0
        for i in hits:  # a window starting a few words before hit i
            first = max(0, i - 5)
            while j < len(hits) and hits[j] < first:
                j += 1
            count = sum(1 for h in hits[j:] if h < first + width)
            if best is None or count > best[0]:
                best = (count, t, first)
    if best is None:  # no hit in summary/body (the title matched): their beginning
        t = 0 if texts[0][1] else 1
        best = (0, t, 0)
    _, t, first = best
    original, spans = texts[t]
    if not spans:
        return []
    last = min(len(spans), first + width) - 1
    start = spans[first][0] if first > 0 else 0
    end = spans[last][1] if last < len(spans) - 1 else len(original.rstrip())
    parts = _parts(original, spans, start, end)
    if first > 0:
        parts.insert(0, ("…", False))
    if end < len(original.rstrip()):
        parts.append(("…", False))
    return [(p if hit else _SPACES.sub(" ", p), hit) for p, hit in parts]  # one line


def _plain(parts: list[tuple[str, bool]], open_: str = "[", close: str = "]") -> str:
    return "".join(f"{open_}{p}{close}" if hit else p for p, hit in parts)


def _html(parts: list[tuple[str, bool]]) -> str:
    return "".join(f"<mark>{html.escape(p)}</mark>" if hit else html.escape(p) for p, hit in parts)


def _normalise_sort(sort: str) -> str:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    return sort


def search(
    archive: Any,
    query: str,
    *,
    sites: str | Iterable[str] | None = None,
    province: str | None = None,
    department: str | None = None,
    date_from: str | Date | None = None,
    date_to: str | Date | None = None,
    author: str | None = None,
    category: str | None = None,
    status: str | None = None,
    exact: bool = False,
    all_versions: bool = False,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Search the current version of every article (``all_versions``: every version).

    Filters: ``sites`` (ids), ``province``/``department`` (from the sites table) and
    ``author``/``category`` are case- and diacritic-insensitive substring matches;
    ``date_from``/``date_to`` inclusive YYYY-MM-DD; ``status`` live|removed.
    ``sort``: relevance (BM25, title > summary > body) or date (newest first).
    Raises SearchSyntaxError (a ValueError) for a query a person mistyped."""
    sort = _normalise_sort(sort)
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be live or removed, not {status!r}")
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    tree = parse_query(query, exact=exact)
    match = to_fts(tree)
    fts = FTS_TABLES[1] if exact else FTS_TABLES[0]
    day_from = _iso_day(date_from, "date_from")
    day_to = _iso_day(date_to, "date_to")

    where = [f"{fts} MATCH :match"]
    params: dict[str, Any] = {"match": match}
    if not all_versions:
        where.append("d.is_current = 1")
    with archive._read() as conn:
        postgres = _is_postgres(conn)
        if not (_is_sqlite(conn) or postgres):
            raise ValueError("search needs a SQLite (FTS5) or PostgreSQL archive")
        if postgres:
            tsv = "d.tsv_exact" if exact else "d.tsv_folded"
            where[0] = f"{tsv} @@ to_tsquery('simple', :match)"
            params["match"] = to_tsquery(tree)
        allowed = _as_list(sites)
        for column, wanted in (("province", province), ("department", department)):
            if wanted:
                found = _sites_where(conn, column, wanted)
                allowed = found if allowed is None else [s for s in allowed if s in found]
        if allowed is not None:
            if not allowed:
                return SearchResult(0, [])
            names = []
            for i, site in enumerate(allowed):
                params[f"site{i}"] = site
                names.append(f":site{i}")
            where.append(f"d.site IN ({', '.join(names)})")
        if day_from:
            where.append("d.date >= :day_from")
            params["day_from"] = day_from
        if day_to:
            where.append("d.date <= :day_to")
            params["day_to"] = day_to
        for column, wanted in (("author_folded", author), ("category_folded", category)):
            if wanted:
                where.append(f"d.{column} LIKE :{column} ESCAPE '\\'")
                params[column] = _like(fold(wanted))
        if status:
            where.append("a.status = :status")
            params["status"] = status
        if postgres:
            total, page = _pg_page(conn, tsv, where, params, bool(status), sort, limit, offset)
            hits = _hits(conn, page, tree, exact)
            if total > COUNT_CAP:
                return SearchResult(
                    max(COUNT_CAP, offset + len(page)), hits, total_is_lower_bound=True
                )
            return SearchResult(total, hits)
        # CROSS JOIN: SQLite keeps this order, the FTS match drives (else the planner may
        # walk search_docs and re-run the MATCH once per row)
        joins = f"FROM {fts} CROSS JOIN search_docs d ON d.id = {fts}.rowid"
        if status:
            joins += " JOIN articles a ON a.id = d.article_id"
        condition = " AND ".join(where)
        # filters beyond the match and is_current: the fast relevance path checks neither
        filtered = len(where) > (1 if all_versions else 2)
        plan = _Plan(conn, fts, joins, condition, params, where[1:], bool(status))
        try:
            total = conn.exec_driver_sql(
                f"SELECT count(*) FROM (SELECT 1 {joins} WHERE {condition} LIMIT :cap)",
                {**params, "cap": COUNT_CAP + 1},
            ).scalar()
            total = int(total or 0)
            if limit == 0 or (offset >= total and total <= COUNT_CAP):
                page: list = []
            elif sort == "date":
                page = plan.by_date(offset, limit, dense=total > COUNT_CAP)
            elif not filtered:
                page = plan.by_rank_unfiltered(offset, limit, all_versions)
            else:
                page = plan.by_rank(offset, limit)
        except Exception as exc:  # an FTS5 complaint would be our bug, still no traceback
            if "fts5" in str(exc).lower():
                raise SearchSyntaxError(f"the search engine refused this query: {exc}") from exc
            raise
        hits = _hits(conn, page, tree, exact)
    if total > COUNT_CAP:
        return SearchResult(max(COUNT_CAP, offset + len(page)), hits, total_is_lower_bound=True)
    return SearchResult(total, hits)


def _pg_page(conn, tsv, where, params, status, sort, limit, offset) -> tuple[int, list]:
    """PostgreSQL: (total up to COUNT_CAP + 1, page of (version_id, score)), ordered as on
    SQLite: relevance then newest doc, or date (undated last) then relevance then doc."""
    frm = "FROM search_docs d" + (" JOIN articles a ON a.id = d.article_id" if status else "")
    condition = " AND ".join(where)
    total = conn.execute(
        text(f"SELECT count(*) FROM (SELECT 1 {frm} WHERE {condition} LIMIT :cap) m"),
        {**params, "cap": COUNT_CAP + 1},
    ).scalar()
    total = int(total or 0)
    if limit == 0 or (offset >= total and total <= COUNT_CAP):
        return total, []
    score = f"ts_rank_cd({_PG_WEIGHTS}, {tsv}, to_tsquery('simple', :match))"
    if sort == "date":
        order = "d.date DESC NULLS LAST, score DESC, d.id DESC"
    else:
        order = "score DESC, d.id DESC"
    rows = conn.execute(
        text(
            f"SELECT d.version_id, {score} AS score {frm} WHERE {condition} "
            f"ORDER BY {order} LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    ).all()
    return total, [(r[0], r[1]) for r in rows]


class _Plan:
    """The ways to fetch one page of (version_id, score) rows for ``search``, all giving
    exactly what ``ORDER BY <sort> LIMIT/OFFSET`` over every match would."""

    def __init__(self, conn, fts, joins, condition, params, doc_where, status) -> None:
        self.conn, self.fts, self.joins = conn, fts, joins
        self.condition, self.params = condition, params
        self.doc_where = doc_where  # conditions on d (and a), without the MATCH
        self.status = status
        self.score = f"-bm25({fts}, {_WEIGHTS})"

    def sql(self, text: str, **extra: Any) -> list:
        return self.conn.exec_driver_sql(text, {**self.params, **extra}).all()

    def by_rank(self, offset: int, limit: int) -> list:
        """Every match passing the filters is scored (bm25 only runs on rows passing the
        WHERE clause, so selective filters keep this cheap)."""
        return self.sql(
            f"SELECT d.version_id, {self.score} AS score {self.joins} WHERE {self.condition} "
            "ORDER BY score DESC, d.id DESC LIMIT :limit OFFSET :offset",
            limit=limit, offset=offset,
        )  # fmt: skip

    def by_rank_unfiltered(self, offset: int, limit: int, all_versions: bool) -> list:
        """No filter but is_current: rank inside the FTS table alone (no join per match),
        then keep current versions; when too few of the top rows are current, the join."""
        want = offset + limit
        k = want if all_versions else want * 2 + 10
        top = self.sql(
            f"SELECT rowid, {self.score} AS score FROM {self.fts} WHERE {self.fts} MATCH "
            ":match ORDER BY score DESC, rowid DESC LIMIT :k",
            k=k,
        )
        docs = self._docs([r[0] for r in top])
        kept = [(docs[i][0], score) for i, score in top
                if i in docs and (all_versions or docs[i][1] == 1)]  # fmt: skip
        if len(kept) >= want or len(top) < k:  # enough, or every match was seen
            return kept[offset:want]
        return self.by_rank(offset, limit)

    def _docs(self, ids: list[int]) -> dict[int, tuple[int, int]]:
        if not ids:
            return {}
        rows = self.conn.exec_driver_sql(
            "SELECT id, version_id, is_current FROM search_docs "
            f"WHERE id IN ({', '.join(str(int(i)) for i in ids)})"
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def _dated(self, extra: str, order: str, dense: bool, **more: Any) -> list:
        """(doc id, date) of matches passing the filters and ``extra``, in ``order``.
        Dense matches: walk search_docs (the (is_current, date) index) and probe the FTS
        index per row; sparse: list the FTS matches first."""
        if dense:
            member = (f"EXISTS (SELECT 1 FROM {self.fts} WHERE {self.fts} MATCH :match "
                      f"AND {self.fts}.rowid = d.id)")  # fmt: skip
        else:
            member = f"d.id IN (SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH :match)"
        frm = "FROM search_docs d"
        if self.status:
            frm += " JOIN articles a ON a.id = d.article_id"
        where = " AND ".join([*self.doc_where, extra, member])
        return self.sql(f"SELECT d.id, d.date {frm} WHERE {where} ORDER BY {order}", **more)

    def by_date(self, offset: int, limit: int, dense: bool) -> list:
        """Newest first, then score: find the page's rows by date without scoring, then
        score only them and every match sharing the last date (the score breaks ties)."""
        want = offset + limit
        rows = self._dated("d.date IS NOT NULL", "d.date DESC LIMIT :want", dense, want=want)
        if len(rows) == want:
            last = rows[-1][1]
            rows = [r for r in rows if r[1] != last]
            rows += self._dated("d.date = :last", "d.id", dense, last=last)
        else:  # every dated match is in; the undated come after them
            rows += self._dated("d.date IS NULL", "d.id", dense)
        if not rows:
            return []
        ids = ", ".join(str(int(r[0])) for r in rows)
        scores = dict(
            self.sql(
                f"SELECT rowid, {self.score} FROM {self.fts} WHERE {self.fts} MATCH :match "
                f"AND +rowid IN ({ids})"  # "+": test each match, no per-id MATCH re-run
            )
        )
        docs = self._docs([r[0] for r in rows])
        ranked = [(r[0], r[1], scores[r[0]]) for r in rows]
        ranked.sort(key=lambda r: r[0], reverse=True)  # stable sorts, least significant first
        ranked.sort(key=lambda r: r[2], reverse=True)
        ranked.sort(key=lambda r: r[1] or "", reverse=True)
        ranked.sort(key=lambda r: r[1] is None)
        return [(docs[i][0], score) for i, _day, score in ranked[offset:want]]


def _hits(conn: Connection, page: list, tree: Any, exact: bool) -> list[Hit]:
    if not page:
        return []
    ids = ", ".join(str(int(row[0])) for row in page)  # integers: no quoting to get wrong
    rows = {
        r[0]: r
        for r in conn.exec_driver_sql(
            "SELECT v.id, v.article_id, v.number, v.title, v.date, v.author, v.category, "
            "v.summary, v.body, a.site, a.article_key, a.canonical_url, a.status "
            f"FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.id IN ({ids})"
        )
    }
    words, prefixes = _positive_terms(tree)
    keyer = exact_key if exact else fold
    out = []
    for version_id, score in page:
        r = rows[version_id]
        _, art_id, number, title, day, author, category, summary, body, site, key, url, st = r
        t_original, t_spans = _marked(title, keyer, words, prefixes)
        title_parts = _parts(t_original, t_spans, 0, len(t_original))
        texts = [_marked(summary, keyer, words, prefixes), _marked(body, keyer, words, prefixes)]
        parts = _snippet_parts(texts, SNIPPET_WORDS)
        out.append(
            Hit(
                id=public_id(site, key),
                site=site,
                title=t_original,
                date=day,
                author=author,
                category=category,
                status=st,
                url=url,
                version=number,
                score=round(float(score), 4),
                snippet=_plain(parts),
                snippet_html=_html(parts),
                title_html=_html(title_parts),
                article_id=art_id,
                snippet_parts=parts,
                title_parts=title_parts,
            )
        )
    return out


def render(parts: list[tuple[str, bool]], open_: str, close: str) -> str:
    """Parts with matches between ``open_`` and ``close`` (e.g. ANSI bold on a terminal)."""
    return _plain(parts, open_, close)
