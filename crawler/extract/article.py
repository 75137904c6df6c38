"""Article extraction: one small function per output field (Fundus style).

lxml/parsel select, BeautifulSoup cleans the selected body. Nothing here raises on bad
HTML: a field that cannot be found is empty/None and explained in ``warnings``.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import parsel
from lxml import etree
from w3lib.url import safe_url_string

from crawler.extract.authors import clean_author, clean_source, split_author_source
from crawler.extract.clean import clean_fragment, paragraphs, remove_line
from crawler.extract.dates import ArticleDate, find_article_date
from crawler.extract.select import (
    INVISIBLE_TAGS,
    element_text,
    make_selector,
    select,
    text_of,
)
from crawler.extract.text import normalize_text
from crawler.profiles import ArticleRules

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar")
DATE_LABELS = ("ngày cập nhật", "ngày đăng", "cập nhật lúc", "ngày xuất bản", "cập nhật:")
# Machine-readable publication dates, trusted before any visible text.
_META_DATES = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='pubdate']/@content",
    "//time/@datetime",
)
_SHORT_TEXT = 80
_LABELLED_TEXT = 160


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


def title(sel: parsel.Selector, rules: ArticleRules, warnings: list[str]) -> str:
    found = text_of(select(sel, rules.title)) if rules.title else ""
    if found:
        return found
    fallback = text_of(sel.xpath("//title"))
    if fallback:
        warnings.append("title from <title> (title selector found nothing)")
    else:
        warnings.append("title missing")
    return fallback


def _body_root(sel: parsel.Selector, rules: ArticleRules) -> etree._Element | None:
    for item in select(sel, rules.body):
        if isinstance(item.root, etree._Element):
            return item.root
    return None


def _outside_body(sel: parsel.Selector, body: etree._Element | None) -> Iterator[etree._Element]:
    """Visible elements of the page in document order; never the body, anything in it or
    any ancestor of it (an ancestor's text contains the body's dates)."""
    skip = set(body.iter()) | set(body.iterancestors()) if body is not None else set()
    hidden = INVISIBLE_TAGS | {"a", "option", "select"}
    for el in sel.root.iter():
        if el in skip or not isinstance(el.tag, str) or el.tag.lower() in hidden:
            continue
        if any(isinstance(a.tag, str) and a.tag.lower() in hidden for a in el.iterancestors()):
            continue
        yield el


def _candidate_texts(
    sel: parsel.Selector, rules: ArticleRules, body: etree._Element | None
) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Short texts outside the body, each with "contains a link": the header zone (after
    the title, before the body) first, then the rest of the page, where sidebars list
    other articles with their dates."""
    order = {el: i for i, el in enumerate(sel.root.iter())}
    title_nodes = [t.root for t in select(sel, rules.title) if isinstance(t.root, etree._Element)]
    start = order.get(title_nodes[0], -1) if title_nodes else -1
    end = order.get(body, len(order)) if body is not None else len(order)
    header: list[tuple[str, bool]] = []
    rest: list[tuple[str, bool]] = []
    for el in _outside_body(sel, body):
        text = element_text(el)
        if text and len(text) < _LABELLED_TEXT:
            has_link = el.find(".//a") is not None
            (header if start <= order[el] < end else rest).append((text, has_link))
    return header, rest


def date(
    sel: parsel.Selector, rules: ArticleRules, body: etree._Element | None, warnings: list[str]
) -> ArticleDate | None:
    fmt = rules.date_format or None
    if rules.date:
        texts = [element_text(item.root) for item in select(sel, rules.date)]
        found = find_article_date([t for t in texts if t], fmt)
        if found:
            return found
        if any(texts):
            warnings.append(f"date unparsed: {texts[0][:80]!r}")
    # Heuristic: never from inside the body (event dates such as "ngày (15/1)" live there).
    header, rest = _candidate_texts(sel, rules, body)
    for texts in (header, rest):
        labelled = [t for t, _ in texts if any(lb in t.casefold() for lb in DATE_LABELS)]
        found = find_article_date(labelled, fmt)
        if found:
            return found
    found = find_article_date(sel.xpath("|".join(_META_DATES)).getall(), fmt)
    if found:
        return found
    for texts in (header, rest):
        short = [t for t, has_link in texts if len(t) < _SHORT_TEXT and not has_link]
        found = find_article_date(short, fmt)
        if found:
            return found
    warnings.append("date missing")
    return None


def summary(sel: parsel.Selector, rules: ArticleRules) -> str | None:
    return (text_of(select(sel, rules.summary)) or None) if rules.summary else None


def category(sel: parsel.Selector, rules: ArticleRules) -> str | None:
    return (text_of(select(sel, rules.category)) or None) if rules.category else None


def _drop(root: etree._Element, selectors: tuple[str, ...] | list[str]) -> None:
    """Remove matches from a detached copy of the body, keeping the text that follows."""
    wrapper = parsel.Selector(root=root, type="html")
    for selector in selectors:
        for item in select(wrapper, selector):
            el = item.root
            if not isinstance(el, etree._Element) or el is root or el.getparent() is None:
                continue
            try:
                el.drop_tree()  # lxml.html elements keep their tail
            except AttributeError:
                parent, tail = el.getparent(), el.tail
                prev = el.getprevious()
                if tail:
                    if prev is not None:
                        prev.tail = (prev.tail or "") + tail
                    else:
                        parent.text = (parent.text or "") + tail
                parent.remove(el)


def attachments(container, url: str) -> list[str]:
    found: list[str] = []
    for link in container.find_all("a", href=True):
        href = str(link["href"]).strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        absolute = safe_url_string(urljoin(url, href))
        parts = urlsplit(absolute)
        values = [unquote(parts.path)] + [v for _, v in parse_qsl(parts.query)]
        if any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for v in values) and (
            absolute not in found
        ):
            found.append(absolute)
    return found


def _selected_value(sel, root, selector: str, cleaner) -> tuple[str | None, str]:
    """(cleaned value, raw text) of an explicit author/source selector; the matched
    elements are removed from the body copy ``root`` when they sit inside it."""
    raw = text_of(select(sel, selector))
    _drop(root, (selector,))
    return (cleaner(raw) if raw else None), raw


def body_and_byline(sel, body_el, rules: ArticleRules, url: str, article: ExtractedArticle):
    root = copy.deepcopy(body_el)
    root.tail = None
    _drop(root, rules.drop)
    author = source = None
    raws: list[str] = []
    if rules.author:
        author, raw = _selected_value(sel, root, rules.author, clean_author)
        raws += [raw, author or ""]
    if rules.source:
        source, raw = _selected_value(sel, root, rules.source, clean_source)
        raws += [raw, source or ""]
    container = clean_fragment(etree.tostring(root, encoding="unicode", method="html"))
    article.attachments = attachments(container, url)
    paras = paragraphs(container)
    # An explicit author/source repeated as the body's last paragraph goes too.
    wanted = {normalize_text(r) for r in raws if r}
    while paras and paras[-1] in wanted:
        remove_line(container, paras.pop())
    rest, found_author, found_source = split_author_source(paras)
    for line in paras[len(rest) :]:
        remove_line(container, line)
    article.author = author or found_author
    article.source = source or found_source
    article.body = "\n\n".join(rest)
    html = "".join(str(child) for child in container.children)
    article.body_html = unicodedata.normalize("NFC", html.strip())
    if not article.body:
        article.warnings.append("body empty")


def extract_article(
    html: str | bytes, url: str, rules: ArticleRules, encoding: str | None = None
) -> ExtractedArticle:
    """All fields of one article page; never raises (problems become ``warnings``)."""
    article = ExtractedArticle()
    warnings = article.warnings
    try:
        sel = make_selector(html, encoding)
    except Exception as exc:  # pragma: no cover - make_selector already guards
        warnings.append(f"unparseable page: {exc}")
        return article
    body_el = _body_root(sel, rules) if rules.body else None
    steps = (
        ("title", lambda: setattr(article, "title", title(sel, rules, warnings))),
        ("date", lambda: _set_date(article, date(sel, rules, body_el, warnings))),
        ("summary", lambda: setattr(article, "summary", summary(sel, rules))),
        ("category", lambda: setattr(article, "category", category(sel, rules))),
    )
    for name, step in steps:
        try:
            step()
        except Exception as exc:  # one broken field must not lose the others
            warnings.append(f"{name} failed: {type(exc).__name__}: {exc}")
    if body_el is None:
        warnings.append("body missing (body selector found nothing)")
        return article
    try:
        body_and_byline(sel, body_el, rules, url, article)
    except Exception as exc:
        warnings.append(f"body failed: {type(exc).__name__}: {exc}")
    return article


def _set_date(article: ExtractedArticle, found: ArticleDate | None) -> None:
    if found:
        article.date, article.datetime = found.date_iso, found.datetime_iso


def visible_text(sel: parsel.Selector) -> str:
    texts = sel.xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"
    ).getall()
    return normalize_text(" ".join(texts))


def is_soft_404(html: str | bytes, rules: ArticleRules, encoding: str | None = None) -> bool:
    """A "not found" page served with 200: a ``soft_404`` marker text is visible, or
    neither the title nor the body selector finds anything."""
    try:
        sel = make_selector(html, encoding)
        page = visible_text(sel).casefold()
        title_text = normalize_text(sel.xpath("//title").xpath("string()").get() or "").casefold()
        for marker in rules.soft_404:
            needle = normalize_text(marker).casefold()
            if needle and (needle in page or needle in title_text):
                return True
        no_title = not rules.title or not text_of(select(sel, rules.title))
        no_body = not rules.body or not text_of(select(sel, rules.body))
        return bool(rules.title or rules.body) and no_title and no_body
    except Exception:
        return False


__all__ = ["ExtractedArticle", "extract_article", "is_soft_404", "select"]
