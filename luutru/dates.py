"""Dates typed on the command line: one parser for every option that takes one.

Accepted: ``YYYY-MM-DD`` (a real calendar day: no 2024-02-30), ``DD/MM/YYYY`` (as
Vietnamese pages print them), ``today``, ``yesterday`` and ``Nd`` (N days ago: ``7d``).
"Today" is today in Vietnam (Asia/Ho_Chi_Minh, +07:00, no DST since 1975), the time zone
of every timestamp in the archive. ``--as-of`` also takes an ISO 8601 date and time.

Used as argparse ``type=``: an invalid value is one line naming the option and the forms.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
FORMS = "YYYY-MM-DD, DD/MM/YYYY, today, yesterday or Nd (N days ago)"

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_VN = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_AGO = re.compile(r"(\d{1,5})\s*d")


def today(now: datetime | None = None) -> date:
    return (now or datetime.now(VN_TZ)).astimezone(VN_TZ).date()


def parse_date(text: str, now: datetime | None = None) -> date:
    """The day ``text`` names; ValueError (with the accepted forms) when it names none."""
    value = text.strip().lower()
    if value == "today":
        return today(now)
    if value == "yesterday":
        return today(now) - timedelta(days=1)
    ago = _AGO.fullmatch(value)
    if ago:
        return today(now) - timedelta(days=int(ago.group(1)))
    iso, vn = _ISO.fullmatch(value), _VN.fullmatch(value)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif vn:
        day, month, year = (int(g) for g in vn.groups())
    else:
        raise ValueError(f"{text!r} is not a date: use {FORMS}")
    try:
        return date(year, month, day)
    except ValueError as exc:  # 2024-13-45, 2024-02-30
        raise ValueError(f"{text!r} is not a date ({exc}): use {FORMS}") from None


def parse_moment(text: str, now: datetime | None = None) -> str:
    """A date (any form above) or an ISO 8601 date and time, as an ISO 8601 string."""
    if "t" in text.strip().lower() and _ISO.match(text.strip()):
        try:
            datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{text!r} is not a date and time: use YYYY-MM-DDTHH:MM[:SS][+07:00] or {FORMS}"
            ) from None
        return text.strip()
    return parse_date(text, now).isoformat()


def _argtype(parse: Callable[[str], str], name: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse names the type in some messages
    return convert


def _date_iso(text: str) -> str:
    return parse_date(text).isoformat()


# argparse ``type=``: the value becomes an ISO string (what the archive takes).
date_arg = _argtype(_date_iso, "date")
moment_arg = _argtype(parse_moment, "date or time")
