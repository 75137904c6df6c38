"""What `luutru crawl` prints for each site: its summary line (``CrawlSummary``), and under
it why the run failed or is unhealthy, its first errors and where its log is; the
command's exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.profile_model import SiteProfile

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3


@dataclass
class CrawlSummary:
    site: str
    stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    items: list[Any] = field(default_factory=list)  # only for `site check`
    error: BaseException | None = None  # the crawl could not run (its Deferred failed)

    def count(self, name: str) -> int:
        return int(self.stats.get(f"luutru/articles_{name}", 0) or 0)

    @property
    def requests(self) -> int:
        return int(self.stats.get("downloader/request_count", 0) or 0)

    @property
    def unreachable(self) -> str | None:
        """ "unreachable: connection refused (2 requests)" when no request got an answer."""
        from crawler.health import unreachable

        return unreachable(self.stats)

    @property
    def soft_404(self) -> int:
        return int(self.stats.get("luutru/soft_404", 0) or 0)

    def line(self) -> str:
        unchanged = self.count("unchanged") + self.count("not_modified")
        mode = self.stats.get("luutru/mode", "check")
        if self.unreachable:
            return f"{self.site} ({mode}): {self.unreachable} · {self.seconds:.1f} s"
        return (
            f"{self.site} ({mode}): {self.count('new')} new, {self.count('updated')} updated, "
            f"{unchanged} unchanged, {self.count('removed')} removed, {self.count('gone')} gone, "
            f"{self.count('failed')} failed, {self.soft_404} soft-404 skipped · "
            f"{self.requests} requests · {self.stats.get('luutru/listing_pages', 0)} listing "
            f"pages · {self.seconds:.1f} s"
        )


def portal_hosts(profile: SiteProfile) -> str:
    from urllib.parse import urlsplit

    found = dict.fromkeys(urlsplit(u).netloc for u in profile.start_urls if urlsplit(u).netloc)
    return ", ".join(found) or "its start URLs"


def report_site(
    summary: CrawlSummary, run: dict | None, tally: Any, log_path: str, hosts: str = ""
) -> int:
    """The lines under a site's summary: why it failed or is unhealthy, its first errors,
    where its log is. Returns the site's exit code."""
    failed = summary.unreachable
    if failed:
        # Not "is the portal failing?": nothing answered at all (the line above says how).
        print(f"  FAILED: no answer from {hosts}: is the portal down, or its address wrong?")
        code = EXIT_FAILED
    elif run is None:
        print(f"  FAILED: the run was not recorded (finish: {summary.stats.get('finish_reason')})")
        code = EXIT_FAILED
    else:
        for reason in run["reasons"]:
            print(f"  {run['status'].upper()}: {reason}")
        ok = run["status"] in ("succeeded", "unhealthy")
        if not ok and not run["reasons"]:
            why = summary.stats.get("finish_reason") or run["status"]
            print(f"  {run['status'].upper()}: finished with {why}")
        code = EXIT_OK if ok else EXIT_FAILED
    errors = tally.counts.get(summary.site, 0)
    if errors and not failed:
        first = tally.first.get(summary.site) or []
        print(f"  {errors} error(s) logged" + (f", first: {first[0]}" if first else ""))
    if code or errors or (run and run["status"] != "succeeded"):
        which = f"luutru log {run['id']}, " if run else ""
        print(f"  log: {which}{log_path}")
    return code
