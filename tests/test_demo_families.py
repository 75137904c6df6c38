"""The opt-in demo families (demo_portal/families.py): a WordPress-like site (demo-wp, /wp) and
an old PHP portal (demo-php, /php), checked with plain HTTP against their ground truth."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from lxml import html as lhtml

from demo_portal import DemoPortal, ground_truth, listing_urls
from demo_portal.families import (
    DEFAULT_FAMILIES,
    PHP_CATS,
    PHP_MISSING_ID,
    WP_CATS,
    WP_DEAD_LINK,
    build_family_site,
    is_trap,
)
from demo_portal.server import main

E = 50  # articles per opt-in family: 25 per category, 3 listing pages each
FAMS = ("wordpress", "php")
WP_SITE, PHP_SITE = "demo-wp", "demo-php"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_raw = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, follow: bool = True
) -> tuple[int, dict[str, str], str, str]:
    """(status, headers, body, final url); 503 (transient, by design) is retried once."""
    for _ in range(2):
        req = urllib.request.Request(url, headers=headers or {})
        try:
            opener = urllib.request.urlopen if follow else _raw.open
            with opener(req, timeout=10) as r:
                status, h, body, final = r.status, dict(r.headers), r.read(), r.url
        except urllib.error.HTTPError as e:
            status, h, body, final = e.code, dict(e.headers), e.read(), url
        if status != 503:
            break
    return status, h, body.decode("utf-8", "replace"), final


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


def doc_of(body: str) -> lhtml.HtmlElement:
    return lhtml.fromstring(body)


def links(doc: lhtml.HtmlElement, page_url: str, css: str = "a") -> list[str]:
    hrefs = [a.get("href") for a in doc.cssselect(css) if a.get("href")]
    return [urllib.parse.urldefrag(urllib.parse.urljoin(page_url, h))[0] for h in hrefs]


@pytest.fixture(scope="module")
def portal() -> Iterator[DemoPortal]:
    with DemoPortal(articles=20, families=FAMS, extra_articles=E, port=0) as p:
        yield p


def live(portal: DemoPortal, site: str) -> list[dict]:
    return [r for r in portal.truth() if r["site"] == site and r["status"] == "live"]


# ------------------------------------------------------------------ truth


def test_truth_shape_and_api() -> None:
    t = ground_truth(20, families=FAMS, extra_articles=E)
    assert t == ground_truth(20, families="php,wordpress", extra_articles=E)
    assert {r["site"] for r in t} == {WP_SITE, PHP_SITE}
    assert sum(r["site"] == WP_SITE for r in t) == sum(r["site"] == PHP_SITE for r in t) == E
    assert ground_truth(60) == ground_truth(60, families=DEFAULT_FAMILIES, extra_articles=7)
    both = ground_truth(60, families=("liferay", "aspnet", "wordpress", "php"), extra_articles=E)
    assert both[: len(ground_truth(60))] == ground_truth(60) and len(both) == len(t) + 62
    with pytest.raises(ValueError):
        ground_truth(20, families=("joomla",))
    keys = {"site", "key", "url", "aliases", "title", "date", "datetime", "author", "source",
            "summary", "body", "category", "attachments", "status", "republished_of"}  # fmt: skip
    bylines = set()
    for r in t:
        assert set(r) == keys and r["status"] == "live" and r["republished_of"] is None
        for k in ("title", "summary", "body", "author", "source", "category"):
            assert r[k] is None or unicodedata.is_normalized("NFC", r[k])
        assert r["aliases"] and r["url"] not in r["aliases"]
        assert len(set(r["aliases"])) == len(r["aliases"])
        if r["datetime"]:
            assert r["datetime"].startswith(r["date"])
        if r["site"] == WP_SITE:
            d = r["date"].replace("-", "/")
            assert re.fullmatch(rf"http://127\.0\.0\.1:8765/wp/{d}/[a-z0-9-]+/", r["url"])
            assert r["aliases"][0] == f"http://127.0.0.1:8765/wp/?p={r['key']}"
            assert all("/wp/wp-content/uploads/" in x for x in r["attachments"])
        else:
            assert r["url"] == (
                f"http://127.0.0.1:8765/php/index.php?module=news&act=detail&id={r['key']}"
            )
            assert all("/php/download.php?file=" in x for x in r["attachments"])
        bylines.add((r["site"], r["author"] is None, r["source"] is None))
    # WordPress: a byline, a source, or nothing; PHP: a byline or a source
    assert bylines == {(WP_SITE, False, True), (WP_SITE, True, False), (WP_SITE, True, True),
                       (PHP_SITE, False, True), (PHP_SITE, True, False)}  # fmt: skip
    authors = {r["author"] for r in t if r["site"] == WP_SITE}
    assert "PV" in authors and any(a and len(a.split()) == 2 for a in authors)
    wp = build_family_site("wordpress", E, 0, 1)
    assert any(a.table for a in wp.articles) and any(a.old_slug for a in wp.articles)
    assert any(a.tracked for a in wp.articles) and any(a.caption for a in wp.articles)
    rows = next(a for a in wp.articles if a.table)
    assert " ".join(rows.table[1]) in rows.body_text  # each table row: one paragraph
    assert any(a.br_body for a in build_family_site("php", E, 0, 1).articles)
    assert listing_urls("wordpress", "http://h") == [
        "http://h/wp/chuyen-muc/tin-hoat-dong-nganh/",
        "http://h/wp/chuyen-muc/phong-chong-dich-benh/",
    ]
    assert listing_urls("php", "") == [
        "/php/index.php?module=news&cat=3", "/php/index.php?module=news&cat=7"]  # fmt: skip


def test_trap_patterns() -> None:
    assert is_trap("http://h/wp/2024/03/") and is_trap("/wp/2024/03/15/")
    assert is_trap("/wp/2024/") and is_trap("/wp/2024/03/page/2/")
    assert not is_trap("/wp/2024/03/15/so-y-te-to-chuc/")
    assert not is_trap("/wp/chuyen-muc/tin-hoat-dong-nganh/page/2/")
    assert is_trap("http://h/php/index.php?module=news&ngay=15/03/2024")
    assert not is_trap("/php/index.php?module=news&cat=3&page=2")
    assert is_trap("/lf/web/so-tttt/tin-theo-ngay?ngay=01/01/2024")


# ------------------------------------------------------------------ articles vs truth


def _wp_fields(doc: lhtml.HtmlElement) -> dict[str, object]:
    content = doc.cssselect("div.entry-content")[0]
    paras = content.xpath("./p | ./figure[contains(@class, 'wp-block-table')]")
    texts: list[str] = []
    for el in paras[1:]:
        if el.tag == "figure":
            texts += [norm(" ".join(c.text_content() for c in tr)) for tr in el.iter("tr")]
        elif "text-align: right" not in (el.get("style") or ""):
            texts.append(norm(el.text_content()))
    byline = content.xpath("./p[contains(@style, 'text-align: right')]")
    return {
        "title": norm(doc.cssselect("h1.entry-title")[0].text_content()),
        "time": doc.cssselect("time.entry-date.published")[0],
        "summary": norm(paras[0].text_content()),
        "body": "\n\n".join(texts),
        "byline": norm(byline[0].text_content()) if byline else None,
        "captions": [norm(c.text_content()) for c in content.cssselect("figcaption")],
        "canonical": doc.xpath("//link[@rel='canonical']/@href")[0],
        "category": norm(doc.cssselect("span.cat-links a")[0].text_content()),
        "attachments": [a.get("href") for a in content.xpath("./p//a")],
    }


def _php_fields(doc: lhtml.HtmlElement, page_url: str) -> dict[str, object]:
    div = doc.cssselect("div.noidung")[0]
    lead, *rest = div.xpath("./p")
    byline = [p for p in rest if p.get("align") == "right"]
    if rest and rest[0].get("align") != "right":  # paragraphs
        texts = [norm(p.text_content()) for p in rest if p.get("align") != "right"]
    else:  # <br><br> only
        for el in [lead, *byline]:
            el.drop_tree()
        raw = lhtml.tostring(div, encoding="unicode")
        texts = [norm(lhtml.fragment_fromstring(c, create_parent="div").text_content())
                 for c in re.split(r"<br>\s*<br>", raw)]  # fmt: skip
    header = doc.cssselect("span.tacgia")
    return {
        "title": norm(doc.cssselect("div.tieude")[0].text_content()),
        "dateline": norm(doc.cssselect("span.ngaydang")[0].text_content()),
        "summary": norm(lead.text_content()),
        "body": "\n\n".join(texts),
        "byline": norm((header or byline)[0].text_content()) if header or byline else None,
        "category": norm(doc.cssselect("div.duongdan a")[-1].text_content()),
        "attachments": links(div, page_url),
    }


def test_every_article_matches_truth(portal: DemoPortal) -> None:
    for r in live(portal, WP_SITE) + live(portal, PHP_SITE):
        status, _, body, _ = fetch(r["url"])
        assert status == 200, r["url"]
        doc = doc_of(body)
        if r["site"] == WP_SITE:
            got = _wp_fields(doc)
            assert got["canonical"] == r["url"]
            t = got["time"]
            assert t.get("datetime").startswith(r["date"])
            d = date.fromisoformat(r["date"])
            shown = norm(t.text_content())
            assert shown in (f"{d:%d/%m/%Y}", f"{d.day} Tháng {d.month}, {d.year}") or (
                r["datetime"] and shown == f"{d:%d/%m/%Y} {r['datetime'][11:16]}"
            )
            assert all(c not in r["body"] for c in got["captions"])
        else:
            got = _php_fields(doc, r["url"])
            d = date.fromisoformat(r["date"])
            assert (
                f"{d:%d/%m/%Y}" in got["dateline"]
                or f"{d.day}/{d.month}/{d.year}" in (got["dateline"])
            )
            assert bool(re.search(r"\d\d:\d\d", got["dateline"])) == bool(r["datetime"])
            assert "<h1" not in body and "<h2>Tin mới</h2>" in body
        assert got["title"] == r["title"] and got["summary"] == r["summary"]
        assert got["body"] == r["body"], r["url"]
        assert got["category"] == r["category"]
        assert got["attachments"] == r["attachments"]
        if r["author"]:
            assert got["byline"] and got["byline"].endswith(r["author"])
        elif r["source"]:
            assert got["byline"] == f"Nguồn: {r['source']}"
        else:
            assert got["byline"] is None
        for att in r["attachments"]:
            assert fetch(att)[0] == 200


def test_aliases_serve_the_article_and_are_all_linked(portal: DemoPortal) -> None:
    truth = live(portal, WP_SITE) + live(portal, PHP_SITE)
    known = {u for r in truth for u in [r["url"], *r["aliases"]]}
    for r in truth:
        for alias in r["aliases"]:
            status, _, body, final = fetch(alias)
            assert status == 200, alias
            assert r["title"] in norm(doc_of(body).text_content())
            if r["site"] == WP_SITE:
                assert final in (r["url"], alias)  # a 301 to the permalink, or served
    base = portal.base_url
    pages = [base + "/wp/", base + "/php/index.php"] + [r["url"] for r in truth]
    for fam in FAMS:
        for url in listing_urls(fam, base):
            for n in range(1, 4):
                pages.append(url + (f"page/{n}/" if fam == "wordpress" else f"&page={n}"))
    linked: set[str] = set()
    for url in pages:
        doc = doc_of(fetch(url)[2])
        found = links(doc, url) + [urllib.parse.urljoin(url, h) for h in
                                   doc.xpath("//link[@rel='shortlink']/@href")]  # fmt: skip
        linked.update(found)
        for u in found:  # every link to an article uses a form the truth knows
            path = urllib.parse.urlsplit(u)
            if re.fullmatch(r"/wp/\d{4}/\d\d/\d\d/[a-z0-9-]+/", path.path):
                assert u in known or u.endswith(WP_DEAD_LINK), u
            if re.search(r"(?i)act=detail", path.query):
                assert u in known or u.endswith(("&print=1", f"id={PHP_MISSING_ID}")), u
    for r in truth:
        assert set(r["aliases"]) <= linked, r["aliases"]
        assert r["url"] in linked


def test_listings_list_every_live_article_once(portal: DemoPortal) -> None:
    for site, fam, cats, item_css, next_css in (
        (WP_SITE, "wordpress", WP_CATS, "main article h2.entry-title a", "nav.pagination a.next"),
        (PHP_SITE, "php", PHP_CATS, "td.main a.tieude_tin", "td.main div.xemthem a"),
    ):
        truth = live(portal, site)
        key_of = {u: r["key"] for r in truth for u in [r["url"], *r["aliases"]]}
        for (_, cat_name), cat_url in zip(cats, listing_urls(fam, portal.base_url), strict=True):
            seen: list[str] = []
            url: str | None = cat_url
            pages = 0
            while url:
                status, _, body, _ = fetch(url)
                assert status == 200
                doc = doc_of(body)
                pages += 1
                seen += sorted({key_of.get(u, "?" + u) for u in links(doc, url, item_css)})
                nxt = links(doc, url, next_css)
                if fam == "wordpress":
                    assert doc.xpath("//link[@rel='next']/@href") == nxt
                    assert len(doc.cssselect("nav.pagination a.page-numbers")) >= 2
                else:  # "Xem thêm »" is the only pagination
                    assert nxt == [] or nxt[0].endswith(f"&page={pages + 1}")
                    paging = [a for a in doc.cssselect("td.main a") if "page=" in a.get("href")]
                    assert paging == doc.cssselect(next_css)
                url = nxt[0] if nxt else None
            assert pages == 3
            real = [k for k in seen if not k.startswith("?")]
            assert len(real) == len(set(real)), "an article listed twice"
            assert set(real) == {r["key"] for r in truth if r["category"] == cat_name}
            missing = [k for k in seen if k.startswith("?")]
            assert len(missing) == (1 if fam == "php" and cat_url.endswith("cat=3") else 0)
            assert all(m.endswith(f"id={PHP_MISSING_ID}") for m in missing)
    assert portal.listing_page_count() == 12


def test_listing_categories_partition_the_site(portal: DemoPortal) -> None:
    for site, fam, css in ((WP_SITE, "wordpress", "main article h2.entry-title a"),
                           (PHP_SITE, "php", "td.main a.tieude_tin")):  # fmt: skip
        truth = live(portal, site)
        per_cat: dict[str, set[str]] = {}
        for cat_url in listing_urls(fam, portal.base_url):
            doc = doc_of(fetch(cat_url)[2])
            name = norm(doc.cssselect("h1.page-title, div.tieude_chuyenmuc")[0].text_content())
            per_cat[name.removeprefix("Chuyên mục: ")] = set(links(doc, cat_url, css))
        for r in truth:
            urls = {r["url"], *r["aliases"]}
            assert [c for c, us in per_cat.items() if us & urls] in ([r["category"]], [])


# ------------------------------------------------------------------ traps, redirects, 404s


def test_traps_are_endless(portal: DemoPortal) -> None:
    base = portal.base_url
    newest = max(date.fromisoformat(r["date"]) for r in live(portal, WP_SITE))
    months = newest.year * 12 + newest.month - 1 + 1000  # 1000 months on
    y, m = divmod(months, 12)
    url = f"{base}/wp/{y}/{m + 1:02d}/"
    for _ in range(5):
        status, _, body, _ = fetch(url)
        assert status == 200 and "wp-calendar" in body and is_trap(url)
        nxt = doc_of(body).cssselect("span.wp-calendar-nav-next a")
        assert nxt
        url = nxt[0].get("href")
    assert fetch(f"{base}/wp/1970/01/01/")[0] == 200
    assert fetch(f"{base}/wp/2024/02/30/")[0] == 404
    day = newest - timedelta(days=1000)
    url = f"{base}/php/index.php?module=news&ngay={day:%d/%m/%Y}"
    for k in range(5):
        status, _, body, _ = fetch(url)
        assert status == 200 and is_trap(url)
        prev = links(doc_of(body), url, "a.ngaytruoc")
        assert prev and prev[0].endswith(f"ngay={day - timedelta(days=k + 1):%d/%m/%Y}")
        url = prev[0]
    # the day list of every page: the last 30 days; calendar days link day archives
    home = doc_of(fetch(f"{base}/php/index.php")[2])
    days = links(home, base + "/php/index.php", "ul.ds_ngay a")
    assert len(days) == 30 and all(is_trap(u) for u in days)
    assert home.cssselect("form select[name=ngay] option")
    cal = doc_of(fetch(f"{base}/wp/")[2]).cssselect("table#wp-calendar a")
    assert cal and all(re.search(r"/wp/\d{4}/\d\d/\d\d/$", a.get("href")) for a in cal)


def test_redirects(portal: DemoPortal) -> None:
    base = portal.base_url
    posts = build_family_site("wordpress", E, 0, 1).articles
    truth = {r["key"]: r for r in live(portal, WP_SITE)}
    a = next(p for p in posts if p.old_slug)
    r = truth[str(a.id)]
    for url in (
        f"{base}/wp/?p={a.id}",
        f"{base}/wp/{a.published:%Y/%m/%d}/{a.old_slug}/",
        r["url"].rstrip("/"),
        f"{base}/wp/2001/01/01/{a.slug}/",
    ):
        status, h, _, _ = fetch(url, follow=False)
        assert status == 301 and h["Location"] == r["url"], url
    assert fetch(base + "/wp", follow=False)[1]["Location"] == base + "/wp/"
    s, h, _, _ = fetch(base + "/wp/chuyen-muc/tin-hoat-dong-nganh", follow=False)
    assert s == 301 and h["Location"].endswith("/wp/chuyen-muc/tin-hoat-dong-nganh/")
    assert fetch(base + "/wp/wp-admin/", follow=False)[0] == 302


def test_not_found_and_soft_404(portal: DemoPortal) -> None:
    base = portal.base_url
    for url in (base + "/wp/2024/03/15/khong-co-bai-nay/", base + WP_DEAD_LINK,
                base + "/wp/?p=1", base + "/wp/chuyen-muc/khong-co/",
                base + "/wp/chuyen-muc/tin-hoat-dong-nganh/page/99/"):  # fmt: skip
        status, _, body, _ = fetch(url)
        assert status == 404 and "Không tìm thấy trang" in body and "wp-calendar" in body, url
    assert WP_DEAD_LINK in fetch(base + "/wp/")[2]  # the popular-posts widget links it
    for aid in (str(PHP_MISSING_ID), "abc"):
        status, _, body, _ = fetch(f"{base}/php/index.php?module=news&act=detail&id={aid}")
        assert status == 200 and "Tin bài không tồn tại hoặc đã bị xóa" in body
        assert 'div class="tieude"' not in body
    assert fetch(base + "/php/khong-co.php")[0] == 404
    assert fetch(base + "/lf/web/so-tttt/trang-chu")[0] == 404  # liferay is not served


def test_conditional_get_and_counters(portal: DemoPortal) -> None:
    r = live(portal, WP_SITE)[0]
    s1, h1, b1, _ = fetch(r["url"])
    s2, h2, b2, _ = fetch(r["url"])
    assert s1 == s2 == 200 and b1 == b2 and h1["ETag"] == h2["ETag"]
    assert h1["Server"].startswith("nginx") and "rel=shortlink" in h1["Link"]
    assert fetch(r["url"], {"If-None-Match": h1["ETag"]})[0] == 304
    assert fetch(r["url"], {"If-Modified-Since": h1["Last-Modified"]})[0] == 304
    assert fetch(r["url"], {"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})[0] == 200
    assert fetch(r["url"], {"If-None-Match": '"nope"'})[0] == 200
    p = live(portal, PHP_SITE)[0]
    s1, h1, b1, _ = fetch(p["url"])
    _, _, b2, _ = fetch(p["aliases"][0])
    assert "ETag" not in h1 and "Last-Modified" not in h1 and "PHPSESSID=" in h1["Set-Cookie"]
    assert h1["Server"].startswith("Apache") and h1["X-Powered-By"].startswith("PHP/")
    views = [re.search(r"Lượt xem: (\d+)", b)[1] for b in (b1, b2)]  # type: ignore[index]
    assert views[0] != views[1]
    strip = re.compile(r"Lượt (?:xem|truy cập): [\d.]+")
    assert strip.sub("", b1) == strip.sub("", b2)  # same article whatever the URL form
    printed = fetch(p["url"] + "&print=1")[2]
    assert p["title"] in printed and "window.print()" in printed


def test_feed_and_sitemap(portal: DemoPortal) -> None:
    base = portal.base_url
    truth = live(portal, WP_SITE)
    status, h, body, _ = fetch(base + "/wp/feed/")
    assert status == 200 and h["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(body.encode()).findall("./channel/item")
    newest = sorted(truth, key=lambda r: (r["datetime"] or r["date"], 0), reverse=True)
    assert len(items) == 20
    by_url = {r["url"]: r for r in truth}
    for item in items:
        r = by_url[item.findtext("link")]
        assert item.findtext("title") == r["title"]
        assert item.findtext("guid") == r["aliases"][0]
        assert parsedate_to_datetime(item.findtext("pubDate") or "").date().isoformat() == r["date"]
    dates = [r["date"] for r in newest]
    assert min(by_url[i.findtext("link")]["date"] for i in items) >= dates[19]
    status, _, body, _ = fetch(base + "/wp/sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = ET.fromstring(body.encode()).findall("s:url", ns)
    assert {u.findtext("s:loc", namespaces=ns) for u in urls} == set(by_url)
    for u in urls:
        lastmod = datetime.fromisoformat(u.findtext("s:lastmod", namespaces=ns) or "")
        assert lastmod.date().isoformat() >= by_url[u.findtext("s:loc", namespaces=ns)]["date"]


def test_home_pages_robots_and_files(portal: DemoPortal) -> None:
    base = portal.base_url
    robots = fetch(base + "/robots.txt")[2].splitlines()
    assert robots[:4] == ["User-agent: *", "Disallow: /Admin/", "Disallow: /lf/print/",
                          "Disallow: /asp/Pages/Print.aspx"]  # fmt: skip
    assert "Disallow: /wp/wp-admin/" in robots and "Disallow: /php/admin/" in robots
    assert f"Sitemap: {base}/wp/sitemap.xml" in robots
    index = fetch(base + "/")[2]
    assert 'href="/wp/"' in index and 'href="/php/index.php"' in index and "/lf/" not in index
    for url in (base + "/wp/", base + "/php/index.php"):
        body = fetch(url)[2]
        text = norm(doc_of(body).text_content())
        for word in ("Trang chủ", "Giới thiệu", "Tin tức", "Văn bản", "Liên hệ", "Điện thoại"):
            assert word in text, (url, word)
    wp = [r for r in live(portal, WP_SITE) if r["attachments"]]
    php = [r for r in live(portal, PHP_SITE) if r["attachments"]]
    assert wp and php
    assert fetch(wp[0]["attachments"][0])[1]["Content-Type"].startswith("application/")
    assert fetch(php[0]["attachments"][0])[0] == 200
    assert fetch(base + "/php/download.php?file=khong-co.pdf")[0] == 404
    assert fetch(base + "/php/admin/")[0] == 200


# ------------------------------------------------------------------ epochs and layouts


def test_epoch1_edits_and_removals() -> None:
    with DemoPortal(articles=0, families=FAMS, extra_articles=E, port=0) as p:
        base = p.base_url
        e0 = {(r["site"], r["key"]): r for r in p.truth()}
        lastmod0 = _lastmods(base)
        modified0 = {k: fetch(r["url"])[1].get("Last-Modified") for k, r in e0.items()
                     if k[0] == WP_SITE}  # fmt: skip
        p.epoch = 1
        e1 = {(r["site"], r["key"]): r for r in p.truth()}
        lastmod1 = _lastmods(base)
        for site in (WP_SITE, PHP_SITE):
            new = [k for k in e1 if k[0] == site and k not in e0]
            assert len(new) == max(2, E // 20)
            removed = [k for k, r in e1.items() if k[0] == site and r["status"] == "removed"]
            assert len(removed) == 1 and removed[0] in e0
            status, _, body, _ = fetch(e1[removed[0]]["url"])
            if site == WP_SITE:
                assert status == 404
                assert e1[removed[0]]["url"] not in lastmod1
            else:
                assert status == 200 and "Tin bài không tồn tại hoặc đã bị xóa" in body
            edited = [k for k in e0 if k[0] == site and k not in removed and e0[k] != e1[k]]
            assert len(edited) == 3
            for k in edited:
                r0, r1 = e0[k], e1[k]
                assert r1["title"] == r0["title"] and r1["body"] != r0["body"]
                assert r1["url"] == r0["url"]
                if site == WP_SITE:
                    assert r1["date"] == r0["date"]  # the printed date does not move
                    assert lastmod1[r1["url"]] > lastmod0[r1["url"]]
                    h = fetch(r1["url"])[1]
                    assert parsedate_to_datetime(h["Last-Modified"]) > parsedate_to_datetime(
                        modified0[k] or ""
                    )
                else:
                    assert r1["date"] > r0["date"]  # "Cập nhật" moves
                    d = date.fromisoformat(r1["date"])
                    line = doc_of(fetch(r1["url"])[2]).cssselect("span.ngaydang")[0]
                    assert str(d.year) in line.text_content()
            fam = "wordpress" if site == WP_SITE else "php"
            first = listing_urls(fam, base)[0]
            on_first = links(doc_of(fetch(first)[2]), first)
            for k in new:  # new articles lead the first listing page of their category
                cat = (WP_CATS if site == WP_SITE else PHP_CATS)[0][1]
                assert e1[k]["url"] in on_first or e1[k]["category"] != cat
            unchanged = [k for k in e0 if k[0] == site and k not in removed and k not in edited]
            assert all(lastmod0.get(e0[k]["url"]) == lastmod1.get(e0[k]["url"])
                       for k in unchanged if site == WP_SITE)  # fmt: skip


def _lastmods(base: str) -> dict[str, str]:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(fetch(base + "/wp/sitemap.xml")[2].encode())
    return {u.findtext("s:loc", namespaces=ns) or "": u.findtext("s:lastmod", namespaces=ns) or ""
            for u in root.findall("s:url", ns)}  # fmt: skip


def _content_text(body: str, css: str) -> str:
    doc = doc_of(body)
    el = doc.cssselect(css)[0]
    for junk in el.cssselect("div.sharedaddy, div.jp-relatedposts"):
        junk.drop_tree()
    return norm(el.text_content())


def test_layout2_changes_markup_not_content() -> None:
    with (
        DemoPortal(articles=0, families=FAMS, extra_articles=E, port=0) as one,
        DemoPortal(articles=0, families=FAMS, extra_articles=E, port=0, layout=2) as two,
    ):
        t1 = [{**r, "url": r["url"].replace(one.base_url, "")} for r in one.truth()]
        t2 = [{**r, "url": r["url"].replace(two.base_url, "")} for r in two.truth()]
        assert [r["url"] for r in t1] == [r["url"] for r in t2]
        for r in t1[:12] + t1[E : E + 12]:
            b1, b2 = fetch(one.base_url + r["url"])[2], fetch(two.base_url + r["url"])[2]
            if r["site"] == WP_SITE:
                assert 'class="entry-title"' in b1 and 'class="entry-title"' not in b2
                assert 'class="post-title"' in b2 and 'class="date"' in b2
                assert "entry-content" not in b2 and "time class=" not in b2
                assert _content_text(b1, "div.entry-content") == _content_text(
                    b2, "div.post-content"
                )
                assert norm(doc_of(b2).cssselect("h1.post-title")[0].text_content()) == (r["title"])
            else:
                assert 'class="tieude"' in b1 and 'class="tieude"' not in b2
                assert 'class="title_news"' in b2 and "noidung" not in b2
                assert _content_text(b1, "div.noidung") == _content_text(b2, "div.content_news")
        for fam, old, new in (("wordpress", "nav.pagination", "div.wp-pagenavi a.nextpostslink"),
                              ("php", "table.tbl_tin", "div.list_news div.item_news")):  # fmt: skip
            l1 = doc_of(fetch(listing_urls(fam, one.base_url)[0])[2])
            l2 = doc_of(fetch(listing_urls(fam, two.base_url)[0])[2])
            assert l1.cssselect(old) and not l2.cssselect(old) and l2.cssselect(new)


def test_families_are_opt_in_and_deterministic() -> None:
    with DemoPortal(articles=10, port=0) as p:
        assert p.families == DEFAULT_FAMILIES
        assert fetch(p.base_url + "/wp/")[0] == 404 and fetch(p.base_url + "/php/")[0] == 404
        assert {r["site"] for r in p.truth()} == {"demo-liferay", "demo-aspnet"}
    with pytest.raises(ValueError):
        DemoPortal(families="wordpress,joomla")
    with (
        DemoPortal(articles=0, families="wordpress", extra_articles=12, port=0, seed=3) as a,
        DemoPortal(articles=0, families="wordpress", extra_articles=12, port=0, seed=3) as b,
    ):
        assert fetch(a.base_url + "/php/index.php")[0] == 404
        assert {r["site"] for r in a.truth()} == {WP_SITE}
        for r in a.truth()[:4]:
            pa, pb = fetch(r["url"])[2], fetch(r["url"].replace(a.base_url, b.base_url))[2]
            for page, x in ((pa, a), (pb, b)):
                assert x.base_url in page
            assert _unbased(pa, a) == _unbased(pb, b)


def _unbased(page: str, p: DemoPortal) -> str:
    return page.replace(p.base_url, "").replace(urllib.parse.quote(p.base_url, safe=""), "")


def test_command_line_serves_the_new_families() -> None:
    assert main(["--families", "wordpress,joomla"]) == 2
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo_portal", "--families", "wordpress,php",
         "--extra-articles", "8", "--port", "0", "--articles", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert fetch(base + "/wp/")[0] == 200 and fetch(base + "/php/index.php")[0] == 200
        assert fetch(base + "/lf/web/so-tttt/trang-chu")[0] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
