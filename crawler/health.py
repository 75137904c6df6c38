"""Health of a run, judged against the site's recent runs (what Spidermon-style monitors
do, built for these portals): listings that stopped yielding links, field coverage that
dropped (a renamed author or date class), profile selectors that matched nothing (a
redesign: the pages were archived with generic extraction), a jump in "not found" pages,
too many errors or retries, a run far slower than usual. Pure functions over Scrapy stats
dicts; thresholds per profile ([health])."""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median
from typing import Any

from crawler.profile_model import HealthRules

FIELDS = ("title", "date", "author", "body")


def _num(stats: dict[str, Any], key: str) -> float:
    value = stats.get(key) or 0
    return float(value) if isinstance(value, int | float) else 0.0


def coverage(stats: dict[str, Any], name: str) -> float | None:
    records = _num(stats, "luutru/records")
    return _num(stats, f"luutru/field/{name}") / records if records else None


# Connection failures by the words Twisted's exception names contain: a run in which no
# request got an answer is "unreachable", named by what failed, not "failing".
UNREACHABLE_KINDS = (
    ("ConnectionRefused", "connection refused"),
    ("CannotResolveHost", "DNS lookup failed"),
    ("DNSLookup", "DNS lookup failed"),
    ("TimedOut", "timed out"),
    ("Timeout", "timed out"),
    ("NoRoute", "no route to host"),
    ("SSL", "TLS handshake failed"),
    ("TLS", "TLS handshake failed"),
)
_EXCEPTION_TYPE = "downloader/exception_type_count/"


def _count(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key) or 0
    return int(value) if isinstance(value, int | float) else 0


def unreachable(stats: Mapping[str, Any]) -> str | None:
    """ "unreachable: connection refused (2 requests)" when the crawl sent requests and not
    one got a response, every one failing at the connection; else None."""
    if not _count(stats, "downloader/request_count") or _count(stats, "downloader/response_count"):
        return None
    kinds: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith(_EXCEPTION_TYPE) and isinstance(value, int | float):
            name = key[len(_EXCEPTION_TYPE) :].rsplit(".", 1)[-1]
            label = next((said for part, said in UNREACHABLE_KINDS if part in name), None)
            label = label or "connection failed"
            kinds[label] = kinds.get(label, 0) + int(value)
    if not kinds:
        return None
    parts = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))
    return "unreachable: " + ", ".join(
        f"{said} ({count} request{'s' if count != 1 else ''})" for said, count in parts
    )


# Over this share of a run's pages, a selector that matched nothing is a layout change.
LAYOUT_MISS_SHARE = 0.5
# A jump in soft 404s: at least this many, this many times the usual count, and this share
# of the article pages fetched.
SOFT_404_MIN, SOFT_404_FACTOR, SOFT_404_SHARE = 3, 3.0, 0.2


def layout_change(stats: dict[str, Any]) -> str | None:
    """The profile's title/date/body selectors matched nothing on most article pages of
    the run (which were archived with generic extraction): the portal was redesigned."""
    missed: list[str] = []
    tried, matched = 0, None
    for name in ("title", "date", "body"):
        pages = _num(stats, f"luutru/profile_pages/{name}")
        misses = _num(stats, f"luutru/profile_miss/{name}")
        if pages and misses and misses >= LAYOUT_MISS_SHARE * pages:
            missed.append(name)
            tried = max(tried, int(pages))
            hits = int(pages - misses)
            matched = hits if matched is None else min(matched, hits)
    if not missed:
        return None
    return (
        f"layout changed: {'/'.join(missed)} selectors matched {matched} of {tried} pages; "
        "archived with generic extraction"
    )


def soft_404_jump(stats: dict[str, Any], recent: list[dict[str, Any]]) -> str | None:
    """Many more pages than usual said "not found" or held no article."""
    soft = _num(stats, "luutru/soft_404")
    pages = soft + _num(stats, "luutru/records")
    usual = median(_num(h, "luutru/soft_404") for h in recent) if recent else 0.0
    if (
        soft >= SOFT_404_MIN
        and soft > SOFT_404_FACTOR * max(usual, 1.0)
        and pages
        and soft / pages > SOFT_404_SHARE
    ):
        return (
            f"{int(soft)} of {int(pages)} article pages were 'not found' or held no article, "
            f"usually {int(usual)}: has the site changed?"
        )
    return None


LAYOUT_PREFIX = "luutru/layout/"
# A layout seen on at least this share of a site's recent pages is one of its own.
KNOWN_LAYOUT_SHARE = 0.1


def _layouts(stats: dict[str, Any], part: str) -> dict[str, float]:
    prefix = f"{LAYOUT_PREFIX}{part}/"
    return {k[len(prefix) :]: _num(stats, k) for k in stats if k.startswith(prefix)}


def layout_moved(stats: dict[str, Any], recent: list[dict[str, Any]]) -> str | None:
    """Without selectors a redesign breaks nothing, but it shows: the box holding the text
    (or the headline) is one this site's recent pages never used."""
    for part, what in (("body", "article text"), ("title", "headline")):
        now = _layouts(stats, part)
        if not now:
            continue
        before: dict[str, float] = {}
        for run in recent:
            for sig, count in _layouts(run, part).items():
                before[sig] = before.get(sig, 0.0) + count
        total_before = sum(before.values())
        if not total_before:
            continue
        current = max(now, key=lambda s: now[s])
        if current in before and before[current] >= KNOWN_LAYOUT_SHARE * total_before:
            continue
        if now[current] < 0.5 * sum(now.values()):
            continue
        usual = max(before, key=lambda s: before[s])
        return (
            f"layout changed: the {what} is now in {current}, usually in {usual} "
            f"({int(now[current])} of {int(sum(now.values()))} pages); archived with "
            "generic extraction"
        )
    return None


def assess(stats: dict[str, Any], history: list[dict[str, Any]], rules: HealthRules) -> list[str]:
    """Reasons this run is unhealthy (empty when healthy). ``history``: stats of earlier
    completed runs of the same site, newest first."""
    reasons: list[str] = []
    requests = _num(stats, "downloader/request_count")
    errors = int(_num(stats, "log_count/ERROR"))
    trouble = _num(stats, "retry/count") + errors + _num(stats, "downloader/exception_count")
    if requests and trouble / requests > rules.max_error_ratio:
        reasons.append(
            f"{int(trouble)} retries/errors for {int(requests)} requests "
            f"(over {rules.max_error_ratio:.0%}): is the portal failing?"
        )
    elif errors:
        # Below the ratio a retry that worked is noise, but an ERROR is something lost
        # (a listing page given up after its retries, a file not stored): a run that saw
        # one is not clean, however few.
        reasons.append(f"{errors} error(s) in the run's log: `luutru log RUN --level ERROR`")
    layout = layout_change(stats)
    if layout:
        reasons.append(layout)
    recent = history[: rules.window]
    moved = None if layout else layout_moved(stats, recent)
    if moved:
        reasons.append(moved)
    jump = soft_404_jump(stats, recent)
    if jump:
        reasons.append(jump)
    if not recent:
        return reasons
    usual_links = median(_num(h, "luutru/listing_links") for h in recent)
    if usual_links > 0 and _num(stats, "luutru/listing_links") == 0:
        reasons.append(
            f"no article link found on the listings, usually {int(usual_links)}: "
            "has the listing layout changed?"
        )
    records = int(_num(stats, "luutru/records"))
    for name in FIELDS:
        now = coverage(stats, name)
        before = [c for h in recent if (c := coverage(h, name)) is not None]
        if now is None or not before:
            continue
        usual = median(before)
        if usual > 0 and now < usual * rules.coverage_drop:
            present = int(_num(stats, f"luutru/field/{name}"))
            reasons.append(
                f"{name} found in {present}/{records} articles, usually "
                f"{round(usual * records)}/{records}: has the layout changed?"
            )
    elapsed = _num(stats, "elapsed_time_seconds")
    usual_time = median(_num(h, "elapsed_time_seconds") for h in recent)
    if usual_time and elapsed > rules.slow_factor * usual_time and elapsed > rules.min_slow_seconds:
        reasons.append(f"run took {elapsed:.0f} s, usually {usual_time:.0f} s: is the portal slow?")
    return reasons
