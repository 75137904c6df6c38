"""The profile extractor: each field from the site profile's own selector, when it has one.

A selector the profile leaves empty, or one that matches nothing, gives ``None``: the
caller then asks the generic extractor (generic.py). Selectors are CSS, or XPath with the
``xpath:`` prefix (page.py).
"""

from __future__ import annotations

import parsel
from lxml import etree

from crawler.extract.page import element_text, select, text_of
from crawler.extract.vietnamese.dates import ArticleDate, find_article_date
from crawler.profile_model import ArticleRules


class ProfileExtractor:
    def __init__(self, sel: parsel.Selector, rules: ArticleRules) -> None:
        self.sel, self.rules = sel, rules

    def title(self) -> str | None:
        rules = self.rules
        return (text_of(select(self.sel, rules.title)) or None) if rules.title else None

    def title_nodes(self) -> list[etree._Element]:
        """The elements the title selector matched (the date search starts after them)."""
        found = select(self.sel, self.rules.title) if self.rules.title else []
        return [t.root for t in found if isinstance(t.root, etree._Element)]

    def date(self, warnings: list[str]) -> ArticleDate | None:
        if not self.rules.date:
            return None
        texts = [element_text(item.root) for item in select(self.sel, self.rules.date)]
        found = find_article_date([t for t in texts if t], self.rules.date_format or None)
        if found is None and any(texts):
            warnings.append(f"date unparsed: {texts[0][:80]!r}")
        return found

    def summary(self) -> str | None:
        rules = self.rules
        return (text_of(select(self.sel, rules.summary)) or None) if rules.summary else None

    def category(self) -> str | None:
        rules = self.rules
        return (text_of(select(self.sel, rules.category)) or None) if rules.category else None

    def body(self) -> etree._Element | None:
        """The body container: the first element the body selector matched."""
        if not self.rules.body:
            return None
        for item in select(self.sel, self.rules.body):
            if isinstance(item.root, etree._Element):
                return item.root
        return None
