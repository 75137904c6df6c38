"""What an article's pages show, read as one row: kept article pages outlive a crawl's
commits that do not touch the article.

An article page (``/articles/…``, ``/api/articles/…``) was kept only while the archive's
last-write marker stood still (luutru/web/cache.py). A crawl commits several times a
second, so beside one every article page was made again at the next request, though the
crawl was writing other articles: a third of the readers' requests, and most of the
server's CPU (docs/performance.md, "Twentieth pass"). When the last-write marker has
moved, this row says whether anything the pages of this one article show has:
- its row: status, removal, canonical URL, first and last seen, last checked;
- its newest version (the versions, the diff, the current text);
- its newest URL alias;
- the newest near-duplicate link of one of its versions, on either side. Not the links
  between other articles of its cluster: a page may show the cluster's further members
  as they were up to RESPONSE_TTL (30 s) ago. The archive-wide newest link was tried
  first, but a crawl of new articles links one every few commits, and every article page
  was made again each time;
- its files: links, newest file version, last fetch and last success (a failed fetch
  writes its note with ``last_checked``);
- its site's row (name, province, department).
Each is an index seek (``max(id + 0)``: PostgreSQL would otherwise walk the whole
table's primary key backwards looking for the article's newest row). The same SQL
serves SQLite (``sqlite3``'s ``:name``) and PostgreSQL (SQLAlchemy's ``text``).
"""

from __future__ import annotations

from collections.abc import Hashable
from contextvars import ContextVar
from urllib.parse import unquote

_COLUMNS = (
    "SELECT a.id, a.status, a.removed_at, a.canonical_url, a.first_seen, a.last_seen, "
    "a.last_checked, s.name, s.province, s.department, "
    "(SELECT max(v.id + 0) FROM versions v WHERE v.article_id = a.id), "
    "(SELECT max(al.id + 0) FROM aliases al WHERE al.article_id = a.id), "
    "(SELECT max(n.id) FROM versions v JOIN near_duplicates n ON n.version_id = v.id "
    "WHERE v.article_id = a.id), "
    "(SELECT max(n.id) FROM versions v JOIN near_duplicates n ON n.other_version_id = v.id "
    "WHERE v.article_id = a.id), "
    "(SELECT count(*) || ' ' || coalesce(max(aa.id), 0) || ' ' || "
    "coalesce(max(t.last_checked), '') || ' ' || coalesce(max(t.last_seen), '') "
    "FROM article_attachments aa JOIN attachments t ON t.id = aa.attachment_id "
    "WHERE aa.article_id = a.id), "
    "(SELECT max(av.id) FROM article_attachments aa JOIN attachment_versions av "
    "ON av.attachment_id = aa.attachment_id WHERE aa.article_id = a.id) "
    "FROM articles a LEFT JOIN sites s ON s.id = a.site WHERE "
)
BY_KEY = _COLUMNS + "a.site = :site AND a.article_key = :key"
BY_ID = _COLUMNS + "a.id = :id"

PREFIXES = ("/articles/", "/api/articles/")

# (ref, marker) of the article whose page is being made: set by the response cache
# around the route, read by the lookups it makes (``subject``). A page is made again
# once its 30 s are up, for its relative times; its reads need not be while its article
# is unchanged, though every crawl commit moved the archive's last-write marker.
CURRENT: ContextVar[tuple[str, tuple] | None] = ContextVar("luutru_article", default=None)


def article_ref(raw_path: bytes) -> str | None:
    """The article a kept page's path names (its first segment after the prefix, as
    the routes decode it), or None for any other path."""
    path = raw_path.decode("latin-1").split("?", 1)[0]
    for prefix in PREFIXES:
        if path.startswith(prefix):
            segment = path[len(prefix) :].split("/", 1)[0]
            return unquote(segment, encoding="utf-8", errors="replace") or None
    return None


def query(ref: str) -> tuple[str, dict[str, object]] | None:
    """(SQL, parameters) reading the marker of article ``ref`` ("site:key" or its
    number, as ``Archive.find`` takes them); None for a URL, which the probe does not
    resolve (such pages keep to the last-write marker)."""
    if ref.isdigit():
        return BY_ID, {"id": int(ref)}
    if ":" in ref and "://" not in ref:
        site, _, key = ref.partition(":")
        return BY_KEY, {"site": site, "key": key}
    return None


def subject(article: int | str | None) -> Hashable | None:
    """The marker to key a lookup about ``article`` (its number, or the ref its page
    names) on, when that is the article whose page is being made; else None."""
    current = CURRENT.get()
    if current is None or article is None:
        return None
    ref, row = current
    return ("article", row) if article == ref or article == row[0] else None
