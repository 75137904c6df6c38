"""Finding an article by a URL a reader pastes, and its mementos (RFC 7089) in time order.

A memento is a stored version with a WARC record: the page as it was when that version
was captured (the same unit as the WACZ export's pages). Its datetime is the version's
``fetched_at`` (Vietnam time in the archive, UTC in Memento headers and timestamps).

A URL is looked up in the aliases table, which holds every URL an article was seen under
(its canonical URL, the URLs it was fetched under, variants). Readers paste URLs slightly
differently from how a portal links them, so a few harmless spellings are tried after the
exact one: the other scheme (http/https) and a lower-case host.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from archive.schema import aliases, articles, versions

_WEB_URL = re.compile(r"^https?://[^/?#\s]+", re.IGNORECASE | re.ASCII)
# "http:/x" (one slash: what a proxy that merges slashes in paths leaves) → "http://x"
_ONE_SLASH = re.compile(r"^(https?):/+(?=[^/])", re.IGNORECASE | re.ASCII)
TIMESTAMP = re.compile(r"^[0-9]{1,14}$")


@dataclass(frozen=True)
class Memento:
    number: int  # the version number
    fetched_at: str  # ISO 8601, +07:00, as stored
    when: datetime  # the same instant, in UTC

    @property
    def timestamp(self) -> str:
        """The 14-digit UTC timestamp of web archive URLs (``/web/20240501010000/…``)."""
        return self.when.strftime("%Y%m%d%H%M%S")


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host."""
    return bool(_WEB_URL.match(url))


def repair_url(url: str) -> str:
    """The URL as it was pasted into a path (``/timemap/link/http://…``): a scheme whose
    double slash was merged into one gets it back."""
    return _ONE_SLASH.sub(lambda m: m.group(1) + "://", url.strip(), count=1)


def url_variants(url: str) -> list[str]:
    """``url`` first, then the same URL with a lower-case host and with the other scheme."""
    out = [url]
    parts = urlsplit(url)
    lowered = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower())
    other = "https" if lowered.scheme == "http" else "http"
    for candidate in (lowered, lowered._replace(scheme=other)):
        spelled = urlunsplit(candidate)
        if spelled not in out:
            out.append(spelled)
    return out


def article_ref_for_url(archive: Any, url: str) -> str | None:
    """The public id ("site:key") of the article seen under ``url`` (or a harmless
    spelling of it, :func:`url_variants`), or None."""
    candidates = url_variants(url)
    with archive.engine.connect() as conn:
        rows = conn.execute(
            select(aliases.c.url, articles.c.site, articles.c.article_key)
            .join(articles, articles.c.id == aliases.c.article_id)
            .where(aliases.c.url.in_(candidates))
        ).all()
    found = {row.url: f"{row.site}:{row.article_key}" for row in rows}
    return next((found[c] for c in candidates if c in found), None)


def to_utc(fetched_at: str) -> datetime:
    return datetime.fromisoformat(fetched_at).astimezone(UTC)


def mementos(archive: Any, article_id: int) -> list[Memento]:
    """The article's versions that have a WARC record, oldest first."""
    with archive.engine.connect() as conn:
        rows = conn.execute(
            select(versions.c.number, versions.c.fetched_at)
            .where(versions.c.article_id == article_id, versions.c.warc_file.is_not(None))
            .order_by(versions.c.number)
        ).all()
    return [Memento(int(r.number), r.fetched_at, to_utc(r.fetched_at)) for r in rows]


def closest(found: list[Memento], when: datetime | None) -> Memento:
    """The memento nearest to ``when`` (the newest when None); of two equally near, the
    earlier. ``found`` is oldest first and not empty."""
    if when is None:
        return found[-1]
    instants = [m.when for m in found]
    i = bisect_left(instants, when)
    candidates = found[max(i - 1, 0) : i + 1]
    return min(candidates, key=lambda m: abs(m.when - when))


def timestamp_datetime(stamp: str) -> datetime:
    """A web archive timestamp (1 to 14 digits, UTC) as the latest instant it names, as
    pywb reads one: ``2024`` is the end of 2024, ``202405`` the end of May; fields past
    their range are clamped (month 13 → 12). ValueError when it is not digits."""
    if not TIMESTAMP.match(stamp):
        raise ValueError(f"a timestamp is 1 to 14 digits (YYYYMMDDhhmmss), not {stamp!r}")
    padded = stamp + "99991231235959"[len(stamp) :]
    year = max(int(padded[0:4]), 1)
    month = min(max(int(padded[4:6]), 1), 12)
    last_day = calendar.monthrange(year, month)[1]
    day = min(max(int(padded[6:8]), 1), last_day)
    tops = ((8, 23), (10, 59), (12, 59))
    hour, minute, second = (min(int(padded[i : i + 2]), top) for i, top in tops)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
