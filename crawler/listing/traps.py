"""Links into endless chains: calendars and date browsing.

A "Xem tin theo ngày" widget or a calendar answers every day, month and year ever asked
for; following its links never ends. Two signs give them away without a profile: the link
sits in a calendar (a table of day numbers under weekday names, or a box named as one),
or it differs from the page it is on by a date in its parameters or path. The spider adds
a third, for chains nobody could recognise: a pager whose pages bring no new article is
left after a few pages (crawler/spiders/).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlsplit

from lxml import etree

from crawler.extract.generic.hints import name_words, words

_CALENDAR_WORDS = words(
    """
    calendar lich datepicker lichngay wpcalendar archive-calendar
    """
)
_WEEKDAYS = re.compile(
    r"\b(?:T2|T3|T4|T5|T6|T7|CN|Thứ\s*(?:hai|ba|tư|năm|sáu|bảy)|Mo|Tu|We|Th|Fr|Sa|Su|"
    r"Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b",
    re.IGNORECASE,
)
_DAY = re.compile(r"^\d{1,2}$")
# A calendar shows a month: at least this many day links.
_CALENDAR_DAYS = 12
_DATE_VALUE = re.compile(
    r"(?<!\d)(?:\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|"
    r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]))(?!\d)"
)
_DATE_PARAMS = words(
    """
    ngay date day thang month nam year d m y ngaydang fromdate todate tungay denngay
    """
)
# /2024/05/12/ in a path: a day archive (an article's own dated path ends in a slug).
_DATED_PATH = re.compile(r"/(?:19|20)\d{2}(?:/\d{1,2}){1,2}/?$")


def in_calendar(a: etree._Element) -> bool:
    """The link sits in a calendar: a box named as one, or a table of day numbers."""
    for box in a.iterancestors():
        if name_words(box) & _CALENDAR_WORDS:
            return True
        if isinstance(box.tag, str) and box.tag.lower() == "table":
            days = sum(1 for link in box.iter("a") if _DAY.match((link.text or "").strip()))
            head = " ".join(t for t in box.itertext())[:400]
            if days >= _CALENDAR_DAYS or (days >= 3 and _WEEKDAYS.search(head)):
                return True
            break
    return False


_NO_MARKERS: frozenset[str] = frozenset()


def date_markers(url: str, parts: SplitResult | None = None) -> frozenset[str]:
    """The date-like parts of a URL: date-valued parameters and a dated path ending.
    ``parts``: ``urlsplit(url)``, when the caller has it."""
    parts = parts or urlsplit(url)
    if not parts.query and not _DATED_PATH.search(parts.path):
        return _NO_MARKERS
    return _query_date_markers(url)


# Memoised: a portal's menus and sidebars repeat the same links (with long Liferay
# queries) on every listing page, and parsing their queries was a fifth of recognising
# a real listing page's items, on the reactor.
@lru_cache(maxsize=4_096)  # a few hundred menu links a site; ~0.5 KB an entry
def _query_date_markers(url: str) -> frozenset[str]:
    parts = urlsplit(url)
    found: set[str] = set()
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in _DATE_PARAMS or _DATE_VALUE.search(value):
            found.add(f"{name.lower()}={value}")
    if _DATED_PATH.search(parts.path):
        found.add(parts.path)
    return frozenset(found)


def moves_a_date(from_url: str, to_url: str) -> bool:
    """``to_url`` differs from ``from_url`` in a date: one step of date browsing."""
    return bool(date_markers(to_url) - date_markers(from_url))
