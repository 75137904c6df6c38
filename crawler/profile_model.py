"""What a site profile says, once read and checked (crawler/profiles.py reads and checks
the TOML): the portal's identity, its start pages and schedule, the listing and article
rules, revisits, health thresholds and Scrapy settings. Frozen dataclasses: a crawl never
changes its profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: key '{key}': {problem}")


@dataclass(frozen=True)
class ListingRules:
    links: str = ""  # selector of article links on a listing page
    next: str = ""  # selector of next-page links (href or __doPostBack javascript)
    postback: bool = False  # follow ASP.NET __doPostBack pagers with FormRequest
    other_news: str = ""  # selector of the "Các tin khác" block on article pages
    categories: str = ""  # selector of category listing links on start pages
    url_pattern: str = ""  # regex a category/listing URL must match to be followed
    max_pages: int = 500  # hard bound on listing pages per crawl (a runaway pager)
    item: str = ""  # selector of one listing item (link + date), for incremental walks
    item_date: str = ""  # selector of the date inside an item: a changed date means an edit
    stop_after: int = 20  # incremental: stop after this many consecutive known, unchanged items


@dataclass(frozen=True)
class RevisitRules:
    """Decaying revisits of known articles: interval = age × factor in [min_days, max_days]."""

    factor: float = 0.1
    min_days: float = 1.0
    max_days: float = 60.0


@dataclass(frozen=True)
class HealthRules:
    """When a run is unhealthy, compared with the site's recent runs (crawler/health.py)."""

    window: int = 10  # recent runs to compare with
    coverage_drop: float = 0.5  # unhealthy below this share of the usual field coverage
    max_error_ratio: float = 0.2  # (retries + errors) / requests
    slow_factor: float = 3.0  # unhealthy when this many times the usual duration …
    min_slow_seconds: float = 60.0  # … and longer than this
    canary_hours: float = 24.0  # re-check the newest known article at most this often


@dataclass(frozen=True)
class ArticleRules:
    url_pattern: str = ""  # regex with a named group `id`
    title: str = ""
    date: str = ""
    author: str = ""
    body: str = ""
    summary: str = ""
    source: str = ""
    category: str = ""
    drop: tuple[str, ...] = ()
    date_format: str = ""  # strptime format, tried before the built-in Vietnamese forms
    soft_404: tuple[str, ...] = ()  # texts that mark a "not found" page served with 200
    id_params: tuple[str, ...] = ()  # query params that identify the article (names match any case)
    canonical: str = ""  # URL template with {id}, relative to the article URL (IIS-style portals)


@dataclass(frozen=True)
class SiteProfile:
    id: str
    name: str
    province: str
    department: str
    start_urls: tuple[str, ...]
    schedule: str
    listing: ListingRules
    article: ArticleRules
    revisit: RevisitRules = field(default_factory=RevisitRules)
    health: HealthRules = field(default_factory=HealthRules)
    schedule_jitter: int = 0  # seconds of random delay before a scheduled run
    cms: str = ""
    deny: tuple[str, ...] = ()  # regexes of URLs never requested (traps, print views)
    verified_offline: bool = True  # false for real portals nobody could check from here
    settings: Mapping[str, Any] = field(default_factory=dict)  # Scrapy settings for this site
    source_path: str = ""
    # Hosts besides the start URLs' that belong to the portal (a storage host for its
    # attachments, a second name): nothing on any other host is ever requested.
    extra_domains: tuple[str, ...] = ()

    @property
    def allowed_domains(self) -> list[str]:
        from urllib.parse import urlsplit

        hosts = {urlsplit(u).hostname or "" for u in self.start_urls} | set(self.extra_domains)
        return sorted(hosts - {""})

    def describe(self) -> dict[str, Any]:
        """Who publishes the site and how it is crawled: `luutru sites --format json` and
        the API's /api/sites."""
        return {
            "id": self.id,
            "name": self.name,
            "province": self.province,
            "department": self.department,
            "cms": self.cms,
            "schedule": self.schedule,
            "start_urls": list(self.start_urls),
            "verified_offline": self.verified_offline,
        }

    def rebased(self, base_url: str) -> SiteProfile:
        """The same profile with start URLs moved to another scheme://host:port (mirrors, demo)."""
        from dataclasses import replace
        from urllib.parse import urlsplit, urlunsplit

        base = urlsplit(base_url)
        moved = tuple(
            urlunsplit((base.scheme, base.netloc, *urlsplit(u)[2:])) for u in self.start_urls
        )
        return replace(self, start_urls=moved)
