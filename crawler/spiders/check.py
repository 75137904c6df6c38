"""`luutru site check`: one listing page and a few articles, nothing archived.

A mixin of the portal spider: articles are fetched N at a time until N extracted or no
candidate is left, so a listing whose first links are dead still shows N articles.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import Request


class SiteCheck:
    """Needs the spider's ``_article_request``."""

    check_articles: int
    check_candidates: list[tuple[str, str]]
    check_pending: int
    check_ok: int

    def _check_fill(self) -> Iterator[Request]:
        """Keep N articles in flight until N extracted or no candidate left."""
        while self.check_candidates and self.check_pending + self.check_ok < self.check_articles:
            url, key = self.check_candidates.pop(0)
            self.check_pending += 1
            yield self._article_request(url, key, "check")  # type: ignore[attr-defined]

    def _check_done(self, ok: bool) -> Iterator[Request]:
        if not self.check_articles:
            return
        self.check_pending -= 1
        self.check_ok += int(ok)
        yield from self._check_fill()
