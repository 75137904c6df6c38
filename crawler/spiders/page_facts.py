"""Everything the spider reads from an article page, from one parse of it.

A pure function of the page's bytes (and the profile's rules), returning plain data, so
that it can run in a worker process (crawler/offload.py) and the reactor never parses an
article page: the article's fields, its declared canonical and og:url, and its links to
other articles ("Các tin khác") by the profile's selector or, without one, as the
listing recogniser finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.extract.declared import declared
from crawler.extract.model import ExtractedArticle
from crawler.extract.page import make_selector, selected_hrefs
from crawler.listing import ListingItem, find_items
from crawler.profile_model import ArticleRules
from crawler.urls import same_site_check


@dataclass
class PageFacts:
    extracted: ExtractedArticle
    canonical: str | None = None  # <link rel="canonical" href>
    og_url: str | None = None  # <meta property="og:url" content>
    other_news: list[str] = field(default_factory=list)  # hrefs under the profile's selector
    items: list[ListingItem] = field(default_factory=list)  # article links, recognised


def page_facts(
    html: bytes,
    url: str,
    rules: ArticleRules,
    encoding: str | None,
    other_news: str = "",
    recognise_on: tuple[str, ...] = (),
) -> PageFacts:
    """``other_news``: the profile's selector for links to other articles; else, when
    ``recognise_on`` names the portal's hosts, the article links the listing recogniser
    finds on the page (the walk decides which of them to follow)."""
    # Here, not at the top: the crawl process imports this module (for its jobs and
    # their results) and extracts nothing itself while it has workers.
    from crawler.extract.article import extract_article

    page = make_selector(html, encoding)
    facts = PageFacts(extract_article(html, url, rules, encoding, page))
    if facts.extracted.no_article:
        return facts
    head = declared(page)
    facts.canonical = head.link_href("canonical")
    facts.og_url = next(iter(head.meta_contents(("property", "og:url"))), None)
    if other_news:
        facts.other_news = selected_hrefs(page, other_news)
    elif recognise_on:
        facts.items = find_items(page, url, same_site_check(list(recognise_on)))
    return facts


_SAMPLE = (
    "<html><head><title>Hội nghị - Sở Y tế</title></head><body><div class='news'>"
    "<h1>Hội nghị triển khai công tác năm 2025</h1><p>Ngày cập nhật 24/01/2025</p>"
    + "<p>Sáng nay, Sở Y tế tổ chức hội nghị triển khai nhiệm vụ năm 2025 với sự tham dự"
    " của lãnh đạo các đơn vị trực thuộc, các bệnh viện và trung tâm y tế huyện.</p>"
    * 4
    + "<p>Thanh Thúy</p></div>"
    "<div class='other'><a href='/tin/2'>Tin khác</a></div></body></html>"
).encode()


def warm_up() -> None:
    """A new worker's first job (crawler/offload.py ``warm``): one small page worked out,
    so that the lazy imports and first-call caches of an extraction are paid before the
    crawl's first article arrives."""
    page_facts(_SAMPLE, "http://warm-up.invalid/tin/1", ArticleRules(), "utf-8", "div.other a")
