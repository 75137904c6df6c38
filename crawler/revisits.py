"""What to do with an article link, given what the archive knows (the revisit policy).

Pure functions, so the policy is tested without a crawl: a new key is fetched; a known
article is fetched with a conditional GET when a full walk asks for it, when its listing
date moved (an edit bumps the date line) or the listing shows it otherwise than last time
(headline and date, as recognised without a profile), or when its decaying revisit is
due; otherwise
an incremental walk skips it and counts it as known and unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from crawler.profile_model import RevisitRules


class Action(Enum):
    FETCH = "fetch"  # never seen: plain GET
    CONDITIONAL = "conditional"  # known: GET with If-None-Match / If-Modified-Since
    SKIP = "skip"  # known, unchanged as far as we can tell, not due


def revisit_due(state: Any, rules: RevisitRules, now: datetime) -> bool:
    """Young articles often, old ones rarely: every age × factor days, within bounds."""
    if getattr(state, "status", None) != "live" or not state.last_checked:
        return False
    checked = datetime.fromisoformat(state.last_checked)
    born = datetime.fromisoformat(f"{state.date}T00:00:00+07:00") if state.date else checked
    age_days = max((now - born).total_seconds() / 86400, 0.0)
    interval = min(max(age_days * rules.factor, rules.min_days), rules.max_days)
    return now - checked >= timedelta(days=interval)


def decide(
    state: Any | None,
    *,
    full: bool,
    listing_date: str | None,
    rules: RevisitRules,
    now: datetime,
    listing_sig: str | None = None,
) -> Action:
    if state is None:
        return Action.FETCH
    if state.status in ("dead", "alias"):
        return Action.SKIP  # not an article, or another key of a known one
    if state.status == "removed":
        return Action.FETCH if full else Action.SKIP  # a full walk notices a comeback
    if full:
        return Action.CONDITIONAL
    if listing_date and state.date and listing_date != state.date:
        return Action.CONDITIONAL
    known_sig = getattr(state, "listing_sig", None)
    if listing_sig and known_sig and listing_sig != known_sig:
        return Action.CONDITIONAL  # the listing shows another headline or date: an edit
    if revisit_due(state, rules, now):
        return Action.CONDITIONAL
    return Action.SKIP
