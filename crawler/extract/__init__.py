"""Extraction of article fields from portal pages.

``extract_article`` is the one interface: the profile extractor (profile.py, the site's
selectors) and the generic extractor (generic.py, the page itself) side by side, each
field from the first that finds it; the Vietnamese rules both apply live in vietnamese/.

The names below are loaded on first use (PEP 562): the crawl process imports this
package for its listing heuristics (crawler/listing/), while the article extraction, and
BeautifulSoup with it (a twentieth of a second), runs in the extraction workers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extract.article import extract_article
    from crawler.extract.model import ExtractedArticle
    from crawler.extract.page import select
    from crawler.extract.soft404 import is_soft_404

__all__ = ["ExtractedArticle", "extract_article", "is_soft_404", "select"]

_WHERE = {
    "extract_article": "crawler.extract.article",
    "ExtractedArticle": "crawler.extract.model",
    "select": "crawler.extract.page",
    "is_soft_404": "crawler.extract.soft404",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
