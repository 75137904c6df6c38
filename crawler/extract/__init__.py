"""Extraction of article fields from portal pages.

``extract_article`` is the one interface: the profile extractor (profile.py, the site's
selectors) and the generic extractor (generic.py, the page itself) side by side, each
field from the first that finds it; the Vietnamese rules both apply live in vietnamese/.
"""

from crawler.extract.article import extract_article
from crawler.extract.model import ExtractedArticle
from crawler.extract.page import select
from crawler.extract.soft404 import is_soft_404

__all__ = ["ExtractedArticle", "extract_article", "is_soft_404", "select"]
