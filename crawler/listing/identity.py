"""Which URLs are one article, for profiles without an ``article.url_pattern``.

Without a profile's id pattern, an article's key is its URL made canonical: w3lib's
canonical form (sorted query, normalised escapes, no fragment), tracking and session
parameters dropped (utm_*, fbclid, zarsrc, PHPSESSID, …), navigation-state parameters
dropped (Liferay's ``…_redirect``), IIS paths (.aspx) lower-cased since IIS ignores case.
The key is the path and query, without scheme and host, so http/https and www variants
fold too. What stays apart before a fetch (an article under two category paths) is folded
after it, by the page's own ``<link rel="canonical">`` (identity_from_page) and, failing
that, by the archive's content hash.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from w3lib.url import canonicalize_url

_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|msclkid|zarsrc|zarsource|_ga|_gl|mc_cid|mc_eid|igshid|"
    r"yclid|spm|phpsessid|jsessionid|sessionid|sessid|sid|aspsessionid\w*|"
    r"\w*_redirect|redirect|returnurl|backurl|_hsenc|_hsmi)$",
    re.IGNORECASE,
)
_MATRIX = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
_IIS = re.compile(r"\.(?:aspx|asp|ashx)$", re.IGNORECASE)
# A print view is another rendering of an article, never an article of its own.
_PRINT = re.compile(r"/(?:print|in-bai|inbai|ban-in|print-view|printview)(?:/|$)", re.I)
_FRONT_PAGES = ("/index.php", "/default.aspx", "/index.html", "/index.htm", "/trang-chu", "/home")
_PRINT_PARAMS = frozenset({"print", "in", "printable", "printview", "inbai"})


# A crawl asks for the same URLs' forms many times (from the listing, the request, the
# article's record, its canonical link): answered once each.
@lru_cache(maxsize=32768)
def clean_url(url: str, fold_case: bool = False) -> str:
    """The canonical form of an article URL (absolute, scheme and host kept); with
    ``fold_case``, an IIS path lower-cased (keys fold spellings; stored URLs keep them)."""
    url = _MATRIX.sub("", url.split("#", 1)[0])
    parts = urlsplit(canonicalize_url(url))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k)]  # fmt: skip
    path = parts.path.lower() if fold_case and _IIS.search(parts.path) else parts.path
    rebuilt = f"{parts.scheme}://{(parts.hostname or '').lower()}"
    if parts.port:
        rebuilt += f":{parts.port}"
    rebuilt += path or "/"
    if query:
        rebuilt += "?" + urlencode(sorted(query))
    return rebuilt


_MAX_KEY = 200  # the archive's key column holds 255 characters


@lru_cache(maxsize=32768)
def url_key(url: str) -> str:
    """The article key of a URL: its canonical path and query (a long one shortened to a
    prefix and a digest of the whole, so it still names one URL)."""
    parts = urlsplit(clean_url(url, fold_case=True))
    key = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(key) > _MAX_KEY:
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        key = f"{key[: _MAX_KEY - 17]}~{digest}"
    return key


def is_print_view(url: str) -> bool:
    parts = urlsplit(url)
    params = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if any(name in params and params[name] in ("", "1", "true", "yes") for name in _PRINT_PARAMS):
        return True
    if params.get("view", "").lower() == "print" or params.get("format", "").lower() == "print":
        return True
    return bool(_PRINT.search(parts.path))


def declared_canonical(page_url: str, canonical: str | None, og_url: str | None) -> str | None:
    """The page's own canonical URL (``<link rel=canonical>``, else ``og:url``), absolute,
    when it is on the same host and not the site's front page (some CMSs declare the home
    page as every page's canonical: trusting that would fold every article into one)."""
    for value in (canonical, og_url):
        if not value or not value.strip():
            continue
        absolute = urljoin(page_url, value.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            continue
        same = (parts.hostname or "").removeprefix("www.") == (
            urlsplit(page_url).hostname or ""
        ).removeprefix("www.")
        front = not parts.path.strip("/") or (
            not parts.query and parts.path.rstrip("/").lower().endswith(_FRONT_PAGES)
        )
        if same and not front:
            return absolute
    return None
