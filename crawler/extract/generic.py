"""The generic extractor: fields found from the page itself, with no selector.

Used for every field a profile leaves without a selector, or whose selector finds nothing.
Each heuristic is a small function; the Vietnamese rules they apply (date forms, bylines)
live in vietnamese/ and are shared with the profile extractor.
"""

from __future__ import annotations

from collections.abc import Iterator

import parsel
from lxml import etree

from crawler.extract.page import INVISIBLE_TAGS, element_text, text_of
from crawler.extract.vietnamese.dates import ArticleDate, find_article_date

DATE_LABELS = ("ngày cập nhật", "ngày đăng", "cập nhật lúc", "ngày xuất bản", "cập nhật:")
# Machine-readable publication dates, trusted before any unlabelled visible text.
_META_DATES = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate']/@content",
    "//time/@datetime",
)
# A date line is short: longer texts are sentences that may mention other dates.
_SHORT_TEXT = 80
_LABELLED_TEXT = 160


class GenericExtractor:
    def __init__(self, sel: parsel.Selector) -> None:
        self.sel = sel

    def title(self) -> str | None:
        return text_of(self.sel.xpath("//title")) or None

    def date(
        self,
        title_nodes: list[etree._Element],
        body: etree._Element | None,
        date_format: str | None = None,
    ) -> ArticleDate | None:
        """The publication date from the page around the body, never from inside it
        (event dates such as "ngày (15/1)" live there): a labelled date line first (the
        header zone between title and body, then the rest), then meta tags, then short
        unlinked texts."""
        header, rest = self._candidate_texts(title_nodes, body)
        for texts in (header, rest):
            labelled = [t for t, _ in texts if any(lb in t.casefold() for lb in DATE_LABELS)]
            found = find_article_date(labelled, date_format)
            if found:
                return found
        found = find_article_date(self.sel.xpath("|".join(_META_DATES)).getall(), date_format)
        if found:
            return found
        for texts in (header, rest):
            short = [t for t, has_link in texts if len(t) < _SHORT_TEXT and not has_link]
            found = find_article_date(short, date_format)
            if found:
                return found
        return None

    def _outside_body(self, body: etree._Element | None) -> Iterator[etree._Element]:
        """Visible elements of the page in document order; never the body, anything in it
        or any ancestor of it (an ancestor's text contains the body's dates)."""
        skip = set(body.iter()) | set(body.iterancestors()) if body is not None else set()
        hidden = INVISIBLE_TAGS | {"a", "option", "select"}
        for el in self.sel.root.iter():
            if el in skip or not isinstance(el.tag, str) or el.tag.lower() in hidden:
                continue
            if any(isinstance(a.tag, str) and a.tag.lower() in hidden for a in el.iterancestors()):
                continue
            yield el

    def _candidate_texts(
        self, title_nodes: list[etree._Element], body: etree._Element | None
    ) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
        """Short texts outside the body, each with "contains a link": the header zone
        (after the title, before the body) first, then the rest of the page, where
        sidebars list other articles with their dates."""
        order = {el: i for i, el in enumerate(self.sel.root.iter())}
        start = order.get(title_nodes[0], -1) if title_nodes else -1
        end = order.get(body, len(order)) if body is not None else len(order)
        header: list[tuple[str, bool]] = []
        rest: list[tuple[str, bool]] = []
        for el in self._outside_body(body):
            text = element_text(el)
            if text and len(text) < _LABELLED_TEXT:
                has_link = el.find(".//a") is not None
                (header if start <= order[el] < end else rest).append((text, has_link))
        return header, rest
