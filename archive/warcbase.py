"""What writing and reading WARC files share: the format version, the error and pointer
types, WARC dates, and warcio's writer with injectable record ids and dates.

Kept apart so that archive/warc.py (writing) and archive/warcread.py (reading, checking,
export copies) can both build on it without importing each other; every name here is
also importable from :mod:`archive.warc`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, BinaryIO, NamedTuple

from warcio.statusandheaders import StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

SOFTWARE = "luutru/0.1"
WARC_VERSION = "1.1"

DateLike = datetime | str | None


class WarcError(Exception):
    """A WARC file or pointer cannot be read (bad offset, corrupt or truncated data)."""


class WarcPointer(NamedTuple):
    """Where one record lives: file name relative to the series directory, byte offset
    and length of its gzip member (the values ``warcio index`` reports)."""

    file: str
    offset: int
    length: int


def warc_date(value: DateLike, default: Callable[[], datetime] | None = None) -> str:
    """A WARC 1.1 date (UTC, ``Z``, microseconds only when non-zero) from a datetime or an
    ISO 8601 string; naive values are taken as UTC."""
    if value is None:
        value = default() if default else datetime.now(UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(value, use_micros=True)


class _Writer(WARCWriter):
    """warcio's writer with injectable record ids and dates (what warcio's own tests do by
    overriding ``_make_warc_id`` / the date), so output can be byte-identical."""

    def __init__(
        self,
        out: BinaryIO,
        record_id_factory: Callable[[], str] | None,
        clock: Callable[[], datetime] | None,
    ) -> None:
        super().__init__(out, gzip=True, warc_version=WARC_VERSION)
        self._id_factory = record_id_factory
        self._clock = clock

    def _make_warc_id(self, id_: Any = None) -> str:  # type: ignore[override]
        if self._id_factory is None:
            return StatusAndHeadersParser.make_warc_id(id_)
        rid = self._id_factory()
        return rid if rid.startswith("<") else f"<{rid}>"

    def curr_warc_date(self) -> str:
        return warc_date(None, self._clock)
