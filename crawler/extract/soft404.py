"""A "not found" page served with status 200 (a soft 404)."""

from __future__ import annotations

import parsel

from crawler.extract.page import make_selector
from crawler.extract.vietnamese.text import normalize_text
from crawler.profile_model import ArticleRules


def visible_text(sel: parsel.Selector) -> str:
    texts = sel.xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    ).getall()
    return normalize_text(" ".join(texts))


def soft_404_marker(sel: parsel.Selector, rules: ArticleRules) -> str | None:
    """The profile's "not found" text that this page shows (in its text or <title>)."""
    if not rules.soft_404:
        return None
    needles = [(m, normalize_text(m).casefold()) for m in rules.soft_404]
    needles = [(m, n) for m, n in needles if n]
    title_text = normalize_text(sel.xpath("//title").xpath("string()").get() or "").casefold()
    # Most pages are articles: rule them out from the page's text in one piece first (one
    # C-level string() instead of a list of filtered text nodes, the costliest step here).
    # Every word of a marker shown on the page is in that string, whatever the markup.
    whole = normalize_text(sel.xpath("string(//body)").get() or "").casefold()
    needles = [(m, n) for m, n in needles if n in title_text or all(w in whole for w in n.split())]
    if not needles:
        return None
    page = visible_text(sel).casefold()
    for marker, needle in needles:
        if needle in page or needle in title_text:
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
