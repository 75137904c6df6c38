"""The load side of ``bench --only serve``: keep-alive clients that send a mixed request
list to a running ``luutru serve`` for a fixed time, and the figures they measured.

aiohttp (Scrapy already depends on it): one ``ClientSession`` per client with a
one-connection pool, so each client is one keep-alive connection sending its next
request when the last answer has been read, as a person's browser tab does.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

# (query parameters, what it exercises); q values in NFC.
SEARCHES: list[tuple[dict[str, Any], str]] = [
    ({"q": "lao động"}, "words"),
    ({"q": "lao dong"}, "folded words"),
    ({"q": "thương binh"}, "words"),
    ({"q": "thuong binh xa hoi"}, "folded words"),
    ({"q": "dang uy"}, "đ folded"),
    ({"q": '"thương binh"'}, "phrase"),
    ({"q": '"tai nan lao dong"'}, "folded phrase"),
    ({"q": "hội nghị AND huyện"}, "AND"),
    ({"q": "tuyển dụng OR việc làm"}, "OR"),
    ({"q": "lao dong", "site": "demo-aspnet"}, "site filter"),
    ({"q": "lao động", "date_from": "2023-01-01", "date_to": "2023-12-31"}, "date range"),
    ({"q": "lao dong", "sort": "date"}, "date sort"),
    ({"q": "y tế", "province": "Hòa An"}, "province"),
    ({"q": "việc làm", "status": "live"}, "status"),
]
# Extra single words (with and without diacritics) so that not every query repeats.
WORDS = ("bảo hiểm", "bao hiem", "kiểm tra", "kiem tra", "hội nghị", "hoi nghi", "tuyển dụng",
         "tuyen dung", "người có công", "nguoi co cong", "trẻ em", "tre em", "y tế", "y te",
         "dạy nghề", "day nghe", "giảm nghèo", "giam nghe")  # fmt: skip


def request_mix(ids: list[str], versions: list[tuple[str, int]], seed: int = 7) -> list[str]:
    """A shuffled list of paths: JSON and HTML searches (pages 1–3), article pages,
    version pages and the article API, in roughly the proportions a reading room sends."""
    rng = random.Random(seed)
    paths: list[str] = []
    for n in range(2_000):
        kind = n % 10
        if kind in (0, 1, 2):  # /api/search, offset = page 1–3
            params, _ = rng.choice(SEARCHES)
            if rng.random() < 0.3:
                params = {"q": rng.choice(WORDS)}
            paths.append(_search("/api/search", params, limit=20, offset=20 * rng.randrange(3)))
        elif kind in (3, 4, 5):  # the HTML search page, pages 1–3
            params, _ = rng.choice(SEARCHES)
            if rng.random() < 0.3:
                params = {"q": rng.choice(WORDS)}
            paths.append(_search("/search", params, page=1 + rng.randrange(3)))
        elif kind in (6, 7):
            paths.append(f"/articles/{quote(rng.choice(ids), safe=':')}")
        elif kind == 8:
            article, number = rng.choice(versions)
            paths.append(f"/articles/{quote(article, safe=':')}/versions/{number}")
        else:
            paths.append(f"/api/articles/{quote(rng.choice(ids), safe=':')}")
    rng.shuffle(paths)
    return paths


def _search(path: str, params: dict[str, Any], **extra: Any) -> str:
    query = {k: v for k, v in params.items()}
    query.update(extra)
    if query.get("page") == 1:
        query.pop("page")
    return path + "?" + urlencode(query)


@dataclass
class Figures:
    clients: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        times = sorted(self.latencies_ms)

        def pct(p: float) -> float | None:
            if not times:
                return None
            return round(times[min(len(times) - 1, int(len(times) * p))], 1)

        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "requests": len(times),
            "req_per_s": round(len(times) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "errors": self.errors,
            "error_samples": self.error_samples[:5],
        }


def _unseen(path: str, n: str) -> str:
    """``path`` with a parameter no route reads, so that no cached response answers it (the
    server's data caches still do): every request the server's response cache has not seen."""
    return f"{path}{'&' if '?' in path else '?'}unseen={n}"


async def _client(
    base: str, paths: list[str], start: int, deadline: float, figures: Figures,
    unseen: bool = False,
) -> None:  # fmt: skip
    import aiohttp

    connector = aiohttp.TCPConnector(limit=1, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        i = start
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            if unseen:
                path = _unseen(path, f"{start}.{i}")  # clients' ranges overlap
            i += 1
            t0 = time.perf_counter()
            try:
                async with session.get(path) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, OSError, aiohttp.ClientError) as exc:
                status, path = 0, f"{path}: {type(exc).__name__} {exc}"
            ms = (time.perf_counter() - t0) * 1000
            # A 400 is an answer too only for a query meant to be refused; the mix has none.
            if status == 200:
                figures.latencies_ms.append(ms)
            else:
                figures.errors += 1
                if len(figures.error_samples) < 5:
                    figures.error_samples.append(f"{status} {path}")


async def _drive(
    base: str, paths: list[str], clients: int, seconds: float, unseen: bool
) -> Figures:
    figures = Figures(clients, seconds)
    t0 = time.monotonic()
    deadline = t0 + seconds
    step = max(len(paths) // clients, 1)
    await asyncio.gather(
        *(_client(base, paths, n * step, deadline, figures, unseen) for n in range(clients))
    )
    figures.seconds = time.monotonic() - t0
    return figures


def drive(
    base: str, paths: list[str], clients: int, seconds: float, unseen: bool = False
) -> dict[str, Any]:
    """``clients`` keep-alive connections for ``seconds``; the figures as a dict.
    ``unseen``: every request made new (``_unseen``), as if no two readers asked alike."""
    return asyncio.run(_drive(base, paths, clients, seconds, unseen)).summary()
