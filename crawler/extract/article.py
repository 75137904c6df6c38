"""One interface over both extractors: each field from the profile's selector when it has
one that finds something (profile.py), else from the page itself (generic.py).

Nothing here raises on bad HTML: a field that cannot be found is empty/None and explained
in ``warnings``; which extractor gave each field is in ``sources``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crawler.extract.body import extract_body
from crawler.extract.generic import GenericExtractor
from crawler.extract.model import GENERIC, PROFILE, ExtractedArticle
from crawler.extract.page import make_selector
from crawler.extract.profile import ProfileExtractor
from crawler.profiles import ArticleRules


def _first(article: ExtractedArticle, name: str, *tries: tuple[str, Callable[[], Any]]) -> Any:
    """The first non-empty value of ``tries`` ((source, getter) in order), noting its source."""
    for source, getter in tries:
        value = getter()
        if value:
            article.sources[name] = source
            return value
    return None


def extract_article(
    html: str | bytes, url: str, rules: ArticleRules, encoding: str | None = None
) -> ExtractedArticle:
    """All fields of one article page; never raises (problems become ``warnings``)."""
    article = ExtractedArticle()
    warnings = article.warnings
    sel = make_selector(html, encoding)
    profile, generic = ProfileExtractor(sel, rules), GenericExtractor(sel)
    body_el = profile.body()

    def title() -> None:
        article.title = _first(article, "title", (PROFILE, profile.title)) or ""
        if not article.title:
            article.title = _first(article, "title", (GENERIC, generic.title)) or ""
            warnings.append(
                "title from <title> (title selector found nothing)"
                if article.title
                else "title missing"
            )

    def date() -> None:
        fmt = rules.date_format or None
        found = _first(
            article,
            "date",
            (PROFILE, lambda: profile.date(warnings)),
            (GENERIC, lambda: generic.date(profile.title_nodes(), body_el, fmt)),
        )
        if found:
            article.date, article.datetime = found.date_iso, found.datetime_iso
        else:
            warnings.append("date missing")

    def summary() -> None:
        article.summary = _first(article, "summary", (PROFILE, profile.summary))

    def category() -> None:
        article.category = _first(article, "category", (PROFILE, profile.category))

    for name, step in (("title", title), ("date", date), ("summary", summary),
                       ("category", category)):  # fmt: skip
        try:
            step()
        except Exception as exc:  # one broken field must not lose the others
            warnings.append(f"{name} failed: {type(exc).__name__}: {exc}")
    if body_el is None:
        warnings.append("body missing (body selector found nothing)")
        return article
    try:
        body = extract_body(
            sel,
            body_el,
            url,
            drop_selectors=rules.drop,
            author_selector=rules.author,
            source_selector=rules.source,
        )
    except Exception as exc:
        warnings.append(f"body failed: {type(exc).__name__}: {exc}")
        return article
    article.sources["body"] = PROFILE
    article.body, article.body_html, article.attachments = body.text, body.html, body.attachments
    article.author, article.source = body.author, body.source
    for name, how in body.found_by.items():
        article.sources[name] = PROFILE if how == "selector" else GENERIC
    if not article.body:
        warnings.append("body empty")
    return article
