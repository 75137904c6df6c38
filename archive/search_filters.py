"""The filters of a search as SQL conditions on ``search_docs d`` (and ``articles a``).

Two kinds of filter on author, category, province and department:

- typed (``author="minh"``): a case- and diacritic-insensitive *substring*, for what a
  person types into a box;
- exact (``author_is="Minh Anh"``): the *folded value equals* one of the given values,
  for a facet's pick-list or link. Facets (archive/search_facets.py) count authors and
  categories by their folded column and provinces and departments by their folded
  name, so filtering by a facet value returns exactly the matches it counted: "Minh
  Anh" does not also match "Minh Anh Tuấn", while "MINH ANH" and "Minh Anh" are one.

Province and department live in the ``sites`` table: both kinds become a list of
allowed site ids, intersected with ``sites``; an empty intersection means nothing
matches (``conditions`` returns None).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from sqlalchemy import Connection, select

from archive.fold import fold
from archive.schema import sites as sites_table
from archive.search_query import SearchFilterError

Values = str | Iterable[str] | None


def as_list(value: Values) -> list[str] | None:
    """One value or many as a list, blanks dropped (an "any" pick-list sends "")."""
    if value is None:
        return None
    found = [value] if isinstance(value, str) else list(value)
    return [v for v in found if v] or None


def iso_day(value: str | Date | None, what: str) -> str | None:
    """``value`` as YYYY-MM-DD, checked to be a day of the calendar (2024-02-30 is not)."""
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, Date) else str(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, flags=re.ASCII):
        raise SearchFilterError(f"{what} must be a date YYYY-MM-DD, not {text[:40]!r}")
    try:
        Date.fromisoformat(text)
    except ValueError:
        raise SearchFilterError(f"{what} {text} is not a day of the calendar") from None
    return text


def _pg_typed(column: str, like: str) -> str:
    """PostgreSQL: a typed filter as the column's distinct values that contain the text.

    Why: a substring cannot be looked up in a B-tree, so ``d.author_folded LIKE …`` was
    tested on each row the words matched, a heap page read each: 20,083 rows read for
    "kiểm tra" to keep the 1,244 by "nguyen", 75-85 ms at 100,000 articles. The distinct
    values come from the (column, id) index one step per value (a recursive skip scan:
    a few hundred authors cost about 1 ms), and the matching ones become an index
    condition that meets the words' GIN index in a bitmap, before any row is read."""
    return (
        f"d.{column} = ANY(ARRAY(WITH RECURSIVE v(x) AS ("
        f"SELECT min({column}) FROM search_docs UNION ALL "
        f"SELECT (SELECT min({column}) FROM search_docs WHERE {column} > v.x) "
        f"FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x {like}))"
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class Filters:
    """What ``search`` filters on besides the query (its keyword arguments, checked)."""

    sites: list[str] | None = None
    province: str | None = None  # typed: substrings
    department: str | None = None
    author: str | None = None
    category: str | None = None
    exact: dict[str, list[str]] = field(default_factory=dict)  # {author|…: any of these}
    day_from: str | None = None
    day_to: str | None = None
    status: str | None = None
    all_versions: bool = False

    def check(self) -> None:
        """One line for what no stored value could match (PostgreSQL refuses NUL)."""
        named = [(self.province, "province"), (self.department, "department"),
                 (self.author, "author"), (self.category, "category"),
                 *((s, "site") for s in self.sites or ()),
                 *((v, f"{k}_is") for k, vs in self.exact.items() for v in vs)]  # fmt: skip
        for value, what in named:
            if value is not None and "\x00" in value:
                raise SearchFilterError(f"{what} must not contain a NUL character")
        if self.day_from and self.day_to and self.day_from > self.day_to:
            raise SearchFilterError(
                f"date_from {self.day_from} is after date_to {self.day_to}: nothing matches"
            )


def _allowed_sites(conn: Connection, filters: Filters) -> list[str] | None:
    """Site ids passing the site, province and department filters (None: any site)."""
    allowed = filters.sites
    rows = None
    for column in ("province", "department"):
        typed, exact = getattr(filters, column), filters.exact.get(column)
        if not (typed or exact):
            continue
        if rows is None:
            rows = conn.execute(
                select(sites_table.c.id, sites_table.c.province, sites_table.c.department)
            ).all()
        at = 1 if column == "province" else 2
        keys = {fold(v) for v in exact or ()}
        needle = fold(typed) if typed else None
        found = [
            r[0]
            for r in rows
            if r[at]
            and (not exact or fold(r[at]) in keys)
            and (needle is None or needle in fold(r[at]))
        ]
        allowed = found if allowed is None else [s for s in allowed if s in found]
    return allowed


def conditions(conn: Connection, filters: Filters) -> tuple[list[str], dict[str, Any]] | None:
    """(conditions, their parameters), or None when no site passes (nothing matches)."""
    where: list[str] = [] if filters.all_versions else ["d.is_current = 1"]
    params: dict[str, Any] = {}
    allowed = _allowed_sites(conn, filters)
    if allowed is not None:
        if not allowed:
            return None
        names = []
        for i, site in enumerate(allowed):
            params[f"site{i}"] = site
            names.append(f":site{i}")
        where.append(f"d.site IN ({', '.join(names)})")
    if filters.day_from:
        where.append("d.date >= :day_from")
        params["day_from"] = filters.day_from
    if filters.day_to:
        where.append("d.date <= :day_to")
        params["day_to"] = filters.day_to
    for name in ("author", "category"):
        column = f"{name}_folded"
        typed = getattr(filters, name)
        if typed:
            like = f"LIKE :{column} ESCAPE '\\'"
            postgres = conn.dialect.name == "postgresql"
            where.append(_pg_typed(column, like) if postgres else f"d.{column} {like}")
            params[column] = _like(fold(typed))
        exact = sorted({fold(v) for v in filters.exact.get(name) or ()})
        if exact:
            names = []
            for i, value in enumerate(exact):
                params[f"{name}_is{i}"] = value
                names.append(f":{name}_is{i}")
            where.append(f"d.{column} IN ({', '.join(names)})")
    if filters.status:
        where.append("a.status = :status")
        params["status"] = filters.status
    return where, params
