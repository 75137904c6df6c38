"""Times as people read them: Vietnam local time (Asia/Ho_Chi_Minh) with a relative time
("3 giờ trước" / "3 hours ago"), inside ``<time datetime="ISO 8601">`` so machines keep
the exact instant.

Relative times come from Babel's ``format_timedelta`` (CLDR's wording for Vietnamese and
English) rather than a hand-made table. Naive timestamps are Vietnam time, as everywhere
in the archive; ``Z``/UTC ones are converted. The Jinja filters:

- ``when``: ``<time>`` with ``dd/mm/yyyy HH:MM`` and the relative time (dates alone: the
  date only);
- ``when_text``: the same as plain text, for SVG ``<title>`` tooltips and attributes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from babel.dates import format_timedelta
from jinja2 import Environment, pass_context
from markupsafe import Markup, escape

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")  # no DST since 1975


def parse(value: Any) -> datetime | date | None:
    """A timestamp (aware, in Vietnam time), a bare date, or None when unreadable."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN_TZ)
    return dt.astimezone(VN_TZ)


def local_text(value: datetime | date) -> str:
    """``02/01/2026 07:05`` (or ``02/01/2026``): the Vietnamese order, used in both
    languages so dates read the same on a page whichever language it is in."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def relative(value: datetime, lang: str, now: datetime | None = None) -> str:
    """Relative to ``now``: "3 giờ trước", "sau 2 ngày nữa", "3 hours ago", "in 2 days"."""
    now = now or datetime.now(UTC)
    return format_timedelta(value - now, add_direction=True, locale=lang, threshold=0.9)


def when_text(value: Any, lang: str, now: datetime | None = None) -> str:
    parsed = parse(value)
    if parsed is None:
        return "" if value is None else str(value)
    if not isinstance(parsed, datetime):
        return local_text(parsed)
    return f"{local_text(parsed)} ({relative(parsed, lang, now)})"


def when_markup(value: Any, lang: str, now: datetime | None = None) -> Markup:
    parsed = parse(value)
    if parsed is None:  # shown as it is rather than hidden: it may still mean something
        return Markup("{0}").format("" if value is None else value)
    iso = escape(parsed.isoformat())
    # f-strings over escaped parts: Markup.format cost a quarter of an article page's
    # template time (about five of these per page)
    if not isinstance(parsed, datetime):
        return Markup(f'<time datetime="{iso}">{escape(local_text(parsed))}</time>')
    ago = escape(relative(parsed, lang, now))
    return Markup(
        f'<time datetime="{iso}" title="{iso}">{escape(local_text(parsed))} '
        f'<span class="ago">({ago})</span></time>'
    )


def install(env: Environment) -> None:
    """Registers ``when`` and ``when_text``; both read the page's ``lang``."""

    @pass_context
    def when(context: Any, value: Any) -> Markup:
        return when_markup(value, context.get("lang", "vi"))

    @pass_context
    def when_plain(context: Any, value: Any) -> str:
        return when_text(value, context.get("lang", "vi"))

    env.filters["when"] = when
    env.filters["when_text"] = when_plain
