"""Health of a run, judged against the site's recent runs (what Spidermon-style monitors
do, built for these portals): listings that stopped yielding links, field coverage that
dropped (a renamed author or date class), too many errors or retries, a run far slower
than usual. Pure functions over Scrapy stats dicts; thresholds per profile ([health])."""

from __future__ import annotations

from statistics import median
from typing import Any

from crawler.profiles import HealthRules

FIELDS = ("title", "date", "author", "body")


def _num(stats: dict[str, Any], key: str) -> float:
    value = stats.get(key) or 0
    return float(value) if isinstance(value, int | float) else 0.0


def coverage(stats: dict[str, Any], name: str) -> float | None:
    records = _num(stats, "luutru/records")
    return _num(stats, f"luutru/field/{name}") / records if records else None


def assess(stats: dict[str, Any], history: list[dict[str, Any]], rules: HealthRules) -> list[str]:
    """Reasons this run is unhealthy (empty when healthy). ``history``: stats of earlier
    completed runs of the same site, newest first."""
    reasons: list[str] = []
    requests = _num(stats, "downloader/request_count")
    trouble = (
        _num(stats, "retry/count")
        + _num(stats, "log_count/ERROR")
        + _num(stats, "downloader/exception_count")
    )
    if requests and trouble / requests > rules.max_error_ratio:
        reasons.append(
            f"{int(trouble)} retries/errors for {int(requests)} requests "
            f"(over {rules.max_error_ratio:.0%}): is the portal failing?"
        )
    recent = history[: rules.window]
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
