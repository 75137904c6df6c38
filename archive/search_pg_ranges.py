"""PostgreSQL: the newest matches of a sparse query, found in id ranges.

Relevance ranks the newest ``RANK_CAP`` matches (archive/search_plan.py). Walking the
primary key backwards finds them by testing row after row, a heap page read each (a
row holds two vectors of about 3 KB): ``cap / density`` rows. For a dense query that is
the cheapest way, and PostgreSQL's planner takes it. For a sparse one it is not: "lao
động NOT tuyển" matches 9 % of the rows, so the walk read 22,283 rows for 2,000
matches, 60-100 ms at 100,000 articles, and would read as many in any archive.

Here the newest rows are first probed for the query's density; a sparse query is then
read in id ranges, newest first: in a range, the GIN index and the primary key's range
meet in a bitmap (BitmapAnd) and only the range's matches are read. Each range is sized
from the density seen so far, a quarter wider, so one or two ranges usually complete
the window, and the cost follows ``cap``, not the archive's size. Dense queries keep the
walk: each range costs a scan of the GIN index, 5-10 ms for a word in most titles.
"""

from __future__ import annotations

from collections.abc import Callable

PROBE_ROWS = 200  # the newest rows tested for the query's density
# Below this density, ranges. Measured at 100,000 articles with a window of 2,000: at a
# density of 0.13 the ranges took 42-48 ms against the walk's 62-66, at 0.18 the walk
# was faster (23-27 ms against 31-35). A GIN scan grows with the archive and the walk
# does not, so in a larger archive the crossing comes lower, never higher.
SPARSE = 0.15
MAX_RANGES = 4  # then the rest of the archive in one range: bounds the GIN index scans
MARGIN = 1.25  # a range this much wider than the density seen predicts


def density(sql: Callable[..., list], frm: str, condition: str) -> float:
    """Share of the newest ``PROBE_ROWS`` docs that pass ``condition`` (at least one)."""
    joins = frm.removeprefix("FROM search_docs d")
    found = sql(
        "SELECT count(*) FROM (SELECT d.* FROM search_docs d ORDER BY d.id DESC "
        f"LIMIT {PROBE_ROWS}) d {joins} WHERE {condition}"
    )[0][0]
    return max(int(found), 1) / PROBE_ROWS


def newest(
    sql: Callable[..., list], frm: str, condition: str, cap: int, seen: float
) -> list[tuple[str, int]]:
    """(row address, doc id) of the newest ``cap`` matches, newest first. ``seen``: the
    density the probe found, which sizes the first range."""
    top = sql("SELECT max(id) FROM search_docs")[0][0]
    rows: list[tuple[str, int]] = []
    if top is None:
        return rows
    end = int(top) + 1
    hi, span = end, int(cap / seen * MARGIN) + 1
    for ranges in range(1, MAX_RANGES + 2):
        lo = 0 if ranges > MAX_RANGES else max(hi - span, 0)
        rows += [
            (str(addr), int(doc))
            for addr, doc in sql(
                f"SELECT d.ctid, d.id {frm} WHERE {condition} AND d.id >= :lo AND d.id < :hi "
                "ORDER BY d.id DESC LIMIT :need",
                lo=lo,
                hi=hi,
                need=cap - len(rows),
            )
        ]
        if len(rows) >= cap or lo == 0:
            break
        hi = lo
        span = int((cap - len(rows)) * (end - hi) / max(len(rows), 1) * MARGIN) + 1
    return rows
