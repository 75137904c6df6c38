"""What one web process keeps between requests: search results, near-duplicate clusters
and the site profiles, each valid only while the archive has not changed.

"Changed" is the archive's last-write marker: on SQLite ``PRAGMA data_version`` on a
connection of our own that never writes, which moves whenever any other connection (a
crawl, the scheduler, another web worker) commits; it costs a look at the WAL index, no
query. Lookups (an article, its versions, near-duplicates) are keyed on it as it is.

Search results (``search``) are keyed on what a search can show instead: a crawl commits
far more often than it adds a version (runs, crawl state, captures of unchanged pages,
dead links), and each such commit used to throw every cached search away. When
``data_version`` has moved, ``content_marker`` reads the newest version id and search
document id (a new version, an article re-indexed with its files' text), the number and
newest time of removed articles (the status filter and the status a hit shows), and the
sites table (province and department filters): a few index seeks, ~0.1 ms.

While a crawl keeps adding versions a query matches, its page would be recomputed after
every commit (several a second), taking the CPU its readers need: once a page has been
recomputed for new versions, it is kept ``SEARCH_LAG`` seconds whatever is added, and a
reader asking while another computes the same page gets it as it was. The first new
version after a quiet spell shows at once, unless the process is computing other pages
at that moment. Past ``SEARCH_LAG`` such a page (and, when the process is busy, one seeing
its first new version) is recomputed in the background (stale-while-revalidate, RFC
5861's idea) by one thread per process, and the reader who found it due gets it as it
was: beside a crawl no reader waits for a recomputation, and however many pages are due,
their recomputing takes at most that one thread. A page is never served more than
``STALE_LIMIT`` seconds behind.

On PostgreSQL the last-write marker is the server's WAL position (``pg_current_wal_lsn``,
looked at most every ``PG_LOOK`` seconds: a query, not a file), which moves with any write;
what a search shows is then read by the same probe. Writers there take one lock in turn
(archive/db.py), so the newest ids grow in commit order, as on SQLite. Where the WAL
position cannot be read (a standby, no privilege) entries live ``SERVER_TTL`` seconds.
The markers are read by luutru/web/markers.py. Site profiles are files, not archive rows:
they are read again after ``PROFILES_TTL``.

cachetools' TTLCache bounds both the number of entries and their age; one lock per cache,
since the route functions run in the thread pool.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from cachetools import TTLCache

from archive.store import Archive
from luutru.web import article_marker
from luutru.web.markers import ArchiveMarkers

SEARCH_ENTRIES = 2_048  # result pages kept per process (~10 KB each)
# Lookups keyed on the last-write marker (an article, its versions): a crawl's every commit
# makes new keys, so they live apart from the search pages, which they evicted beside a
# crawl (a search page gone is computed again in a reader's request).
LOOKUP_ENTRIES = 4_096
MAX_AGE = 300.0  # seconds: even an unchanged archive's entries are recomputed this often
PROFILES_TTL = 30.0  # seconds before the site profiles are read from disk again
# Seconds a search page may be kept by unchanged_since while the archive grows: its BM25
# scores are those of when it was computed (archive/search_fresh.py).
REVALIDATE_FOR = 60.0
# While new versions keep arriving (a crawl writing), a search page is recomputed at most
# this often: after a page was recomputed for new versions, later ones show within this
# many seconds. A quiet archive's first new version shows at once.
SEARCH_LAG = 5.0
# The same for a query's facet counts, which cost several pages (every match up to
# FACET_CAP: ~165 ms of a 195 ms search page at 100,000 articles): beside a crawl they
# are recounted at most this often, while the page itself follows within SEARCH_LAG.
FACETS_LAG = 60.0
ONCE_WAIT = 10.0  # seconds a request waits for another one computing the same entry
# The oldest a page behind new versions may be when served; past it the reader's own
# request recomputes it (a background refresh queue that long means an overloaded server).
STALE_LIMIT = 60.0

T = TypeVar("T")
log = logging.getLogger(__name__)


class WebCache:
    """Per-process caches over one archive (see the module doc)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._lock = threading.Lock()
        self.markers = ArchiveMarkers(archive)
        self._results: TTLCache = TTLCache(SEARCH_ENTRIES, MAX_AGE)
        self._lookups: TTLCache = TTLCache(LOOKUP_ENTRIES, MAX_AGE)
        self._profiles: TTLCache = TTLCache(8, PROFILES_TTL)
        self.hits = 0
        self.misses = 0
        self.revalidated = 0  # hits kept by unchanged_since
        self.stale_served = 0  # hits answered with a page behind new versions (SEARCH_LAG)
        self._running: dict[Hashable, threading.Event] = {}  # slots being computed
        self._refresher: ThreadPoolExecutor | None = None  # one thread, made on first use
        self.refreshed = 0  # pages recomputed in the background
        self._cleared_with: list[Callable[[], None]] = []  # others' caches (clear_with)
        self._closed_with: list[Callable[[], None]] = []  # others' threads (close_with)
        # the markers' answers, as the routes and luutru/web/response_cache.py ask them
        self.marker = self.markers.marker
        self.content_marker = self.markers.content_marker
        self.article_marker = self.markers.article_marker
        self.local_markers = self.markers.local

    @property
    def content_changed_at(self) -> float:
        """When what a search shows last changed (monotonic seconds)."""
        return self.markers.content_changed_at

    def get(self, key: Hashable, compute: Callable[[], T], article: int | str | None = None) -> T:
        """The value for ``key`` at the archive's current state, computed when missing
        (outside the lock, by one thread at a time per entry: ``_once``). ``article``:
        what the value is about; keyed on that article's own marker while its page is
        being made (article_marker.subject), so other articles' writes keep it."""
        own = article_marker.subject(article)
        return self._get((own if own is not None else self.marker(), key), compute)

    def search(
        self,
        key: Hashable,
        compute: Callable[[], T],
        unchanged_since: Callable[[tuple], bool] | None = None,
        lag: float | None = None,
    ) -> T:
        """``get`` for search results, kept while what a search shows is unchanged: the
        same marks, or (``unchanged_since(marks then)``, archive/search_fresh.py) nothing
        added since that the query matches, for REVALIDATE_FOR seconds after computing.
        ``lag``: how long new versions may go unshown (default SEARCH_LAG)."""
        lag = SEARCH_LAG if lag is None else lag
        base, marks = self.content_marker()
        slot = ("search", key)
        with self._lock:
            entry = self._results.get(slot)
            recomputing = slot in self._running

        def fresh() -> Any:  # what another thread may have computed meanwhile
            found = self._results.get(slot)
            same = found is not None and found[0] == base and found[1] == marks
            return found[2] if same else _MISSING

        # Recomputed because versions were added, not because it was missing or its
        # removals and sites changed: new versions are arriving (SEARCH_LAG).
        churn = entry is not None and entry[0] == base

        def computed() -> T:
            computed_at = time.monotonic()
            value = compute()
            with self._lock:
                self._results[slot] = (base, marks, value, computed_at, churn)
            return value

        if entry is not None:
            then_base, then_marks, value, computed_at, churned = entry
            if then_base == base and then_marks == marks:
                self.hits += 1
                return value
            age = time.monotonic() - computed_at
            if then_base == base and (recomputing or churned) and age < STALE_LIMIT:
                # Only new versions since (no removal, no site change), and either another
                # request is computing this page with them already, or they keep coming
                # (this page was itself recomputed for new versions): the page as it was a
                # moment ago, recomputed in the background once SEARCH_LAG has passed. A
                # crawl commits several times a second; recomputing every popular search
                # each time, in the readers' requests, took the CPU its readers need.
                if not recomputing and age >= lag:
                    self._in_background(slot, computed)
                self.hits += 1
                self.stale_served += 1
                return value
            if (
                unchanged_since is not None
                and then_base == base
                and marks is not None
                and then_marks is not None
                and time.monotonic() - computed_at < REVALIDATE_FOR
                and unchanged_since(then_marks)
            ):
                with self._lock:
                    self._results[slot] = (base, marks, value, computed_at, churned)
                self.hits += 1
                self.revalidated += 1
                return value
            if then_base == base and age < STALE_LIMIT and self._busy():
                # The first new versions after a quiet spell, but the process is already
                # computing other pages (every cached search is due at once when a crawl
                # starts writing; at 100,000 articles each costs up to 200 ms): this one
                # joins the background queue rather than add to the load.
                self._in_background(slot, computed)
                self.hits += 1
                self.stale_served += 1
                return value
        return self._once(slot, fresh, computed)

    def _busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    def _in_background(self, slot: Hashable, compute: Callable[[], Any]) -> None:
        """Recompute ``slot`` on the refresh thread; meanwhile it counts as being computed
        (readers get it as it was, nobody computes it again)."""
        with self._lock:
            if slot in self._running:
                return
            done = self._running[slot] = threading.Event()
            if self._refresher is None:
                self._refresher = ThreadPoolExecutor(1, thread_name_prefix="luutru-refresh")
            refresher = self._refresher

        def run() -> None:
            try:
                compute()
                self.refreshed += 1
            except Exception:  # the page stays as it was; a reader's request computes it
                log.exception("search page %r not recomputed in the background", slot)
            finally:
                with self._lock:
                    if self._running.get(slot) is done:
                        del self._running[slot]
                done.set()

        refresher.submit(run)

    def wait_refreshed(self, timeout: float = 10.0) -> bool:
        """Wait until no page is being recomputed in the background (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._running.values())
            if not pending:
                return True
            if time.monotonic() > deadline:
                return False
            pending[0].wait(max(0.0, deadline - time.monotonic()))

    def _get(self, full: Hashable, compute: Callable[[], T]) -> T:
        def computed() -> T:
            value = compute()
            with self._lock:
                self._lookups[full] = value
            return value

        return self._once(full, lambda: self._lookups.get(full, _MISSING), computed)

    def _once(self, slot: Hashable, cached: Callable[[], Any], compute: Callable[[], T]) -> T:
        """``cached()`` (looked at under the lock), else ``compute()``, by one thread at a
        time per slot: the others wait for it and look again. Without this, the readers
        that ask for one page while it is missing (after a new version, or the pages 1-3
        of a query sharing its facets) each computed it, and on 2 CPUs each then took
        as long as all of them together. A waiter gives up waiting after ONCE_WAIT
        seconds and computes it itself."""
        while True:
            with self._lock:
                found = cached()
                if found is not _MISSING:
                    self.hits += 1
                    return found
                running = self._running.get(slot)
                if running is None:
                    running = self._running[slot] = threading.Event()
                    break
            if not running.wait(ONCE_WAIT):
                break  # still running: compute too rather than wait on
        self.misses += 1
        try:
            return compute()
        finally:
            with self._lock:
                if self._running.get(slot) is running:
                    del self._running[slot]
            running.set()

    def profiles(self, sites_dir: str | None) -> dict:
        """The site profiles (bundled and ``sites_dir``), read at most every PROFILES_TTL."""
        with self._lock:
            found = self._profiles.get(sites_dir, _MISSING)
        if found is not _MISSING:
            return found
        from crawler.profiles import load_profiles

        value = load_profiles(sites_dir, [])
        with self._lock:
            self._profiles[sites_dir] = value
        return value

    def clear_with(self, clear: Callable[[], None]) -> None:
        """Have ``clear()`` empty another cache built on these markers too (the kept
        responses of luutru/web/response_cache.py)."""
        self._cleared_with.append(clear)

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
            self._lookups.clear()
            self._profiles.clear()
        for clear in self._cleared_with:
            clear()

    def close_with(self, close: Callable[[], None]) -> None:
        """Have ``close()`` call ``close()`` of what was built on this cache first (the
        response cache's probe threads), so that the app's end stops every thread."""
        self._closed_with.append(close)

    def close(self) -> None:
        for close in self._closed_with:
            close()
        if self._refresher is not None:
            self._refresher.shutdown(wait=True, cancel_futures=True)
            self._refresher = None
        self.markers.close()


_MISSING: Any = object()
