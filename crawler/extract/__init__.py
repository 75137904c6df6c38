"""Extraction of article fields from portal pages (see ``article.extract_article``)."""

from crawler.extract.article import ExtractedArticle, extract_article, is_soft_404
from crawler.extract.authors import clean_author, is_person_name, split_author_source
from crawler.extract.dates import ArticleDate, find_article_date, parse_vietnamese_date
from crawler.extract.select import select
from crawler.extract.text import normalize_multiline, normalize_text

__all__ = [
    "ArticleDate",
    "ExtractedArticle",
    "clean_author",
    "extract_article",
    "find_article_date",
    "is_person_name",
    "is_soft_404",
    "normalize_multiline",
    "normalize_text",
    "parse_vietnamese_date",
    "select",
    "split_author_source",
]
