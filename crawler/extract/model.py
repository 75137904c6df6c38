"""What extraction produces: an article's fields, where each came from, and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

PROFILE, GENERIC = "profile", "generic"


@dataclass
class ExtractedArticle:
    title: str = ""
    date: str | None = None
    datetime: str | None = None
    author: str | None = None
    source: str | None = None
    summary: str | None = None
    body: str = ""
    body_html: str = ""
    category: str | None = None
    attachments: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Which extractor gave each field found: "profile" (a selector of the site's profile)
    # or "generic" (the page-wide Vietnamese heuristics).
    sources: dict[str, str] = field(default_factory=dict)
    # Why the page holds no article (a listing, an error or login page, no text), or None.
    no_article: str | None = None
    # Where the generic extractor found the text and headline ("div.entry-content"): a
    # redesign shows as a change of these even when extraction copes with it.
    layout: dict[str, str] = field(default_factory=dict)

    @property
    def extraction(self) -> str:
        """GENERIC when the text or the headline came from the generic extractor (the
        profile's selectors did not find them, or it has none); else PROFILE. Per-field
        detail is in ``sources`` (a byline read off the text's last lines is generic)."""
        core = (self.sources.get("body"), self.sources.get("title"))
        return GENERIC if GENERIC in core or not any(core) else PROFILE
