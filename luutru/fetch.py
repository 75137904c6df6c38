"""One polite GET outside a crawl (`luutru extract URL`, `luutru site add URL`).

Polite as the crawler is: our User-Agent with its contact URL, robots.txt obeyed, a
timeout, a size cap (the crawler's DOWNLOAD_MAXSIZE) and no retry. The page is fetched
once; robots.txt is asked first, as the crawler would.
"""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
import urllib.robotparser
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crawler import settings as crawl_settings

TIMEOUT = crawl_settings.DOWNLOAD_TIMEOUT
MAX_BYTES = crawl_settings.DOWNLOAD_MAXSIZE
USER_AGENT = crawl_settings.USER_AGENT


class FetchError(Exception):
    """The page could not be fetched; the message says why in one line."""


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    body: bytes
    encoding: str | None  # from the Content-Type header


def _robots_allows(url: str) -> bool:
    parts = urlsplit(url)
    robots = urllib.robotparser.RobotFileParser()
    robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
    try:
        request = urllib.request.Request(robots_url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            robots.parse(answer.read(512 * 1024).decode("utf-8", "replace").splitlines())
    except urllib.error.HTTPError as exc:
        return exc.code not in (401, 403)  # no robots.txt: allowed; forbidden: not
    except (urllib.error.URLError, OSError):
        return True  # unreachable robots.txt: the page fetch will say what is wrong
    return robots.can_fetch(USER_AGENT, url)


def _read_capped(answer: object) -> bytes:
    data = answer.read(MAX_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_BYTES:
        raise FetchError(f"the page is larger than {MAX_BYTES // (1024 * 1024)} MB")
    return data


def _decoded(data: bytes, coding: str) -> bytes:
    coding = coding.lower().strip()
    if coding in ("", "identity"):
        return data
    try:
        if coding in ("gzip", "x-gzip"):
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            decoder = zlib.decompressobj()
        else:
            raise FetchError(f"unsupported Content-Encoding {coding!r}")
        out = decoder.decompress(data, MAX_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise FetchError(f"the page is not valid {coding}: {exc}") from exc
    if len(out) > MAX_BYTES:
        raise FetchError(f"the page unpacks to more than {MAX_BYTES // (1024 * 1024)} MB")
    return out


def fetch_once(url: str) -> Fetched:
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) URL: {url}")
    if not _robots_allows(url):
        raise FetchError(f"robots.txt of {urlsplit(url).netloc} does not allow {url}")
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            body = _decoded(_read_capped(answer), answer.headers.get("Content-Encoding", ""))
            return Fetched(
                urljoin(url, answer.geturl()),
                answer.status,
                body,
                answer.headers.get_content_charset(),
            )
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"cannot reach {url}: {exc.reason}") from exc
    except TimeoutError as exc:
        raise FetchError(f"{url} did not answer within {TIMEOUT} s") from exc
    except OSError as exc:
        raise FetchError(f"cannot fetch {url}: {exc}") from exc
