"""Facet counts equal the matching articles' counts: for every facet value a query shows
(in archive.search, /api/search, the search page's facet links, pick-lists and histogram
bars), filtering by it returns exactly that many results. The exact filters (``author_is``
…, archive/search_filters.py) make it so: "Minh Anh" is not "Minh Anh Tuấn", while
"MINH ANH" and "Minh Ánh"-free spellings of one name fold to one value. SQLite and PG."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from lxml import html as lxml_html

from archive.fold import fold
from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive

pytestmark = pytest.mark.usefixtures("backend")

AUTHORS = ["Minh Anh", "Minh Anh Tuấn", "MINH ANH", "Trần Bình", None]
CATEGORIES = ["Tin tức", "Tin tức sự kiện", "TIN TỨC", "Thông báo"]
# site: (province, department) — "tỉnh a" is "Tỉnh A" folded; "Tỉnh An Giang" contains it
SITES = {"a": ("Tỉnh A", "Y tế"), "b": ("tỉnh a", "Y tế dự phòng"),
         "c": ("Tỉnh An Giang", "Lao động"), "d": ("Tỉnh B", "Y TẾ")}  # fmt: skip
# 2019 … 2025: more than 48 months, so the histogram draws one bar a year
MONTHS = ["2019-03", "2024-11", "2025-01", "2025-01", "2025-02", None, "2024-12"]
QUERY = "lao dong"
FIELDS = ("site", "province", "department", "category", "author")
PARAM = {"site": "site", "province": "province_is", "department": "department_is",
         "category": "category_is", "author": "author_is"}  # fmt: skip


def rec(site: str, key: str, title: str, day: str | None, body: str = "Về việc làm và lao động.",
        **kw) -> ArticleRecord:  # fmt: skip
    url = f"https://{site}.gov.vn/{key}"
    return ArticleRecord(site=site, article_key=key, url=url, fetched_url=url, title=title,
                         body=body, date=day,
                         fetched_at="2025-03-01T09:00:00+07:00", **kw)  # fmt: skip


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "data") as a:
        for site, (province, department) in SITES.items():
            a.upsert_site(site, f"Sở {site}", province, department)
        n = 0
        for site in SITES:
            for i, month in enumerate(MONTHS):
                n += 1
                day = f"{month}-{10 + i:02d}" if month else None
                extra = {"author": AUTHORS[n % 5], "category": CATEGORIES[n % 4]}
                a.record(rec(site, str(n), f"Tin lao động số {n}", day, **extra), None)
        other = rec("a", "x", "Y tế", "2025-02-02", body="Tiêm chủng.", author="Minh Anh")
        a.record(other, None)  # no match: counted nowhere
        yield a


def _totals(archive, **filters) -> int:
    return search(archive, QUERY, limit=200, **filters).total


def test_every_facet_value_filters_to_its_count(archive):
    result = search(archive, QUERY, facets=True, limit=200)
    facets = result.facets
    assert result.total == 28 and not facets["partial"]
    shown = 0
    for name in FIELDS:
        for item in facets[name]:
            key = "sites" if name == "site" else f"{name}_is"
            assert _totals(archive, **{key: item["value"]}) == item["count"], (name, item)
            shown += 1
    assert shown >= 12
    # folded spellings are one value: "Minh Anh" and "MINH ANH" (and "tỉnh a"/"Tỉnh A")
    authors = {i["value"].casefold(): i["count"] for i in facets["author"]}
    assert set(authors) == {"minh anh", "minh anh tuấn", "trần bình"}
    provinces = {i["value"].casefold(): i["count"] for i in facets["province"]}
    assert provinces == {"tỉnh a": 14, "tỉnh an giang": 7, "tỉnh b": 7}
    departments = {i["value"].casefold(): i["count"] for i in facets["department"]}
    assert departments == {"y tế": 14, "y tế dự phòng": 7, "lao động": 7}


def test_minh_anh_is_not_minh_anh_tuan(archive):
    facets = search(archive, QUERY, facets=True, limit=200).facets
    count = next(i["count"] for i in facets["author"] if i["value"].casefold() == "minh anh")
    tuan = next(i["count"] for i in facets["author"] if i["value"] == "Minh Anh Tuấn")
    assert _totals(archive, author_is="Minh Anh") == count
    assert _totals(archive, author_is="minh anh") == count  # case and diacritics folded
    # the typed filter stays a substring: it finds both names
    assert _totals(archive, author="Minh Anh") == count + tuan
    assert _totals(archive, author_is=["Minh Anh", "Minh Anh Tuấn"]) == count + tuan
    assert _totals(archive, category_is="Tin tức") < _totals(archive, category="Tin tức")
    assert _totals(archive, province_is="Tỉnh A") == 14
    assert _totals(archive, province="Tỉnh A") == 21  # "Tỉnh An Giang" contains it
    assert _totals(archive, province_is="Tỉnh A", department_is="Y tế dự phòng") == 7
    assert _totals(archive, province_is="Tỉnh B", department_is="Y tế dự phòng") == 0
    assert _totals(archive, author_is="Minh") == 0
    assert _totals(archive, author_is="") == 28  # a blank pick is no filter


@pytest.mark.parametrize(
    "typed", ["anh", "ANH T", "minh anh tuan", "tran", "b", "%", "_", "anh%", "tin_tuc", "zz"]
)
def test_typed_author_and_category_are_literal_substrings(tmp_path, typed):
    """The typed filters keep exactly the matches whose folded value contains the folded
    text, wildcards taken literally and a missing value never matching. PostgreSQL looks
    them up among the column's distinct values (archive/search_filters.py ``_pg_typed``);
    this holds it to the plain substring test, written here in Python."""
    authors = ["Minh Anh", "Minh Anh Tuấn", "Trần Bình", "50% Nguyễn", "Tin_tức", None]
    categories = ["Tin tức", "Tin_tuc", "Thông báo 100%", None]
    kept = {"author": [], "category": []}
    with Archive.open(tmp_path / "data") as a:
        for n in range(12):
            author, category = authors[n % len(authors)], categories[n % len(categories)]
            a.record(rec("a", str(n), f"Tin lao động số {n}", "2025-01-01",
                         author=author, category=category), None)  # fmt: skip
            for name, value in (("author", author), ("category", category)):
                if value is not None and fold(typed) in fold(value):
                    kept[name].append(f"Tin lao động số {n}")
        for name in ("author", "category"):
            hits = search(a, QUERY, limit=50, **{name: typed}).hits
            assert sorted(h.title for h in hits) == sorted(kept[name]), name


def test_year_and_month_facets_equal_their_date_ranges(archive):
    facets = search(archive, QUERY, facets=True, limit=200).facets
    for item in facets["year"]:
        y = item["value"]
        assert _totals(archive, date_from=f"{y}-01-01", date_to=f"{y}-12-31") == item["count"]
    for item in facets["month"]:
        m = item["value"]
        last = "31" if m[5:] in ("01", "03", "12") else "30" if m[5:] == "11" else "28"
        assert _totals(archive, date_from=f"{m}-01", date_to=f"{m}-{last}") == item["count"]
    dated = sum(i["count"] for i in facets["year"])
    assert dated + facets["undated"] == 28


# --------------------------------------------------------------------------- web


@pytest.fixture
def client(archive, tmp_path):
    from fastapi.testclient import TestClient

    from luutru.web.app import create_app
    from luutru.web.settings import WebSettings

    return TestClient(create_app(WebSettings(data=str(tmp_path / "data")), archive=archive))


def _api_total(client, link: str) -> int:
    """The total of a page link's search, asked of /api/search with the same filters."""
    params = [(k, v) for k, v in parse_qsl(urlsplit(link).query) if k != "page"]
    body = client.get("/api/search", params=[*params, ("limit", "200")])
    assert body.status_code == 200, body.text
    return body.json()["total"]


def test_api_exact_filters(client):
    body = client.get("/api/search", params={"q": QUERY, "limit": 200}).json()
    for name in FIELDS:
        for item in body["facets"][name]:
            params = {"q": QUERY, PARAM[name]: item["value"], "limit": 200}
            assert client.get("/api/search", params=params).json()["total"] == item["count"]
    both = [("q", QUERY), ("author_is", "Minh Anh"), ("author_is", "Minh Anh Tuấn")]
    typed = client.get("/api/search", params={"q": QUERY, "author": "Minh Anh"}).json()
    assert client.get("/api/search", params=both).json()["total"] == typed["total"]
    assert client.get("/api/search", params={"q": QUERY, "author_is": "a\x00"}).status_code == 400


def _page(client, **params) -> lxml_html.HtmlElement:
    r = client.get("/search", params={"q": QUERY, "lang": "en", **params})
    assert r.status_code == 200, r.text
    return lxml_html.fromstring(r.text)


def test_page_facet_links_and_pick_lists_give_their_counts(client):
    page = _page(client)
    checked = 0
    for name in FIELDS:
        for li in page.xpath(f'//section[@id="facet-{name}"]//li'):
            link = li.xpath("./a/@href")[0]
            count = int(li.xpath('./span[@class="count"]/text()')[0])
            assert _api_total(client, link) == count, (name, link)
            # the link's own page says so too, and marks the value chosen
            chosen = lxml_html.fromstring(client.get(link).text)
            assert chosen.xpath('//span[@id="total"]/text()')[0].startswith(str(count))
            assert chosen.xpath(f'//section[@id="facet-{name}"]//li[@class="chosen"]')
            checked += 1
    assert checked >= 12
    for name in ("province", "department", "author", "category"):
        select = page.xpath(f'//select[@name="{name}_is"]')[0]
        for option in select.xpath("./option[@value!='']"):
            count = int(option.text.rsplit("(", 1)[1].rstrip(")"))
            params = {"q": QUERY, f"{name}_is": option.get("value"), "limit": 200}
            assert client.get("/api/search", params=params).json()["total"] == count


def test_a_facet_link_replaces_the_typed_filter_of_its_field(client):
    page = _page(client, author="Minh Anh")  # typed: both names
    link = page.xpath('//section[@id="facet-author"]//a[@data-value="Minh Anh Tuấn"]/@href')[0]
    assert ("author", "Minh Anh") not in parse_qsl(urlsplit(link).query)
    count = int(
        page.xpath('//section[@id="facet-author"]//a[@data-value="Minh Anh Tuấn"]/../span/text()')[
            0
        ]
    )
    assert _api_total(client, link) == count
    # the typed filter survives a form submission (hidden input) and can be cleared
    assert page.xpath('//input[@type="hidden"][@name="author"]/@value') == ["Minh Anh"]
    clear = page.xpath('//section[@id="facet-author"]//a[@class="clear"]/@href')[0]
    assert "author" not in dict(parse_qsl(urlsplit(clear).query))


def test_histogram_bars_give_their_counts(client):
    years = _page(client)  # 2019 … 2025: one bar a year
    bars = years.xpath('//figure[@id="histogram"]//a[@class="bar"]')
    assert [b.get("data-key") for b in bars] == [str(y) for y in range(2019, 2026)]
    months = _page(client, date_from="2024-11-01", date_to="2025-02-28")  # one bar a month
    month_bars = months.xpath('//figure[@id="histogram"]//a[@class="bar"]')
    assert [b.get("data-key") for b in month_bars] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    for bar in [*bars, *month_bars]:
        count = int(bar.xpath("./*[local-name()='rect']/*[local-name()='title']/text()")[0]
                    .rsplit(": ", 1)[1])  # fmt: skip
        assert _api_total(client, bar.get("href")) == count, bar.get("data-key")
    assert (
        sum(int(b.xpath("string(.//*[local-name()='title'])").rsplit(": ", 1)[1]) for b in bars)
        == 24
    )  # fmt: skip  (28 matches, 4 undated)
