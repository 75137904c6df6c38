"""Article links of a listing page, from its repeated structure.

A news list is a run of blocks built alike — a headline link, often a date, often a lead:
``<li><a>Headline …</a> <span>(15/03/2024)</span></li>`` ten times over, or cards of
image + headline + lead. A menu is also a run of links, but of short labels ("Giới thiệu",
"Liên hệ"); a pager of numbers. So: every link climbs to its *item* (the largest
ancestor holding no other headline link), items with the same shape form a *group*, and a
group whose links read as headlines is a list of articles. Groups with dates or leads, and
groups outside sidebars, rank first.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from statistics import median
from urllib.parse import urljoin, urlsplit, urlunsplit

import parsel
from lxml import etree

from crawler.extract.generic.hints import BOILERPLATE_WORDS, is_hidden, name_words, words
from crawler.extract.page import element_text, on_path
from crawler.extract.vietnamese.dates import parse_vietnamese_date
from crawler.listing.traps import date_markers

# A headline has words; a menu label or a page number does not.
_MIN_TITLE_CHARS = 20
_MIN_TITLE_WORDS = 4
# Links shorter than this never make an item "hold another headline".
_HEADLINE_CHARS = 15
_MIN_LEAD = 40
_MIN_ITEMS = 3
# Landmarks and boxes whose links are navigation, never article lists.
_NAVIGATION_TAGS = frozenset({"nav", "header", "footer", "menu", "select", "option"})
_NAVIGATION_WORDS = words(
    """
    menu megamenu nav navbar navigation breadcrumb breadcrumbs footer pagination pager
    paging phantrang calendar lich tags tag keyword keywords toolbar social share
    """
)
# Lists of other articles in a side column: still articles of the site, ranked after.
_SIDE_WORDS = BOILERPLATE_WORDS - _NAVIGATION_WORDS
DOWNLOAD = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|jpe?g|png|gif|webp|svg|mp[34]|avi|mov|exe)$", re.I
)


@dataclass
class ListingItem:
    url: str
    title: str
    date: str | None  # YYYY-MM-DD printed in the item
    lead: str
    rank: int  # 0: the page's main list; higher: side lists

    @property
    def signature(self) -> str:
        """What an edit changes in a listing: the headline and the date printed with it."""
        text = f"{' '.join(self.title.split()).casefold()}|{self.date or ''}"
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _navigates(box: etree._Element) -> bool:
    """The element itself is navigation (or hidden)."""
    if _tag(box) in _NAVIGATION_TAGS or (box.get("role") or "") == "navigation":
        return True
    return is_hidden(box) or bool(name_words(box) & _NAVIGATION_WORDS)


def _is_navigation(el: etree._Element, known: dict[etree._Element, bool]) -> bool:
    """The element or one of its ancestors navigates. ``known``: the answers for the
    elements of this page so far: a page's hundreds of links share their ancestors, each
    looked at once instead of once per link below it."""
    return on_path(el, _navigates, known)


def _is_side(el: etree._Element) -> bool:
    return any(_tag(box) == "aside" or name_words(box) & _SIDE_WORDS for box in el.iterancestors())


def link_text(a: etree._Element) -> str:
    text = element_text(a)
    if not text:
        text = " ".join((a.get("title") or "").split())
    if not text:
        img = next(a.iter("img"), None)
        text = " ".join((img.get("alt") or "").split()) if img is not None else ""
    return text


@lru_cache(maxsize=16384)
def _joined(directory: str, href: str) -> str:
    """``urljoin(page_url, href)`` for a page in ``directory`` and a link with a path: the
    page's last segment and query do not count then, so the pages of one directory share
    the answers. A portal's pages repeat the same menu links: resolving them (urljoin,
    five microseconds a link) was a sixth of the recogniser's time on every page."""
    return urljoin(directory, href)


class ArticleLinks:
    """The article candidate URLs of one page's links: what depends on the page alone (its
    URL without fragment, the dates in it) is worked out once, not once per link: a page
    has hundreds of links, and these URL steps were half the recogniser's time."""

    def __init__(self, page_url: str, same_site: Callable[[str], bool]) -> None:
        self.page_url = page_url
        self.page = page_url.split("#", 1)[0]
        self.same_site = same_site
        self.page_dates = date_markers(page_url)
        # What a link with a path resolves against: the page's URL up to its directory.
        page = urlsplit(self.page)
        path = page.path[: page.path.rfind("/") + 1]
        self.directory = urlunsplit((page.scheme, page.netloc, path, "", "")) if path else ""

    def __call__(self, href: str | None) -> str | None:
        """The absolute URL of an article candidate link, or None (other site, a file, the
        page itself, a script or mail link)."""
        if not href:
            return None
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            return None
        if self.directory and href[0] not in "?;":
            url = _joined(self.directory, href)
        else:
            url = urljoin(self.page_url, href)
        url = url.split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not self.same_site(url):
            return None
        if DOWNLOAD.search(parts.path) or url == self.page:
            return None
        if date_markers(url, parts) - self.page_dates:
            return None  # "tin theo ngày": date browsing, not an article
        return url


class _Boxes:
    """What find_items asks of the elements around one page's links, each element answered
    once: a page's links share their ancestors (a portal nests them twenty deep), and
    asking again for every link was a third of the recogniser's time."""

    def __init__(self) -> None:
        self._up: dict[etree._Element, tuple[etree._Element, ...]] = {}
        self._marks: dict[etree._Element, tuple[str, tuple[str, ...]]] = {}

    def above(self, el: etree._Element) -> tuple[etree._Element, ...]:
        """The ancestors of ``el`` below ``<body>``, nearest first."""
        climbed = []  # from the parent up to the first box answered before (or <body>)
        box = el.getparent()
        while box is not None and box not in self._up and _tag(box) not in ("body", "html"):
            climbed.append(box)
            box = box.getparent()
        chain = self._up.get(box, ()) if box is not None else ()
        for box in reversed(climbed):
            chain = self._up[box] = (box, *chain)
        return chain

    def shape(self, item: etree._Element) -> tuple:
        """The item's own tag and classes and those of three ancestors: what items of one
        list share and items of different lists do not."""
        shape = []
        el: etree._Element | None = item
        for _ in range(4):
            if el is None:
                break
            mark = self._marks.get(el)
            if mark is None:
                mark = self._marks[el] = (_tag(el), tuple(sorted((el.get("class") or "").split())))
            shape.append(mark)
            el = el.getparent()
        return tuple(shape)


def find_items(
    sel: parsel.Selector, page_url: str, same_site: Callable[[str], bool]
) -> list[ListingItem]:
    """The article links of a page, main list first, each URL once."""
    links: list[tuple[etree._Element, str, str, tuple[etree._Element, ...]]] = []
    holders: dict[etree._Element, set[str]] = defaultdict(set)
    navigation: dict[etree._Element, bool] = {}
    article_url_of = ArticleLinks(page_url, same_site)
    around = _Boxes()
    for a in sel.root.iter("a"):
        url = article_url_of(a.get("href"))
        if url is None or _is_navigation(a, navigation):
            continue
        text = link_text(a)
        boxes = around.above(a)  # up to <body>, walked twice below
        links.append((a, url, text, boxes))
        if len(text) >= _HEADLINE_CHARS:
            for box in boxes:
                urls = holders[box]
                if len(urls) < 2:
                    urls.add(url)
    groups: dict[tuple, list[tuple[etree._Element, str, str]]] = defaultdict(list)
    for a, url, text, boxes in links:
        item = a
        for box in boxes:
            held = holders.get(box)
            if held and (len(held) > 1 or url not in held):
                break
            item = box
        groups[around.shape(item)].append((item, url, text))
    ranked: list[tuple[float, list[ListingItem]]] = []
    for members in groups.values():
        scored = _score_group(members)
        if scored is not None:
            ranked.append(scored)
    ranked.sort(key=lambda pair: -pair[0])
    out: list[ListingItem] = []
    seen: set[str] = set()
    for rank, (_, items) in enumerate(ranked):
        for item in items:
            if item.url not in seen:
                seen.add(item.url)
                item.rank = rank
                out.append(item)
    return out


def _score_group(
    members: list[tuple[etree._Element, str, str]],
) -> tuple[float, list[ListingItem]] | None:
    """A group's items and its score, or None when it is not a list of articles."""
    by_url: dict[str, tuple[etree._Element, str]] = {}
    for item, url, text in members:
        # One entry per article: the longest link text (the headline, not "Xem tiếp").
        if url not in by_url or len(text) > len(by_url[url][1]):
            by_url[url] = (item, text)
    titles = [text for _, text in by_url.values()]
    if not titles:
        return None
    if median(len(t) for t in titles) < _MIN_TITLE_CHARS:
        return None
    if median(len(t.split()) for t in titles) < _MIN_TITLE_WORDS:
        return None
    items: list[ListingItem] = []
    dated = leads = 0
    for url, (item, title) in by_url.items():
        whole = element_text(item)
        rest = whole.replace(title, " ", 1) if title in whole else whole
        found = parse_vietnamese_date(rest)
        date = found.date_iso if found else None
        lead = " ".join(rest.split())
        lead = lead if len(lead) >= _MIN_LEAD else ""
        dated += date is not None
        leads += bool(lead)
        items.append(ListingItem(url, title, date, lead, 0))
    n = len(items)
    if n < _MIN_ITEMS and not (dated or leads):
        return None  # two bare links with long texts: not enough to call a list
    first = members[0][0]
    score = n * (1 + dated / n + leads / n) * (0.3 if _is_side(first) else 1.0)
    return score, items
