"""Tests of the bundled demo portal (demo_portal/): truth, quirks, both page families."""

from __future__ import annotations

import re
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import date

import pytest
from lxml import html as lhtml

from demo_portal import DemoPortal, ground_truth
from demo_portal.content import WEEKDAYS, build_sites, republish_count

N = 60  # 30 articles per site, 15 per category: 2 listing pages each


def fetch(
    url: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def fetch_ok(url: str) -> tuple[int, dict[str, str], str]:
    status, h, body = fetch(url)
    if status == 503:  # transient, by design
        status, h, body = fetch(url)
    return status, h, body


@pytest.fixture(scope="module")
def portal() -> Iterator[DemoPortal]:
    with DemoPortal(articles=N, epoch=0, port=0) as p:
        yield p


def norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).split())


# ------------------------------------------------------------------ truth


def test_truth_deterministic_shape_and_nfc() -> None:
    t = ground_truth(N)
    assert t == ground_truth(N)
    assert t != ground_truth(N, seed=2)
    # N articles of the generator, plus the ASP site's republished copies of Liferay releases
    assert len(t) == N + republish_count(N // 2) == N + 2
    assert sum(r["republished_of"] is not None for r in t) == 2
    odd = ground_truth(41)
    assert sum(r["site"] == "demo-liferay" for r in odd) == 21
    assert sum(r["site"] == "demo-aspnet" for r in odd) == 20
    keys = {"site", "key", "url", "aliases", "title", "date", "datetime", "author", "source",
            "summary", "body", "category", "attachments", "status", "republished_of"}  # fmt: skip
    for r in t:
        assert set(r) == keys
        assert r["status"] == "live"
        for k in ("title", "summary", "body", "author", "source", "category"):
            v = r[k]
            if v is None:
                continue
            assert unicodedata.is_normalized("NFC", v)
            for part in v.split("\n\n"):
                assert part == " ".join(part.split())
        assert re.fullmatch(r"20(2[0-4])-\d\d-\d\d", r["date"])
        if r["datetime"]:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+07:00", r["datetime"])
            assert r["datetime"].startswith(r["date"])
        if r["site"] == "demo-liferay":
            assert re.fullmatch(r"\d{7}", r["key"])
            assert "/-/view_content/" + r["key"] + "-" in r["url"]
        else:
            assert r["url"] == f"http://127.0.0.1:8765/asp/Pages/ChiTiet.aspx?ItemID={r['key']}"
        assert r["aliases"] and r["url"] not in r["aliases"]
        assert (r["author"] is None) != (r["source"] is None)
        if r["author"]:
            assert 2 <= len(r["author"].split()) <= 5
    assert len({r["url"] for r in t}) == len(t)
    assert any(r["attachments"] for r in t)


def test_epoch1_new_edited_removed() -> None:
    e0 = {r["url"]: r for r in ground_truth(N, epoch=0)}
    e1 = {r["url"]: r for r in ground_truth(N, epoch=1)}
    for site in ("demo-liferay", "demo-aspnet"):
        s0 = {u: r for u, r in e0.items() if r["site"] == site}
        s1 = {u: r for u, r in e1.items() if r["site"] == site}
        new = [u for u in s1 if u not in s0]
        assert len(new) == max(2, 30 // 20)
        assert min(s1[u]["date"] for u in new) > max(r["date"] for r in s0.values())
        removed = [u for u, r in s1.items() if r["status"] == "removed"]
        assert len(removed) == 1 and removed[0] in s0
        changed = [u for u in s0 if u not in removed and s0[u] != s1[u]]
        assert len(changed) == 3
        for u in changed:
            assert s1[u]["title"] == s0[u]["title"]
            assert s1[u]["date"] > s0[u]["date"]
            assert s1[u]["body"] != s0[u]["body"]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _jaccard(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb)


@pytest.mark.parametrize("articles", [60, 300])
def test_republished_copies(articles: int) -> None:
    truth = ground_truth(articles)
    by_id = {f"{r['site']}:{r['key']}": r for r in truth}
    copies = [r for r in truth if r["republished_of"] is not None]
    assert len(copies) == republish_count(articles // 2) == max(2, articles // 2 // 50)
    for copy in copies:
        orig = by_id[str(copy["republished_of"])]
        assert copy["site"] == "demo-aspnet" and orig["site"] == "demo-liferay"
        assert orig["republished_of"] is None and copy["status"] == "live"
        assert copy["body"] != orig["body"] and str(copy["title"]).endswith(str(orig["title"]))
        assert copy["title"] != orig["title"]
        assert (copy["author"], copy["source"]) != (orig["author"], orig["source"])
        assert orig["date"] < copy["date"] < "2024-07-01"  # a few days later, still epoch 0
        assert 0.85 <= _jaccard(str(copy["body"]), str(orig["body"])) < 1.0  # small edits
    assert ground_truth(articles) == truth
    # Unchanged in epoch 1 (only the generator's own articles get edited / removed).
    e1 = {f"{r['site']}:{r['key']}": r for r in ground_truth(articles, epoch=1)}
    assert all(e1[f"{c['site']}:{c['key']}"] == c for c in copies)


def test_small_sites_have_no_republished_copies() -> None:
    # articles=40 is what tests/pages was captured from: must stay byte-for-byte the same.
    assert all(r["republished_of"] is None for r in ground_truth(40))
    assert republish_count(24) == 0 and republish_count(25) == 2 and republish_count(500) == 10


# ------------------------------------------------------------------ extraction vs truth


def _text(el: lhtml.HtmlElement) -> str:
    return norm(el.text_content())


def _extract_lf(doc: lhtml.HtmlElement) -> dict[str, object]:
    art = doc.cssselect("div.journal-content-article")[0]
    paras = art.cssselect("div.article-content > p")
    return {
        "title": _text(art.cssselect("h3.header-title")[0]),
        "dateline": _text(art.cssselect("div.assetPublishDate")[0]),
        "summary": _text(art.cssselect("div.article-summary")[0]),
        "paras": [_text(p) for p in paras],
        "category": _text(doc.cssselect("ul.breadcrumb li.active a")[0]),
        "links": [a.get("href") for a in art.cssselect("div.article-content a")],
    }


def _extract_asp(doc: lhtml.HtmlElement) -> dict[str, object]:
    art = doc.cssselect("div.tandan-article")[0]
    return {
        "title": _text(art.cssselect("h1.tandan-title")[0]),
        "dateline": _text(art.cssselect("span.tandan-span-date-publish")[0]),
        "summary": _text(art.cssselect("p.tandan-p-article-news-summary")[0]),
        "paras": [_text(p) for p in art.cssselect("div.ms-rtestate-field > p")],
        "category": _text(doc.cssselect("div.breadcrumb a.cat")[0]),
        "links": [a.get("href") for a in art.cssselect("div.ms-rtestate-field a")],
    }


def test_every_article_page_matches_truth(portal: DemoPortal) -> None:
    for r in portal.truth():
        status, _, body = fetch_ok(r["url"])
        assert status == 200, r["url"]
        doc = lhtml.fromstring(body)
        got = (_extract_lf if r["site"] == "demo-liferay" else _extract_asp)(doc)
        assert got["title"] == r["title"]
        assert got["summary"] == r["summary"]
        assert got["category"] == r["category"]
        d = date.fromisoformat(r["date"])
        assert d.strftime("%d/%m/%Y") in got["dateline"]
        if r["datetime"]:
            assert re.search(r"\d\d:\d\d", got["dateline"])
        if "Thứ" in got["dateline"]:
            assert WEEKDAYS[d.weekday()] + "," in got["dateline"]
        *body_paras, last = got["paras"]
        assert "\n\n".join(body_paras) == r["body"]
        if r["author"]:
            assert last.endswith(r["author"])
        else:
            assert last == f"(Nguồn: {r['source']})"
        links = [urllib.parse.urljoin(r["url"], h) for h in got["links"]]
        assert links == r["attachments"]
        for att in r["attachments"]:  # files are bytes (real PDFs…), not UTF-8 pages
            with urllib.request.urlopen(att, timeout=10) as f:
                assert f.status == 200 and f.read()


def test_aliases_serve_same_article_and_are_linked(portal: DemoPortal) -> None:
    truth = portal.truth()
    linked: set[str] = set()
    for r in truth:
        for alias in r["aliases"]:
            status, _, body = fetch_ok(alias)
            assert status == 200, alias
            assert r["title"] in norm(lhtml.fromstring(body).text_content())
    # every alias is linked from some page a crawler reaches (home or other-news)
    homes = ["/lf/web/so-tttt/trang-chu", "/asp/Pages/Default.aspx"]
    pages = [portal.base_url + h for h in homes] + [r["url"] for r in truth]
    pages += [portal.base_url + "/asp/Pages/TinTuc.aspx?CatID=1"]
    pages += [portal.base_url + "/asp/Pages/TinTuc.aspx?CatID=2"]
    for url in pages:
        doc = lhtml.fromstring(fetch_ok(url)[2])
        linked.update(urllib.parse.urljoin(url, a.get("href")) for a in doc.iter("a"))
    for r in truth:
        assert set(r["aliases"]) <= linked, r["aliases"]


def test_listings_cover_all_live_articles(portal: DemoPortal) -> None:
    base = portal.base_url
    found: set[str] = set()
    for slug in ("cong-nghe-thong-tin", "chi-dao-dieu-hanh"):
        url: str | None = f"{base}/lf/web/so-tttt/{slug}"
        while url:
            doc = lhtml.fromstring(fetch(url)[2])
            found.update(
                urllib.parse.urljoin(url, a.get("href"))
                for a in doc.cssselect("div.asset-abstract h3.asset-title a")
            )
            nxt = doc.cssselect("div.taglib-page-iterator ul.pager li.next a")
            url = urllib.parse.urljoin(url, nxt[0].get("href")) if nxt else None
            if url:
                assert "?p_p_id=101&p_p_lifecycle=0&_101_delta=10&_101_cur=" in url
    for cat in ("1", "2"):
        page = 1
        while True:
            lurl = f"{base}/asp/Pages/TinTuc.aspx?CatID={cat}"
            if cat == "1":
                form = {"__EVENTTARGET": "ctl00$ContentPlaceHolder1$NewsList$pager",
                        "__EVENTARGUMENT": f"Page${page}", "__VIEWSTATE": "x"}  # fmt: skip
                status, _, body = fetch(lurl, data=form)
            else:
                status, _, body = fetch(f"{lurl}&Page={page}")
            assert status == 200
            doc = lhtml.fromstring(body)
            found.update(
                urllib.parse.urljoin(lurl, a.get("href"))
                for a in doc.cssselect("div.news-item a.news-title")
            )
            if not doc.cssselect("div.pager a.pager-next"):
                break
            page += 1
    for r in portal.truth():
        assert r["url"] in found or set(r["aliases"]) & found, r["url"]
    assert portal.listing_page_count() == 8


# ------------------------------------------------------------------ quirks


def test_counters_change_but_etag_stable_and_304(portal: DemoPortal) -> None:
    lf = next(r for r in portal.truth() if r["site"] == "demo-liferay")
    asp = next(r for r in portal.truth() if r["site"] == "demo-aspnet")
    for r in (lf, asp):
        s1, h1, b1 = fetch_ok(r["url"])
        s2, h2, b2 = fetch_ok(r["url"])
        assert s1 == s2 == 200 and b1 != b2
        assert h1["ETag"] == h2["ETag"] and h1["Last-Modified"] == h2["Last-Modified"]
        assert h1["Content-Type"] == "text/html; charset=utf-8"
        s3, _, b3 = fetch(r["url"], headers={"If-None-Match": h1["ETag"]})
        assert s3 == 304 and b3 == ""
        assert fetch(r["url"], headers={"If-Modified-Since": h1["Last-Modified"]})[0] == 304
        old = "Mon, 01 Jan 2018 00:00:00 GMT"
        assert fetch(r["url"], headers={"If-Modified-Since": old})[0] == 200
        assert fetch(r["url"], headers={"If-None-Match": '"nope"'})[0] == 200
    vs = [re.search(r'id="__VIEWSTATE" value="([^"]+)"', fetch_ok(asp["url"])[2]) for _ in "ab"]
    assert vs[0] and vs[1] and vs[0].group(1) != vs[1].group(1)
    pa = [re.search(r'name="p_auth" type="hidden" value="([^"]+)"', fetch(lf["url"])[2])
          for _ in "ab"]  # fmt: skip
    assert pa[0] and pa[1] and pa[0].group(1) != pa[1].group(1)


def test_transient_503_then_200() -> None:
    lf, asp = build_sites(200, 0, 1)
    flaky = [a for s in (lf, asp) for a in s.articles if a.flaky]
    assert 0 < len(flaky) < 30  # ~5% of 200
    with DemoPortal(articles=200) as p:
        by_key = {(r["site"], r["key"]): r for r in p.truth()}
        for a in flaky[:2]:
            r = by_key[(a.site, str(a.id))]
            assert fetch(r["aliases"][0])[0] == 503  # first request for this article, any URL
            assert fetch(r["url"])[0] == 200
            assert fetch(r["aliases"][0])[0] == 200
        steady = next(a for a in lf.articles if not a.flaky)
        assert fetch(by_key[(steady.site, str(steady.id))]["url"])[0] == 200
        statuses = [st for _, _, st in p.requests]
        assert statuses.count(503) == 2 and len(statuses) == 7


def test_soft_404_and_missing(portal: DemoPortal) -> None:
    base = portal.base_url
    lf_listing = fetch(f"{base}/lf/web/so-tttt/cong-nghe-thong-tin")[2]
    soft = re.search(r'href="([^"]*view_content/9999999-[^"]*)"', lf_listing)
    assert soft
    status, _, body = fetch(base + soft.group(1))
    assert status == 200 and "Không tìm thấy" in body and "journal-content-article" not in body
    asp_listing = fetch(f"{base}/asp/Pages/TinTuc.aspx?CatID=1")[2]
    assert "ChiTiet.aspx?ItemID=999999&amp;CatID=1" in asp_listing
    status, _, body = fetch(f"{base}/asp/Pages/ChiTiet.aspx?ItemID=999999&CatID=1")
    assert status == 200 and "Bài viết không tồn tại hoặc đã bị xóa." in body
    assert "tandan-title" not in body
    # each listing links one missing article, answering 404
    known = {r["url"] for r in portal.truth()}
    for listing in (
        f"{base}/lf/web/so-tttt/chi-dao-dieu-hanh",
        f"{base}/asp/Pages/TinTuc.aspx?CatID=2",
    ):
        doc = lhtml.fromstring(fetch(listing)[2])
        hrefs = [urllib.parse.urljoin(listing, a.get("href"))
                 for a in doc.cssselect("h3.asset-title a, a.news-title")]  # fmt: skip
        missing = [h for h in hrefs if fetch(h)[0] == 404]
        assert len(missing) == 1 and missing[0] not in known
    assert fetch(f"{base}/no/such/page")[0] == 404


def test_postback_pagination(portal: DemoPortal) -> None:
    url = portal.base_url + "/asp/Pages/TinTuc.aspx?CatID=1"
    page1 = fetch(url)[2]
    assert "javascript:__doPostBack('ctl00$ContentPlaceHolder1$NewsList$pager','Page$2')" in page1
    assert 'class="pager-next"' in page1
    form = {"__EVENTTARGET": "ctl00$ContentPlaceHolder1$NewsList$pager",
            "__EVENTARGUMENT": "Page$2", "__VIEWSTATE": "dGVzdA=="}  # fmt: skip
    status, _, page2 = fetch(url, data=form)
    assert status == 200 and page2 != page1
    assert 'class="pager-next"' not in page2  # 15 articles: page 2 is the last
    titles = [norm(a.text_content()) for a in lhtml.fromstring(page2).cssselect("a.news-title")]
    truth = sorted(
        (r for r in portal.truth() if r["category"] == "Tin hoạt động"),
        key=lambda r: (r["datetime"] or r["date"], int(r["key"])),
        reverse=True,
    )
    assert titles == [r["title"] for r in truth[10:]]
    del form["__VIEWSTATE"]
    status, _, body = fetch(url, data=form)
    assert status == 500 and "Validation of viewstate MAC failed" in body


def test_robots_print_admin(portal: DemoPortal) -> None:
    base = portal.base_url
    status, _, body = fetch(base + "/robots.txt")
    assert status == 200
    assert body.splitlines() == ["User-agent: *", "Disallow: /Admin/", "Disallow: /lf/print/",
                                 "Disallow: /asp/Pages/Print.aspx"]  # fmt: skip
    t = portal.truth()
    lf = next(r for r in t if r["site"] == "demo-liferay")
    asp = next(r for r in t if r["site"] == "demo-aspnet")
    assert fetch(f"{base}/lf/print/{lf['key']}")[0] == 200
    assert fetch(f"{base}/asp/Pages/Print.aspx?ItemID={asp['key']}")[0] == 200
    assert fetch(base + "/Admin/")[0] == 200
    home = fetch(base + "/lf/web/so-tttt/trang-chu")[2]
    doc = lhtml.fromstring(home)
    nav = [a.get("href") for a in doc.cssselect("nav#navigation a")]
    assert "/lf/web/so-tttt/cong-nghe-thong-tin" in nav and "/lf/web/so-tttt/gioi-thieu" in nav
    assert 'href="/Admin/"' in home and "visitor-tracking-wraper" in home
    asp_home = lhtml.fromstring(fetch(base + "/asp/Pages/Default.aspx")[2])
    menu = [a.get("href") for a in asp_home.cssselect("div#menu a")]
    assert "TinTuc.aspx?CatID=1" in menu and "TinTuc.aspx?CatID=2" in menu


def test_trap_pages_link_next_day(portal: DemoPortal) -> None:
    base = portal.base_url
    for url, nxt in (
        (f"{base}/lf/web/so-tttt/tin-theo-ngay?ngay=31/12/2030",
         "/lf/web/so-tttt/tin-theo-ngay?ngay=01/01/2031"),
        (f"{base}/asp/Pages/TinTheoNgay.aspx?d=28/02/2024", "TinTheoNgay.aspx?d=29/02/2024"),
    ):  # fmt: skip
        status, _, body = fetch(url)
        assert status == 200 and "Ngày sau" in body and f'href="{nxt}"' in body
        assert "view_content" in body or "ChiTiet.aspx" in body


def test_refuses_non_loopback_host() -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.com"):
        with pytest.raises(ValueError):
            DemoPortal(host=host)


def test_epoch1_serving_and_layout2() -> None:
    with DemoPortal(articles=N, epoch=1, layout=2) as p:
        t = p.truth()
        removed = [r for r in t if r["status"] == "removed"]
        assert len(removed) == 2
        for r in removed:
            assert fetch(r["url"])[0] == 404
        live = next(r for r in t if r["site"] == "demo-aspnet" and r["status"] == "live")
        body = fetch_ok(live["url"])[2]
        assert 'class="ngay-dang"' in body and "tandan-span-date-publish" not in body
        assert 'class="tac-gia"' in body
        lf_home = fetch(p.base_url + "/lf/web/so-tttt/chi-dao-dieu-hanh")[2]
        assert all(urllib.parse.urlsplit(r["url"]).path not in lf_home for r in removed)
    assert sum(st == 404 for _, _, st in p.requests) == 2  # the request log sees both 404s


# ------------------------------------------------------------------ page furniture


def test_padding_weighs_pages_like_a_real_portal_and_changes_no_article() -> None:
    """`--padding-kb` (bench realism): every HTML page grows by that much script before
    </body>; the article the page shows, and plain-text answers, are as without it."""
    from crawler.extract import extract_article
    from crawler.profiles import get_profile

    rules = get_profile("demo-liferay").article
    with (
        DemoPortal(articles=N, port=0) as plain,
        DemoPortal(articles=N, port=0, padding_kb=64) as padded,
    ):
        pages = [r for r in plain.truth() if r["site"] == "demo-liferay"][:4]
        for r in pages:
            url = r["url"]
            _, _, small = fetch_ok(url)
            _, _, big = fetch_ok(padded.base_url + url[len(plain.base_url) :])
            assert len(big.encode()) - len(small.encode()) >= 64 * 1024
            assert "</script></body>" in big
            a, b = extract_article(small, url, rules), extract_article(big, url, rules)
            for field in ("title", "date", "author", "body"):
                assert getattr(a, field) == getattr(b, field), field
        robots = "/robots.txt"
        assert fetch_ok(plain.base_url + robots)[2] == fetch_ok(padded.base_url + robots)[2]


def test_connections_wait_in_a_full_size_listen_backlog() -> None:
    """Connections the accepting thread has not taken yet wait in the kernel's queue, as
    on a real web server; with socketserver's default backlog of 5 the sixth or seventh
    connect of a burst had its SYN dropped and waited out TCP's 1 s retransmission."""
    import socket

    from demo_portal.server import _Server

    server = _Server(("127.0.0.1", 0), object)  # listening, never accepting
    clients: list[socket.socket] = []
    try:
        for _ in range(40):
            c = socket.socket()
            c.settimeout(0.5)
            c.connect(server.server_address)  # times out once the backlog is full
            clients.append(c)
        assert len(clients) == 40
    finally:
        for c in clients:
            c.close()
        server.server_close()


def test_connections_are_kept_between_answers_and_closed_when_idle(
    portal: DemoPortal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As IIS or Apache: HTTP/1.1, several answers on one connection (each with its
    Content-Length), and an idle connection closed by the server (its keep-alive timeout,
    shortened here)."""
    import http.client
    import time

    from demo_portal.handler import Handler

    monkeypatch.setattr(Handler, "timeout", 0.3)
    host, port = urllib.parse.urlsplit(portal.base_url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        sockets = set()
        for path, status in (("/robots.txt", 200), ("/nope", 404), ("/robots.txt", 200)):
            conn.request("GET", path)
            answer = conn.getresponse()
            assert (answer.status, answer.version) == (status, 11)
            assert answer.getheader("Connection") != "close"
            answer.read()
            sockets.add(id(conn.sock))
        assert len(sockets) == 1  # one connection for the three
        time.sleep(0.8)
        assert conn.sock.recv(1) == b""  # the server closed it: idle past its timeout
    finally:
        conn.close()
