"""A "not found" page served with status 200 (a soft 404)."""

from __future__ import annotations

import parsel

from crawler.extract.page import make_selector
from crawler.extract.vietnamese.text import normalize_text
from crawler.profiles import ArticleRules


def visible_text(sel: parsel.Selector) -> str:
    texts = sel.xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    ).getall()
    return normalize_text(" ".join(texts))


def soft_404_marker(sel: parsel.Selector, rules: ArticleRules) -> str | None:
    """The profile's "not found" text that this page shows (in its text or <title>)."""
    if not rules.soft_404:
        return None
    page = visible_text(sel).casefold()
    title_text = normalize_text(sel.xpath("//title").xpath("string()").get() or "").casefold()
    for marker in rules.soft_404:
        needle = normalize_text(marker).casefold()
        if needle and (needle in page or needle in title_text):
            return marker
    return None


def is_soft_404(html: str | bytes, rules: ArticleRules, encoding: str | None = None) -> bool:
    """A "not found" page served with 200 that says so with one of the profile's
    ``soft_404`` texts. A page whose selectors find nothing is *not* a soft 404 by that
    alone: that is a layout change, and the generic extractor decides whether the page
    holds an article (crawler/spiders/article_page.py)."""
    try:
        return soft_404_marker(make_selector(html, encoding), rules) is not None
    except Exception:
        return False
