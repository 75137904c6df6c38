"""One interface over both extractors: each field from the profile's selector when it has one
that finds something (profile.py), else from the page itself (generic/).

Nothing here raises on bad HTML: a field that cannot be found is empty/None and explained
in ``warnings``; which extractor gave each field is in ``sources``; a page with no article
on it says why in ``no_article``.
"""

from __future__ import annotations

import parsel

from crawler.extract.body import extract_body
from crawler.extract.generic import GenericExtractor, no_article_reason
from crawler.extract.generic.dates import DateFinder
from crawler.extract.model import GENERIC, PROFILE, ExtractedArticle
from crawler.extract.page import make_selector
from crawler.extract.profile import ProfileExtractor
from crawler.extract.soft404 import soft_404_marker
from crawler.extract.vietnamese.dates import ArticleDate
from crawler.profile_model import ArticleRules

FIELDS = ("title", "date", "summary", "category", "body")


def extract_article(
    html: str | bytes,
    url: str,
    rules: ArticleRules | None = None,
    encoding: str | None = None,
    selector: parsel.Selector | None = None,
) -> ExtractedArticle:
    """All fields of one article page; never raises (problems become ``warnings``).
    Without ``rules`` (or with a profile that has no selectors) every field is generic.
    ``selector``: the page already parsed by ``make_selector(html, encoding)`` (the
    spider reads the canonical link from the same parse)."""
    rules = rules or ArticleRules()
    article = ExtractedArticle()
    sel = selector if selector is not None else make_selector(html, encoding)
    marker = soft_404_marker(sel, rules)
    if marker:
        article.no_article = f"the page says {marker!r} (a soft 404)"
        return article
    extraction = _Extraction(
        article, ProfileExtractor(sel, rules), GenericExtractor(sel), rules, url
    )
    for name in FIELDS:
        try:
            getattr(extraction, name)()
        except Exception as exc:  # one broken field must not lose the others
            article.warnings.append(f"{name} failed: {type(exc).__name__}: {exc}")
    if not article.no_article:
        try:
            extraction.author_fallback()
        except Exception as exc:
            article.warnings.append(f"author failed: {type(exc).__name__}: {exc}")
    return article


class _Extraction:
    """The fields of one page, profile first, generic second; the sources noted."""

    def __init__(
        self,
        article: ExtractedArticle,
        profile: ProfileExtractor,
        generic: GenericExtractor,
        rules: ArticleRules,
        url: str,
    ) -> None:
        self.article, self.profile, self.generic, self.rules = article, profile, generic, rules
        self.url = url
        self.profile_body = profile.body()

    def _missed(self, name: str, selector: str) -> None:
        """The profile has a selector for ``name`` (title, date, body: what every article
        has) and it matched nothing: a sign of a layout change, which the crawl counts."""
        if selector:
            self.article.warnings.append(f"{name} selector found nothing")

    def title(self) -> None:
        article = self.article
        found = self.profile.title()
        if found:
            article.title, article.sources["title"] = found, PROFILE
            return
        self._missed("title", self.rules.title)
        found = self.generic.title()
        if found:
            article.title, article.sources["title"] = found, GENERIC
        else:
            article.warnings.append("title missing")

    def date(self) -> None:
        article, fmt = self.article, self.rules.date_format or None
        warned = len(article.warnings)
        found: ArticleDate | None = self.profile.date(article.warnings)
        source = PROFILE
        if found is None:
            if len(article.warnings) == warned:  # not "date unparsed": nothing matched
                self._missed("date", self.rules.date)
            source = GENERIC
            if self.profile_body is not None:
                # Where the profile knows the text, the date is sought around it.
                nodes = self.profile.title_nodes()
                found = DateFinder(self.profile.sel).date(nodes, self.profile_body, fmt)
            else:
                found = self.generic.date(fmt)
        if found:
            article.date, article.datetime = found.date_iso, found.datetime_iso
            article.sources["date"] = source
        else:
            article.warnings.append("date missing")

    def summary(self) -> None:
        found = self.profile.summary()
        if found:
            self.article.summary, self.article.sources["summary"] = found, PROFILE
            return
        if self.profile_body is None:
            found = self.generic.lead()
            if found:
                self.article.summary, self.article.sources["summary"] = found, GENERIC

    def category(self) -> None:
        found = self.profile.category()
        if found:
            self.article.category, self.article.sources["category"] = found, PROFILE

    def body(self) -> None:
        article, rules = self.article, self.rules
        if self.profile_body is not None:
            body_el, source = self.profile_body, PROFILE
        else:
            self._missed("body", rules.body)
            body_el, source = self.generic.body(), GENERIC
        if body_el is None:
            article.no_article = "no article text on the page"
            article.warnings.append("body missing")
            return
        body = extract_body(
            self.profile.sel,
            body_el,
            self.url,
            drop_selectors=rules.drop,
            author_selector=rules.author,
            source_selector=rules.source,
        )
        text = body.text
        if article.summary and source == GENERIC:
            text = _without_lead(text, article.summary)
        article.body, article.body_html, article.attachments = text, body.html, body.attachments
        article.author, article.source = body.author, body.source
        article.sources["body"] = source
        for name, how in body.found_by.items():
            article.sources[name] = PROFILE if how == "selector" else GENERIC
        if source == GENERIC:
            article.no_article = no_article_reason(
                self.profile.sel, article.title, body_el, text, body.attachments
            )
            article.layout = self.generic.layout()
        if not article.body:
            article.warnings.append("body empty")

    def author_fallback(self) -> None:
        """No byline at the end of the text: an author box or the page's metadata."""
        article = self.article
        if article.author:
            return
        found = self.generic.author()
        if found:
            article.author, article.sources["author"] = found, GENERIC


def _without_lead(text: str, lead: str) -> str:
    """The body without a first paragraph that repeats the lead."""
    first, _, rest = text.partition("\n\n")
    return rest if " ".join(first.split()) == " ".join(lead.split()) else text
