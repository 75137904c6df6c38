"""The extractors the extraction benchmark compares, each behind one small adapter.

An adapter takes a ``Page`` and returns a dict in shared/realpages-dev/eval.py's ``--cmd``
shape (``title``, ``published``, ``author``, ``lead``, ``body``), holding only the keys of
the fields the tool produces (``Tool.fields``); a field a tool does not produce is not
scored for it (the table shows "–"), rather than scored as wrong.

The third-party libraries are optional (``pip install -e '.[bench]'``): ``Tool.load()`` says
why a tool cannot run instead of raising, and its row in the table says "unavailable".
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from crawler.extract import extract_article
from crawler.extract.vietnamese.stopwords import STOPWORDS
from crawler.profile_model import ArticleRules

Output = dict[str, Any]

# Block elements after which readability's summary HTML gets a paragraph break when it is
# turned into text, so that words of adjacent blocks are not glued into one token.
_BLOCKS = (
    "p", "div", "br", "li", "ul", "ol", "table", "tr", "td", "th", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "figure", "figcaption", "section", "article",
)  # fmt: skip

# jusText classifies a paragraph by its share of stop words; its thresholds (0.30 / 0.32)
# are calibrated on stop lists of hundreds of words. luutru's Vietnamese list is short (~100
# syllables), prose scores 0.10-0.25 with it and nothing reaches 0.30, so the benchmark uses
# the threshold luutru's own block classifier uses with the same list (0.12,
# crawler/extract/generic/blocks.py) as jusText's "high", and 0.10 as its "low".
JUSTEXT_STOPWORDS_LOW, JUSTEXT_STOPWORDS_HIGH = 0.10, 0.12


@dataclass
class Page:
    """One gold page, fetched or read once, in memory."""

    url: str
    raw: bytes  # the bytes served (or saved)
    encoding: str | None  # the HTTP charset; None for a saved file (each tool sniffs)
    truth: dict[str, Any]  # eval.py's truth keys (title, date, time, author, body, …)
    rules: ArticleRules | None = None  # the matching profile's / template's article rules
    site: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # gold-set specific truth

    @property
    def html(self) -> str | bytes:
        """What a third-party tool is given: the text decoded with the HTTP charset when
        there is one (as a crawler would hand it over), else the raw bytes, as eval.py gives
        them to trafilatura, so that the tool's own charset detection is what is measured."""
        if self.encoding:
            return self.raw.decode(self.encoding, errors="replace")
        return self.raw


@dataclass
class Tool:
    name: str
    fields: frozenset[str]  # of title, date, time, author, lead, body
    run: Callable[[Page], Output]
    modules: tuple[str, ...] = ()  # imported by load(): missing → unavailable
    dist: str = ""  # distribution whose version is reported
    profile: bool = False  # runs with the page's rules

    def load(self) -> str | None:
        """None when the tool can run, else why not (a missing optional library)."""
        for name in self.modules:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                return f"{type(exc).__name__}: {exc}"
        return None

    def version(self) -> str | None:
        try:
            return version(self.dist) if self.dist else None
        except PackageNotFoundError:
            return None


# ---------------------------------------------------------------- luutru


def _luutru(page: Page, rules: ArticleRules | None) -> Output:
    a = extract_article(page.raw, page.url, rules, page.encoding)
    # The keys of `luutru extract --format json`: published is the datetime when there is one.
    return {
        "title": a.title,
        "published": a.datetime or a.date,
        "author": a.author,
        "lead": a.summary,
        "body": a.body,
    }


def run_luutru_generic(page: Page) -> Output:
    return _luutru(page, None)


def run_luutru_profile(page: Page) -> Output:
    return _luutru(page, page.rules)


# ---------------------------------------------------------------- third parties


def run_trafilatura(page: Page) -> Output:
    import trafilatura

    out = trafilatura.extract(page.html, url=page.url, output_format="json", with_metadata=True)
    d = json.loads(out) if out else {}
    return {
        "title": d.get("title"),
        "published": d.get("date"),
        "author": d.get("author"),
        "body": d.get("text") or "",
    }


def html_to_text(html: str) -> str:
    """Text of an HTML fragment, a paragraph break after every block element."""
    import lxml.html

    root = lxml.html.fromstring(html)
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
    return root.text_content()


def run_readability(page: Page) -> Output:
    from readability import Document

    doc = Document(page.html)
    return {"title": doc.short_title(), "body": html_to_text(doc.summary())}


JUSTEXT_STOPLIST = frozenset(STOPWORDS)


def run_justext(page: Page) -> Output:
    import justext

    paragraphs = justext.justext(
        page.html,
        JUSTEXT_STOPLIST,
        stopwords_low=JUSTEXT_STOPWORDS_LOW,
        stopwords_high=JUSTEXT_STOPWORDS_HIGH,
    )
    return {"body": "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)}


def run_htmldate(page: Page) -> Output:
    from htmldate import find_date

    return {"published": find_date(page.html, original_date=True, outputformat="%Y-%m-%d")}


LUUTRU_FIELDS = frozenset({"title", "date", "time", "author", "lead", "body"})

TOOLS: tuple[Tool, ...] = (
    Tool("luutru generic", LUUTRU_FIELDS, run_luutru_generic, dist="luutru"),
    Tool("luutru profile", LUUTRU_FIELDS, run_luutru_profile, dist="luutru", profile=True),
    Tool(
        "trafilatura",
        frozenset({"title", "date", "author", "body"}),
        run_trafilatura,
        ("trafilatura",),
        "trafilatura",
    ),
    Tool(
        "readability-lxml",
        frozenset({"title", "body"}),
        run_readability,
        ("readability", "lxml.html"),
        "readability-lxml",
    ),
    Tool("jusText", frozenset({"body"}), run_justext, ("justext",), "jusText"),
    Tool("htmldate", frozenset({"date"}), run_htmldate, ("htmldate",), "htmldate"),
)
