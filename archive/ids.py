"""Public article ids: what exports, ``luutru`` commands and error messages call ``id``."""

from __future__ import annotations


def public_id(site: str, article_key: str) -> str:
    """The stable public id of an article (what exports call ``id``)."""
    return f"{site}:{article_key}"
