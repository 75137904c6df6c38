"""Vietnamese article dates: "Ngày cập nhật 24/01/2021", "08:30 SA, Thứ Hai, 25/01/2021" …

Day-first always (Vietnam never writes month-first). A date needs a four-digit year: a
partial date such as "Chiều ngày (15/1)" is an event date inside the text, not the
article's date. Nothing here raises: unparseable or impossible input gives ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crawler.extract.vietnamese.text import normalize_text

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Plausible article years: rejects "01/01/0001" placeholders and digit soup.
_MIN_YEAR, _MAX_YEAR = 1990, 2100

# 24/01/2021, 24-01-2021, 24.01.2021 (also with spaces around the separator).
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
# ngày 24 tháng 01 năm 2021 (the leading "ngày" is optional: "24 tháng 1 năm 2021").
_WORDY = re.compile(
    r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:,\s*|\s+)năm\s+(\d{4})(?!\d)", re.IGNORECASE
)
# WordPress's Vietnamese formats: "9 Tháng 1, 2020" (j F, Y) and "Tháng 1 9, 2020" (F j, Y).
_DAY_MONTH_YEAR = re.compile(
    r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2}),?\s+(\d{4})(?!\d)", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    r"(?<![\d\w])tháng\s+(\d{1,2})\s+(\d{1,2}),\s*(\d{4})(?!\d)", re.IGNORECASE
)
# 2021-01-24 (ISO, found in meta tags and <time datetime>).
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# 08:30, 8h30, 08:30:15, optionally followed by SA/CH/AM/PM or a part of the day.
_TIME = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?::(\d{2}))?(?!\d)"
    r"(?:\s*(SA|CH|AM|PM|A\.M\.|P\.M\.|sáng|trưa|chiều|tối)(?!\w))?",
    re.IGNORECASE,
)
_AM = {"sa", "am", "a.m.", "sáng"}
_PM = {"ch", "pm", "p.m.", "chiều", "tối"}


@dataclass(frozen=True)
class ArticleDate:
    day: dt.date
    time: dt.time | None = None

    @property
    def date_iso(self) -> str:
        return self.day.isoformat()

    @property
    def datetime_iso(self) -> str | None:
        """Minute precision with the Vietnam offset, or None when the page gave no time."""
        if self.time is None:
            return None
        moment = dt.datetime.combine(self.day, self.time.replace(second=0, microsecond=0))
        return moment.replace(tzinfo=TZ).isoformat(timespec="seconds")


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:  # 31/02, 00/13 …
        return None


def _to_24h(hour: int, marker: str | None) -> int | None:
    marker = (marker or "").lower()
    if marker in _AM or marker in _PM:
        if not 1 <= hour <= 12:
            # "15:30 PM" is a common CMS quirk: the hour is already 24-hour.
            return hour if marker in _PM and 12 < hour < 24 else None
        if marker in _AM:
            return 0 if hour == 12 else hour
        return hour if hour == 12 else hour + 12
    if marker == "trưa":  # noon: 12h trưa, 1h trưa
        return hour + 12 if hour < 11 else hour
    return hour if 0 <= hour <= 23 else None


def _find_time(text: str) -> dt.time | None:
    for match in _TIME.finditer(text):
        hour = _to_24h(int(match.group(1)), match.group(4))
        minute = int(match.group(2))
        if hour is not None and 0 <= minute <= 59:
            return dt.time(hour, minute)
    return None


def _from_format(text: str, date_format: str) -> ArticleDate | None:
    try:
        moment = dt.datetime.strptime(text, date_format)
    except (ValueError, TypeError):
        return None
    day = _make_date(moment.year, moment.month, moment.day)
    if day is None:
        return None
    has_time = any(code in date_format for code in ("%H", "%I", "%M"))
    return ArticleDate(day, moment.time().replace(second=0) if has_time else None)


def _from_iso(text: str) -> ArticleDate | None:
    """Full ISO timestamps (meta tags): converted to Vietnam time when they carry an offset."""
    stripped = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", stripped):
        return None
    try:
        moment = dt.datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(TZ)
    day = _make_date(moment.year, moment.month, moment.day)
    return ArticleDate(day, moment.time().replace(second=0, microsecond=0)) if day else None


def parse_vietnamese_date(text: str, date_format: str | None = None) -> ArticleDate | None:
    """The first full date in ``text`` (plus a time if one is given), or None."""
    try:
        return _parse(text, date_format)
    except Exception:  # never raise on page text: a bad date is a warning, not a crash
        return None


def _parse(text: str, date_format: str | None) -> ArticleDate | None:
    if not isinstance(text, str):
        return None
    text = normalize_text(text)
    if not text:
        return None
    if date_format:
        found = _from_format(text, date_format)
        if found:
            return found
    found = _from_iso(text)
    if found:
        return found
    candidates = []
    forms = (
        (_DMY, (4, 3, 1)),
        (_WORDY, (3, 2, 1)),
        (_DAY_MONTH_YEAR, (3, 2, 1)),
        (_MONTH_DAY_YEAR, (3, 1, 2)),
        (_ISO, (1, 2, 3)),
    )
    for pattern, order in forms:
        for match in pattern.finditer(text):
            year, month, day = (int(match.group(i)) for i in order)
            parsed = _make_date(year, month, day)
            if parsed:
                candidates.append((match.start(), match.end(), parsed))
                break  # the first valid match of each form is enough
    if not candidates:
        return None
    start, end, day = min(candidates, key=lambda c: c[0])
    # Blank the date itself so its digits are never read as a time ("24.01" ≠ 24:01).
    rest = text[:start] + " | " + text[end:]
    return ArticleDate(day, _find_time(rest))


def find_article_date(texts: Iterable[str], date_format: str | None = None) -> ArticleDate | None:
    """The date of the first text that parses (texts in order of trust)."""
    for text in texts:
        found = parse_vietnamese_date(text, date_format)
        if found:
            return found
    return None
