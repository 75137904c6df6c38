"""Archive timestamps: ISO 8601, second precision, always in Asia/Ho_Chi_Minh (+07:00).

Vietnam has had no DST since 1975, so a fixed +07:00 offset is exact and needs no tzdata.
One offset and one precision everywhere means string order is time order.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def now_iso() -> str:
    return datetime.now(VN_TZ).isoformat(timespec="seconds")


def normalize_iso(value: str | None) -> str:
    """Normalise an ISO 8601 timestamp to +07:00, seconds; naive means Vietnam time.
    Empty/None gives now."""
    if not value:
        return now_iso()
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN_TZ)
    return dt.astimezone(VN_TZ).isoformat(timespec="seconds")
