"""A "not found" page served with status 200 (a soft 404)."""

from __future__ import annotations

import parsel

from crawler.extract.page import make_selector, select, text_of
from crawler.extract.vietnamese.text import normalize_text
from crawler.profiles import ArticleRules


def visible_text(sel: parsel.Selector) -> str:
    texts = sel.xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    ).getall()
    return normalize_text(" ".join(texts))


def is_soft_404(html: str | bytes, rules: ArticleRules, encoding: str | None = None) -> bool:
    """A "not found" page served with 200: a ``soft_404`` marker text is visible, or
    neither the title nor the body selector finds anything."""
    try:
        sel = make_selector(html, encoding)
        page = visible_text(sel).casefold()
        title_text = normalize_text(sel.xpath("//title").xpath("string()").get() or "").casefold()
        for marker in rules.soft_404:
            needle = normalize_text(marker).casefold()
            if needle and (needle in page or needle in title_text):
                return True
        no_title = not rules.title or not text_of(select(sel, rules.title))
        no_body = not rules.body or not text_of(select(sel, rules.body))
        return bool(rules.title or rules.body) and no_title and no_body
    except Exception:
        return False
