"""APScheduler triggers from site profiles: standard cron in Vietnam time, intervals."""

from __future__ import annotations

from typing import Any

TIMEZONE = "Asia/Ho_Chi_Minh"
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _weekday_set(spec: str) -> set[int]:
    """Days (0 = Sunday … 6) of a standard cron day-of-week field: ``1-5``, ``*/2``, ``sun``,
    ``0,6``, ``mon-fri/2``; 7 is Sunday too."""

    def day(token: str) -> int:
        token = token.strip().lower()
        if token[:3] in _WEEKDAYS and not token.isdigit():
            return _WEEKDAYS.index(token[:3])
        value = int(token)
        if not 0 <= value <= 7:
            raise ValueError(f"day of week {value} out of range 0-7")
        return value

    days: set[int] = set()
    for part in spec.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in {part!r}")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            first, last = (day(x) for x in base.split("-", 1))
        else:
            first = day(base)
            last = 6 if step_text else first
        if first > last:
            raise ValueError(f"bad range in {part!r}")
        days.update(d % 7 for d in range(first, last + 1, step))
    return days


def cron_trigger(expr: str, jitter: int = 0, timezone: str = TIMEZONE) -> Any:
    """A standard 5-field cron expression as an APScheduler 3 CronTrigger.

    ``CronTrigger.from_crontab`` would do, but APScheduler 3 numbers weekdays from Monday
    (0 = Monday, its issue 286) where cron numbers them from Sunday: ``0 6 * * 1`` would run
    on Tuesdays. So the day-of-week field is rewritten with day names, which mean the same
    to both. (Like APScheduler, a restricted day-of-month AND day-of-week must both match.)"""
    from apscheduler.triggers.cron import CronTrigger

    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"expected a 5-field cron expression, got {expr!r}")
    minute, hour, day, month, weekday = fields
    if weekday not in ("*", "?"):
        days = _weekday_set(weekday)
        weekday = ",".join(_WEEKDAYS[d] for d in sorted(days)) if len(days) < 7 else "*"
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=weekday if weekday != "?" else "*",
        timezone=timezone,
        jitter=jitter or None,
    )


def interval_trigger(seconds: float, timezone: str = TIMEZONE) -> Any:
    from apscheduler.triggers.interval import IntervalTrigger

    return IntervalTrigger(seconds=seconds, timezone=timezone)


def trigger_signature(trigger: Any) -> tuple[Any, ...]:
    """What makes two triggers the same schedule (an IntervalTrigger's start date does not:
    it is "now" whenever one is built)."""
    from apscheduler.triggers.interval import IntervalTrigger

    if isinstance(trigger, IntervalTrigger):
        return ("interval", trigger.interval.total_seconds(), trigger.jitter)
    return ("cron", str(trigger), str(trigger.timezone), trigger.jitter)
