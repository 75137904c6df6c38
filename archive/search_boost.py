"""Exact-diacritic matches first: in the default (folded) mode, a query typed with
diacritics ("lao động") ranks the articles that hold those very words above those that
only match once folded ("lão đồng", "Đông").

How: the score becomes ``BONUS`` × (the article also matches the query in the exact index)
+ its relevance, so every exact match outranks every folded-only one and relevance orders
each group; hits split the two again (``Hit.exact_match``, ``Hit.score`` the relevance
alone). The exact query is the same query keyed exactly (archive/fold.py ``exact_key``,
tone placement included), run once per search as a set of doc ids on SQLite, and as a
``tsv_exact @@`` test of each ranked row on PostgreSQL.

Not applied when the query has no diacritics (someone typing "lao dong" means any of
them), has prefixes (word*), or in exact mode (everything matches exactly).
"""

from __future__ import annotations

from typing import Any

from archive.fold import exact_key, fold
from archive.search_query import parse_query, prefix_terms, to_fts, to_tsquery

BONUS = 1_000_000.0  # far above any BM25 or ts_rank score


def exact_tree(query: str, exact: bool, tree: Any) -> Any | None:
    """The query parsed in exact mode when the boost applies, else None."""
    if exact or fold(query) == exact_key(query) or list(prefix_terms(tree)):
        return None
    return parse_query(query, exact=True)


def sqlite_boost(tree: Any, fts: str, params: dict[str, Any]) -> str:
    """The SQLite score term (``params`` gains ``xmatch``)."""
    params["xmatch"] = to_fts(tree, {})
    return sqlite_boost_term(f"{fts}.rowid")


def sqlite_boost_term(row: str, floor: str = "") -> str:
    """The score term for the doc id ``row``. ``floor``: an SQL expression; only exact
    matches from that doc id up are looked up. A ranking window holds the newest matches
    only, and the exact set of a common word over the whole archive cost more than
    ranking the window (35-40 ms at 100,000 articles); FTS5 seeks to a rowid bound."""
    since = f" AND rowid >= {floor}" if floor else ""
    return (
        f"(CASE WHEN {row} IN (SELECT rowid FROM search_exact "
        f"WHERE search_exact MATCH :xmatch{since}) THEN {BONUS} ELSE 0 END)"
    )


def pg_boost(tree: Any, params: dict[str, Any]) -> str:
    """The PostgreSQL score term (``params`` gains ``xmatch``)."""
    params["xmatch"] = to_tsquery(tree)
    return f"(CASE WHEN d.tsv_exact @@ to_tsquery('simple', :xmatch) THEN {BONUS} ELSE 0 END)"


def split(score: float, boosted: bool) -> tuple[float, bool | None]:
    """(relevance, exact match or None when not boosted) of a boosted score."""
    if not boosted:
        return score, None
    exact = score >= BONUS / 2
    return (score - BONUS if exact else score), exact
