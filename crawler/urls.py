"""Article identity from URLs: which URL variants are one article, and its canonical URL.

Real portals link one article under many URLs (extra CatID, parameter case, tracking
params, trailing junk). The profile's ``article.url_pattern`` names the identifying part
(group ``id``); ``article.id_params`` says which query parameters identify the article
so the canonical URL keeps only those (names case-folded, w3lib canonical order). A
profile without ``url_pattern`` uses the generic identity of crawler/listing/identity.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from crawler import patterns
from crawler.listing.identity import clean_url, declared_canonical, is_print_view, url_key
from crawler.profile_model import SiteProfile


def article_key(profile: SiteProfile, url: str) -> str | None:
    """The article id inside ``url``, or None when the URL is not an article of this site.
    Without an ``article.url_pattern``, every page URL of the site is a candidate and its
    key is the URL made canonical (crawler/listing/identity.py); print views never are."""
    if not profile.article.url_pattern:
        return None if is_print_view(url) else url_key(url)
    match = patterns.search(profile.article.url_pattern, url)
    return match.group("id") if match else None


def is_denied(profile: SiteProfile, url: str) -> bool:
    return any(patterns.search(p, url) for p in profile.deny)


def canonical_url(profile: SiteProfile, url: str, declared: str | None = None) -> str:
    """The article's canonical URL.

    A ``<link rel=canonical>`` that names the same article wins (the portal's own word);
    then the profile's ``article.canonical`` template; otherwise the URL is canonicalised
    by w3lib and reduced to the identifying params.
    """
    if not profile.article.url_pattern:
        trusted = declared_canonical(url, declared, None)
        return clean_url(trusted or url)
    key = article_key(profile, url)
    if profile.article.canonical and key is not None:
        declared = declared or profile.article.canonical.format(id=key)
    if declared:
        absolute = urljoin(url, declared.strip())
        if article_key(profile, absolute) == key:
            return canonicalize_url(absolute)
    parts = urlsplit(canonicalize_url(url))
    query = parts.query
    if profile.article.id_params:
        spelling = {name.lower(): name for name in profile.article.id_params}
        keep = [
            (spelling[name.lower()], value)
            for name, value in parse_qsl(parts.query, keep_blank_values=False)
            if name.lower() in spelling
        ]
        query = urlencode(sorted(keep))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, query, ""))


def on_portal(url: str, domains: Iterable[str]) -> bool:
    """Whether ``url``'s host is one of the portal's ``domains`` (www. or not), exactly:
    not every subdomain (on hanoi.gov.vn each department is a portal of its own). No
    domains: everything is."""
    hosts = {d.lower().removeprefix("www.") for d in domains}
    if not hosts:
        return True
    return (urlsplit(url).hostname or "").lower().removeprefix("www.") in hosts


def current_origins(start_urls: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Host → (scheme, netloc) where the portal answers now: its start pages'."""
    origins: dict[str, tuple[str, str]] = {}
    for parts in map(urlsplit, start_urls):
        if parts.hostname:
            origins.setdefault(parts.hostname, (parts.scheme, parts.netloc))
    return origins


def at_current_origin(url: str, origins: dict[str, tuple[str, str]]) -> str:
    """A URL an earlier run stored (an article's, to revisit it; a file's, to check it
    again) moved to the scheme and port its host answers on now, when that host is one of
    the start pages' (a portal moved to https, or served at another ``--base-url``): where
    the page's relative link resolves today. Any other URL is returned as it is."""
    parts = urlsplit(url)
    now = origins.get(parts.hostname or "")
    if now is None or (parts.scheme, parts.netloc) == now:
        return url
    return urlunsplit((*now, parts.path, parts.query, parts.fragment))


def same_site_check(domains: list[str]) -> Callable[[str], bool]:
    """True for URLs on the profile's hosts (www. or not)."""
    hosts = {d.removeprefix("www.") for d in domains}

    def same(url: str) -> bool:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        return host in hosts

    return same
