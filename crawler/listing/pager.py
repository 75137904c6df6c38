"""The next pages of a listing: numbered pagers, "Trang sau"/"»" links, "Xem thêm",
``<link rel="next">`` and ASP.NET ``__doPostBack`` pagers.

What is *not* a pager matters as much: a calendar's "»" and its day numbers, and links
that move a date parameter ("Xem tin theo ngày"), lead into endless chains (traps.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import parsel
from lxml import etree

from crawler.extract.generic.hints import is_hidden
from crawler.listing.items import link_text
from crawler.listing.traps import in_calendar, moves_a_date

POSTBACK = re.compile(r"__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)")
# Texts (or title/aria-label) of a "next page" or "more" link, in Vietnamese and English.
_ARROWS = r"[\s»›>→.:…]*"
NEXT_TEXT = re.compile(
    rf"^{_ARROWS}(?:(?:trang\s+)?(?:sau|tiếp|tiếp\s+theo|kế|kế\s+tiếp)|next(?:\s+page)?|"
    rf"xem\s+(?:thêm|tiếp)|(?:tin|bài|trang)?\s*cũ\s+hơn|older(?:\s+(?:posts|entries))?|"
    rf"more(?:\s+news)?){_ARROWS}$|^(?:»|›|>|>>|→|»»|›)$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^\[?\s*(\d{1,4})\s*\]?$")


@dataclass(frozen=True)
class PagerLink:
    url: str | None  # a GET link; None for a postback
    postback: tuple[str, str] | None  # (__EVENTTARGET, __EVENTARGUMENT)
    number: int | None  # the page number it shows, when numbered
    kind: str  # "next" | "numbered" | "more" | "rel-next"


def _label(a: etree._Element) -> str:
    text = link_text(a)
    return text or " ".join((a.get("aria-label") or a.get("title") or "").split())


def _more(label: str) -> bool:
    return bool(re.match(r"^xem\s+(?:thêm|tiếp)|^more\b", label, re.I))


def find_pager(
    sel: parsel.Selector, page_url: str, same_site: Callable[[str], bool]
) -> list[PagerLink]:
    """The page's pager links, each target once; never a calendar's or a date's link."""
    found: list[PagerLink] = []
    seen: set[object] = set()

    def add(link: PagerLink) -> None:
        key = link.url or link.postback
        if key not in seen:
            seen.add(key)
            found.append(link)

    for href in sel.xpath("//link[@rel='next']/@href | //a[@rel='next']/@href").getall():
        url = urljoin(page_url, href.strip()).split("#", 1)[0]
        if same_site(url) and not moves_a_date(page_url, url):
            add(PagerLink(url, None, None, "rel-next"))
    numbered: dict[etree._Element, list[tuple[etree._Element, int]]] = defaultdict(list)
    for a in sel.root.iter("a"):
        label = _label(a)
        number = _NUMBER.match(label)
        if not (number or NEXT_TEXT.match(label)):
            continue
        # After the label: most links (menus, headlines) are neither numbers nor "next",
        # and the calendar test walks every ancestor (a fifth of a listing page's work).
        if is_hidden(a) or in_calendar(a):
            continue
        href = (a.get("href") or "").strip()
        postback = POSTBACK.search(href)
        if number:
            parent = a.getparent()
            while parent is not None and _tag(parent) in ("li", "span", "b", "strong", "td"):
                parent = parent.getparent()
            if parent is not None:
                numbered[parent].append((a, int(number.group(1))))
            continue
        kind = "more" if _more(label) else "next"
        if postback:
            add(PagerLink(None, postback.groups(), None, kind))
        elif href and not href.lower().startswith("javascript:"):
            url = urljoin(page_url, href).split("#", 1)[0]
            if same_site(url) and url != page_url and not moves_a_date(page_url, url):
                add(PagerLink(url, None, None, kind))
    for members in numbered.values():
        if len(members) < 2:
            continue  # a lone number is a count or a day, not a pager
        for a, number in members:
            href = (a.get("href") or "").strip()
            postback = POSTBACK.search(href)
            if postback:
                add(PagerLink(None, postback.groups(), number, "numbered"))
            elif href and not href.lower().startswith("javascript:"):
                url = urljoin(page_url, href).split("#", 1)[0]
                if same_site(url) and url != page_url and not moves_a_date(page_url, url):
                    add(PagerLink(url, None, number, "numbered"))
    return found


def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""
