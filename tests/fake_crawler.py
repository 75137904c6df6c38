"""A stand-in for a Scrapy crawler where only its stats are read (luutru/progress.py)."""

from __future__ import annotations


class FakeStats:
    def __init__(self, values: dict[str, int]) -> None:
        self.values = values

    def get_stats(self) -> dict[str, int]:
        return self.values


class FakeCrawler:
    def __init__(self, values: dict[str, int]) -> None:
        self.stats = FakeStats(values)
