"""What class names, ids and attributes say about an element.

Portals name their boxes in English ("related", "sidebar"), in Vietnamese without
diacritics ("tinkhac", "lienquan", "noidung") and in CMS vocabularies ("asset-content",
"ms-rtestate-field", "entry-content"). Names are split into words at ``-``, ``_``, spaces
and camelCase, so "box-tin-lien-quan" and "RelatedNews" both say "related".
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree


def words(text: str) -> frozenset[str]:
    """A vocabulary written as a block of space-separated words."""
    return frozenset(text.split())


_SPLIT = re.compile(r"[\s_\-:.]+|(?<=[a-z])(?=[A-Z])")

# Words of a name that mark boilerplate around an article: other articles, navigation,
# sharing, comments, ads. Matched as whole words of the split name.
BOILERPLATE_WORDS = words(
    """
    related relate relation lienquan tinlienquan khac tinkhac cactinkhac other others more
    sidebar side widget aside nav navbar navigation menu megamenu breadcrumb breadcrumbs
    footer header topbar banner advert advertisement ads ad quangcao qc sponsor promo
    share sharing social sns like facebook zalo twitter print email rating vote
    comment comments binhluan ykien feedback reply tags tag keyword keywords
    hot popular mostview xemnhieu docnhieu noibat top trending newest latest moinhat
    login dangnhap search timkiem pager pagination paging phantrang calendar lich
    toolbar tools tool fontsize audio player video-list gallery-list subscribe newsletter
    """
)
# Words of a name that mark the article's text itself.
CONTENT_WORDS = words(
    """
    content contents article articles detail details chitiet noidung body entry post
    story text main fck journal rtestate maincontent newsdetail news-detail cms
    """
)
LEAD_WORDS = words(
    """
    sapo lead summary description desc excerpt intro chapeau abstract tomtat trichyeu
    mota subtitle teaser
    """
)
AUTHOR_WORDS = words("author authors byline tacgia writer butdanh nguoiviet")
CAPTION_WORDS = frozenset(
    ["caption", "figcaption", "imgcaption", "photocaption", "chuthich", "ghichu", "credit"]
)
DATE_WORDS = words(
    """
    date time datetime publish published pubdate posted ngay ngaydang ngaycapnhat
    thoigian postdate meta
    """
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASS = words(
    "hidden hide hide-accessible sr-only visually-hidden invisible d-none screen-reader-text"
)


def name_words(el: etree._Element) -> frozenset[str]:
    """The words of an element's class and id, lower-cased; runs of adjacent parts are
    joined too ("box-tin-lien-quan" gives "lienquan" and "tinlienquan"), the way
    Vietnamese names are often run together."""
    return _words_of(el.get("class"), el.get("id"))


@lru_cache(maxsize=8192)
def _words_of(classes: str | None, ident: str | None) -> frozenset[str]:
    # Cached: pages repeat the same few class names thousands of times.
    found: set[str] = set()
    for value in (classes, ident):
        if not value:
            continue
        for token in value.split():
            parts = [p.lower() for p in _SPLIT.split(token) if p]
            found.update(parts)
            # Every run of adjacent parts; names rarely have more than a handful.
            for start in range(len(parts) - 1):
                for end in range(start + 2, min(len(parts), start + 6) + 1):
                    found.add("".join(parts[start:end]))
    return frozenset(found)


def has_words(el: etree._Element, vocabulary: frozenset[str]) -> bool:
    return not name_words(el).isdisjoint(vocabulary)


def is_hidden(el: etree._Element) -> bool:
    """Hidden by the page itself: such text is not printed, so it is never a field."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    classes = el.get("class")  # asked of every element of a page: no set built
    return bool(classes) and not _HIDDEN_CLASS.isdisjoint(classes.split())
