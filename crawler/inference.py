"""Inferring a site profile from a portal's own pages (`luutru site add`).

Pure functions over fetched pages: which CMS family the markup belongs to, which pages are
news listings, and CSS selectors for the fields, read off the elements the generic
extractor chose and kept only when they select the same thing on every sample article.
Inferred selectors are a precision boost; if they ever stop matching, the generic
extractor takes over and the run says the layout changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import parsel
from lxml import etree

from crawler.extract.generic import GenericExtractor
from crawler.extract.generic.hints import name_words
from crawler.extract.page import element_text, make_selector, select
from crawler.extract.vietnamese.dates import parse_vietnamese_date
from crawler.listing import find_items
from crawler.listing.items import ArticleLinks, link_text

# Markers of the CMS families that have a bundled template (crawler/sites/templates/).
_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("liferay", ("journal-content-article", "/-/asset_publisher/", "/-/view_content/",
                 "Liferay.Portlet", "p_p_id=")),
    ("aspnet", ("ms-rtestate-field", "tandan-", "__VIEWSTATE")),
    ("vnexpress", ("vnecdn.net", "fck_detail")),
)  # fmt: skip
# Menu labels of news listings on Vietnamese portals.
NEWS_LABEL = re.compile(
    r"\b(?:tin tức|tin hoạt động|hoạt động|sự kiện|thông báo|tin mới|tin trong|tin ngành|"
    r"chỉ đạo điều hành|tin địa phương|tin chuyên ngành|news)\b",
    re.IGNORECASE,
)
_VARYING = re.compile(r"\d")
_MENU_WORDS = frozenset({"menu", "nav", "navbar", "navigation", "megamenu", "mainmenu"})
MIN_LISTING_ITEMS = 3


def detect_cms(html: str) -> str | None:
    """The bundled template whose markers the page carries (two at least), or None."""
    for name, markers in _FAMILIES:
        if sum(1 for m in markers if m in html) >= 2:
            return name
    return None


def is_listing(sel: parsel.Selector, url: str, same_site: Callable[[str], bool]) -> bool:
    main = [i for i in find_items(sel, url, same_site) if i.rank == 0]
    return len(main) >= MIN_LISTING_ITEMS


def listing_candidates(
    sel: parsel.Selector, url: str, same_site: Callable[[str], bool], limit: int = 8
) -> list[str]:
    """Links of a home page that may be news listings, likeliest first: entries labelled
    as news ("Tin tức", "Tin hoạt động", "Thông báo"), "Xem thêm" links of news blocks,
    then the other short entries of the page's menus."""
    news: list[str] = []
    more: list[str] = []
    menu: list[str] = []
    article_url_of = ArticleLinks(url, same_site)
    for a in sel.root.iter("a"):
        target = article_url_of(a.get("href"))
        label = link_text(a)
        if target is None or not label or len(label) > 60:
            continue
        if NEWS_LABEL.search(label):
            news.append(target)
        elif re.match(r"^xem\s+(?:thêm|tất cả)", label, re.I):
            more.append(target)
        elif len(label) <= 40 and any(
            isinstance(b.tag, str) and (b.tag.lower() == "nav" or name_words(b) & _MENU_WORDS)
            for b in a.iterancestors()
        ):
            menu.append(target)
    return list(dict.fromkeys(news + more + menu))[:limit]


def css_for(el: etree._Element) -> str | None:
    """A CSS selector for ``el``: its tag and stable classes, under its parent's when the
    element has none of its own. None for an element with nothing stable to name it by."""

    def own(node: etree._Element) -> str:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        classes = [c for c in (node.get("class") or "").split() if not _VARYING.search(c)]
        return tag + "".join(f".{c}" for c in classes[:2]) if classes else ""

    name = own(el)
    if name:
        return name
    parent = el.getparent()
    if parent is not None and own(parent):
        return f"{own(parent)} > {el.tag.lower()}"
    return None


def _date_element(
    sel: parsel.Selector, generic: GenericExtractor, iso: str
) -> etree._Element | None:
    """The smallest element outside the text and outside links whose text gives the date
    ``iso``, the one nearest below the headline first (a date-browse widget or a sidebar
    may show the same day further down)."""
    box = _text_box(generic)
    inside = set(box.iter()) if box is not None else set()
    headline = generic.headline.el if generic.headline is not None else None
    order = {el: i for i, el in enumerate(sel.root.iter())}
    start = order.get(headline, -1) if headline is not None else -1
    found: list[etree._Element] = []
    for el in sel.root.iter():
        if not isinstance(el.tag, str) or el in inside:
            continue
        if el.tag.lower() in ("script", "style", "a", "option", "select") or any(
            isinstance(a.tag, str) and a.tag.lower() in ("a", "select") for a in el.iterancestors()
        ):
            continue
        text = element_text(el)
        if not text or len(text) > 120:
            continue
        parsed = parse_vietnamese_date(text)
        if parsed and parsed.date_iso == iso:
            found.append(el)
    # The innermost elements only, then the nearest to the headline: a date line sits
    # right above or below it; a "today is …" clock in the page header does not.
    innermost = [el for el in found if not any(o in found for o in el.iterdescendants())]
    if not innermost:
        return None
    return min(innermost, key=lambda el: abs(order[el] - start) if start >= 0 else order[el])


def _text_box(generic: GenericExtractor) -> etree._Element | None:
    """The box of the article text, without a lead it may also hold."""
    container = generic.container
    lead = generic.lead_element()
    if container is None or lead is None or lead not in set(container.iter()):
        return container
    from crawler.extract.generic.blocks import GOOD

    in_lead = set(lead.iter())
    inside = set(container.iter())
    prose = [b.el for b in generic.blocks if b.kind == GOOD and b.el in inside - in_lead]
    # One step down, out of the box it shares with the lead: not the tightest box around
    # the paragraphs (that is article-specific markup pasted from elsewhere).
    for child in container:
        if (
            child is not lead
            and prose
            and all(p is child or child in p.iterancestors() for p in prose)
        ):
            return child
    return container


@dataclass
class Inferred:
    selectors: dict[str, str] = field(default_factory=dict)  # field → CSS
    notes: list[str] = field(default_factory=list)


def _candidates(html: bytes, url: str) -> dict[str, str]:
    """Selectors proposed by one sample article."""
    sel = make_selector(html)
    generic = GenericExtractor(sel)
    proposed: dict[str, str] = {}
    if generic.headline is not None and generic.headline.el is not None:
        css = css_for(generic.headline.el)
        if css:
            proposed["title"] = css
    box = _text_box(generic)
    if box is not None:
        css = css_for(box)
        if css:
            proposed["body"] = css
    date = generic.date()
    if date is not None:
        el = _date_element(sel, generic, date.date_iso)
        css = css_for(el) if el is not None else None
        if css:
            proposed["date"] = css
    lead = generic.lead_element()
    if lead is not None:
        css = css_for(lead)
        if css:
            proposed["summary"] = css
    return proposed


def infer_selectors(samples: Iterable[tuple[str, bytes]]) -> Inferred:
    """Selectors that every sample agrees on and that select, on each sample, the same
    text the generic extractor found there."""
    pages = list(samples)
    result = Inferred()
    if not pages:
        result.notes.append("no sample article: no selector inferred")
        return result
    proposals = [_candidates(html, url) for url, html in pages]
    for name in ("title", "date", "summary", "body"):
        values = {p.get(name) for p in proposals}
        if len(values) != 1 or None in values:
            result.notes.append(f"{name}: no selector common to all {len(pages)} samples")
            continue
        css = values.pop()
        if all(_selects_generic_value(name, css or "", html) for _, html in pages):
            result.selectors[name] = css or ""
        else:
            result.notes.append(f"{name}: {css} selects something else on a sample")
    return result


def _selects_generic_value(name: str, css: str, html: bytes) -> bool:
    sel = make_selector(html)
    matched = select(sel, css)
    if not matched:
        return False
    text = element_text(matched[0].root)
    generic = GenericExtractor(sel)
    if name == "title":
        return generic.title() == text
    if name == "summary":
        return generic.lead() == text
    if name == "date":
        found = parse_vietnamese_date(text)
        expected = generic.date()
        return bool(found and expected and found.date_iso == expected.date_iso)
    return matched[0].root is _text_box(generic)


def template_fits(
    template: str, listing: tuple[str, bytes], samples: list[tuple[str, bytes]]
) -> bool:
    """The bundled template ``template`` finds the listing's article links and, on every
    sample, the title and text the generic extractor finds: it fits this site."""
    from crawler.extract import extract_article
    from crawler.profile_model import ProfileError
    from crawler.profiles import parse_profile

    url, html = listing
    try:
        profile = parse_profile(
            Path(f"{template}.toml"),
            {"id": "t", "name": "t", "start_urls": [url], "extends": template},
        )
    except ProfileError:
        return False
    links = profile.listing.links
    if links and len(select(make_selector(html), links)) < MIN_LISTING_ITEMS:
        return False
    if not samples:
        return False
    for sample_url, sample in samples:
        fitted = extract_article(sample, sample_url, profile.article)
        generic = extract_article(sample, sample_url)
        if fitted.sources.get("title") != "profile" or fitted.sources.get("body") != "profile":
            return False
        if fitted.title != generic.title:
            return False
    return True
