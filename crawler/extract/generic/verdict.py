"""Is there an article on this page at all?

A crawler without selectors meets listings, category pages, error pages served with 200
and login forms. None of them may be stored as an article, and an empty article is never
the answer: the page gets a reason instead.
"""

from __future__ import annotations

import re

import parsel
from lxml import etree

from crawler.extract.declared import declared
from crawler.extract.page import ElementTexts
from crawler.extract.vietnamese.dates import find_article_date

# Visible texts of "not found / removed" pages (Vietnamese portals and English CMSs).
NOT_FOUND = re.compile(
    r"không tồn tại|không tìm thấy|đã bị xóa|đã bị xoá|đã bị gỡ|đã hết hạn|không có dữ liệu|"
    r"trang (?:bạn|quý vị) (?:tìm|yêu cầu)|page not found|not found|404|"
    r"bài viết không|tin bài không",
    re.IGNORECASE,
)
# Less text than this is not an article, unless files are attached to it (a "Thông báo"
# of two sentences and a PDF is a real article on department portals).
MIN_ARTICLE_CHARS = 200
MIN_WITH_ATTACHMENT = 30
# A body whose text is mostly headline-length links, several of them, is a list of
# articles (a listing or category page), not one article.
_TITLE_LINK_CHARS = 25
_MAX_TITLE_LINKS = 4
_MAX_LINKED_SHARE = 0.3
_MANY_TITLE_LINKS = 5
_MANY_LINKED_SHARE = 0.12
_DATED_ITEMS = 3
_DATE_LINE = 80
_FILE = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar)$", re.IGNORECASE)


def listing_reason(body: etree._Element, text: str) -> str | None:
    """An article links to a document or two; a listing is made of headline links, each
    with its date and lead: many of them, or fewer making much of the text."""
    texts = ElementTexts()
    titles = [
        texts(a) for a in body.iter("a") if not _FILE.search((a.get("href") or "").split("?")[0])
    ]
    titles = [t for t in titles if len(t) >= _TITLE_LINK_CHARS and len(t.split()) >= 5]
    linked = sum(len(t) for t in titles)
    share = linked / len(text) if text else 0.0

    def dated() -> int:
        # Asked only when there are enough links for it to matter: it reads the text of
        # every element, the costliest step here on an article.
        return sum(
            1
            for el in body.iter()
            if isinstance(el.tag, str)
            and len(own := texts(el)) < _DATE_LINE
            and find_article_date([own])
        )

    if (
        (len(titles) >= _MANY_TITLE_LINKS and share >= _MANY_LINKED_SHARE)
        or (len(titles) >= _MAX_TITLE_LINKS and share >= _MAX_LINKED_SHARE)
        or (len(titles) >= _DATED_ITEMS and dated() >= _DATED_ITEMS)  # items, each dated
    ):
        return f"a list of {len(titles)} article links, not an article (a listing page?)"
    return None


def no_article_reason(
    sel: parsel.Selector,
    title: str,
    body: etree._Element | None,
    text: str,
    attachments: list[str],
) -> str | None:
    """Why the page holds no article, or None when it does."""
    if body is None or not text:
        return "no article text on the page"
    short = len(text) < MIN_ARTICLE_CHARS
    if short and (NOT_FOUND.search(title) or NOT_FOUND.search(text)):
        return f"an error page: {(title or text)[:80]!r}"
    if len(text) < 2 * MIN_ARTICLE_CHARS and declared(sel).has_password_field():
        return "a login page"
    if short and not (attachments and len(text) >= MIN_WITH_ATTACHMENT):
        return f"too little text for an article ({len(text)} characters)"
    return listing_reason(body, text)
