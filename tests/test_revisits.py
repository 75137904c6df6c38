"""The revisit policy: what a crawl does with a link, given what the archive knows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from archive.crawlstate import KeyState
from crawler.profile_model import RevisitRules
from crawler.revisits import Action, decide, revisit_due

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
RULES = RevisitRules(factor=0.1, min_days=1, max_days=60)


def state(
    status: str = "live", date: str = "2026-11-20", checked_days_ago: float = 0.5
) -> KeyState:
    checked = (NOW - timedelta(days=checked_days_ago)).isoformat()
    return KeyState("1", status, '"etag"', None, date, checked, checked)


def test_unknown_key_is_fetched() -> None:
    assert decide(None, full=False, listing_date=None, rules=RULES, now=NOW) is Action.FETCH


def test_full_walk_revisits_every_live_article_conditionally() -> None:
    assert decide(state(), full=True, listing_date=None, rules=RULES, now=NOW) is Action.CONDITIONAL


def test_incremental_skips_a_known_unchanged_article() -> None:
    s = state()
    assert decide(s, full=False, listing_date=s.date, rules=RULES, now=NOW) is Action.SKIP


def test_a_moved_listing_date_means_an_edit() -> None:
    s = state(date="2026-11-20")
    action = decide(s, full=False, listing_date="2026-11-24", rules=RULES, now=NOW)
    assert action is Action.CONDITIONAL


def test_dead_links_and_key_aliases_are_never_refetched() -> None:
    for status in ("dead", "alias"):
        for full in (True, False):
            assert decide(state(status), full=full, listing_date=None, rules=RULES, now=NOW) is (
                Action.SKIP
            )


def test_removed_article_is_checked_again_only_by_a_full_walk() -> None:
    removed = state("removed")
    assert decide(removed, full=True, listing_date=None, rules=RULES, now=NOW) is Action.FETCH
    assert decide(removed, full=False, listing_date=None, rules=RULES, now=NOW) is Action.SKIP


def test_young_article_is_due_after_a_day() -> None:
    young = state(date="2026-11-24", checked_days_ago=1.1)
    assert revisit_due(young, RULES, NOW)
    assert not revisit_due(state(date="2026-11-24", checked_days_ago=0.5), RULES, NOW)


def test_old_article_is_due_rarely() -> None:
    old = "2024-01-01"  # ~3 years: interval capped at max_days
    assert not revisit_due(state(date=old, checked_days_ago=30), RULES, NOW)
    assert revisit_due(state(date=old, checked_days_ago=61), RULES, NOW)


def test_middle_aged_article_interval_grows_with_age() -> None:
    # 100 days old × 0.1 = every 10 days
    date = (NOW - timedelta(days=100)).date().isoformat()
    assert not revisit_due(state(date=date, checked_days_ago=9), RULES, NOW)
    assert revisit_due(state(date=date, checked_days_ago=11), RULES, NOW)


def test_due_revisit_makes_incremental_fetch_conditionally() -> None:
    due = state(date="2026-11-24", checked_days_ago=2)
    action = decide(due, full=False, listing_date=due.date, rules=RULES, now=NOW)
    assert action is Action.CONDITIONAL


def test_a_listing_that_shows_the_article_otherwise_means_an_edit() -> None:
    s = replace(state(), listing_sig="aaaa")
    same = decide(s, full=False, listing_date=None, rules=RULES, now=NOW, listing_sig="aaaa")
    moved = decide(s, full=False, listing_date=None, rules=RULES, now=NOW, listing_sig="bbbb")
    assert same is Action.SKIP
    assert moved is Action.CONDITIONAL


def test_an_unknown_listing_signature_is_no_reason_to_fetch() -> None:
    """Articles archived before signatures were kept have none: no refetch of them all."""
    s = state()
    assert decide(s, full=False, listing_date=None, rules=RULES, now=NOW, listing_sig="x") is (
        Action.SKIP
    )
