"""crawler.middlewares.QuickMetaRefreshMiddleware: Scrapy's meta refresh redirects, with a
look at the bytes first so that a page without one is never decoded on the reactor."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.middlewares import QuickMetaRefreshMiddleware

URL = "http://portal.test/tin/1"
FILLER = "<p>Sở Lao động - Thương binh và Xã hội tổ chức hội nghị.</p>" * 400


class NeverDecoded(HtmlResponse):
    """A response whose text must not be read: the quick look is enough."""

    @property
    def text(self) -> str:
        raise AssertionError("the body was decoded")


def middleware() -> QuickMetaRefreshMiddleware:
    return QuickMetaRefreshMiddleware.from_crawler(get_crawler())


def page(
    head: str, cls: type[HtmlResponse] = HtmlResponse, encoding: str = "utf-8"
) -> HtmlResponse:
    html = f"<html><head>{head}</head><body>{FILLER}</body></html>"
    return cls(URL, body=html.encode(encoding), encoding=encoding)


def test_a_refresh_still_redirects() -> None:
    response = page('<meta http-equiv="refresh" content="0; url=/tin/moi">')
    out = middleware().process_response(Request(URL), response)
    assert isinstance(out, Request) and out.url == "http://portal.test/tin/moi"


def test_a_refresh_in_capitals_still_redirects() -> None:
    response = page('<META HTTP-EQUIV="Refresh" CONTENT="0;URL=http://portal.test/tin/2">')
    out = middleware().process_response(Request(URL), response)
    assert isinstance(out, Request) and out.url == "http://portal.test/tin/2"


def test_a_page_without_refresh_is_not_decoded() -> None:
    response = page("<title>Tin tức</title>", cls=NeverDecoded)
    assert middleware().process_response(Request(URL), response) is response


def test_the_word_alone_gets_scrapys_look_and_no_redirect() -> None:
    response = page("<title>Refresh: làm mới trang</title>")
    assert middleware().process_response(Request(URL), response) is response


def test_a_utf16_page_gets_scrapys_look() -> None:
    # NUL bytes in the head: the byte test cannot tell, so Scrapy decodes and decides.
    response = page('<meta http-equiv="refresh" content="0; url=/tin/3">', encoding="utf-16-le")
    out = middleware().process_response(Request(URL), response)
    assert isinstance(out, Request) and out.url == "http://portal.test/tin/3"


def test_a_refresh_past_scrapys_4096_characters_is_ignored_as_before() -> None:
    html = f"<html><head><title>x</title></head><body>{FILLER}"
    html += '<meta http-equiv="refresh" content="0; url=/tin/4"></body></html>'
    response = HtmlResponse(URL, body=html.encode(), encoding="utf-8")
    assert middleware().process_response(Request(URL), response) is response


@pytest.mark.parametrize("name", ["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"])
def test_the_project_replaces_scrapys_middleware(name: str) -> None:
    chosen = project_settings.DOWNLOADER_MIDDLEWARES
    assert chosen[name] is None
    assert chosen["crawler.middlewares.QuickMetaRefreshMiddleware"] == 580
