"""Memento (RFC 7089) in `luutru serve`: TimeMap, TimeGate and mementos under every URL an
article was seen under; `/api/articles?url=`; `/api/search` without a query.

The archive (tests/archive_builders.py ``plant_memento_archive``): article m1 captured at
2024-05-02 08:00 and 2024-06-10 09:30 Vietnam time (two versions, 01:00 and 02:30 UTC)
and once more unchanged on 2024-07-01; m2 and m3 one version each. Both backends.
"""

from __future__ import annotations

import re
import warnings
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from archive.lookup import timestamp_datetime
from luutru.web.app import create_app
from luutru.web.settings import CAPTURE_CSP, WebSettings
from tests.archive_builders import (
    M1_ALIAS,
    M1_CANONICAL,
    M1_FETCHED,
    M1_PAGES,
    plant_memento_archive,
)

pytestmark = pytest.mark.usefixtures("backend_module")

V1, V2 = "20240502010000", "20240610023000"
V1_DATE, V2_DATE = "Thu, 02 May 2024 01:00:00 GMT", "Mon, 10 Jun 2024 02:30:00 GMT"
BASE = "http://testserver"


@pytest.fixture(scope="module")
def world(backend_module: str | None, tmp_path_factory: pytest.TempPathFactory) -> dict:
    data = tmp_path_factory.mktemp("memento-archive")
    ids = plant_memento_archive(data)
    return {"data": data, **ids}


@pytest.fixture(scope="module")
def client(world: dict) -> TestClient:
    return TestClient(create_app(WebSettings(data=str(world["data"]))), follow_redirects=False)


LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[a-z]+="[^"]*")*)')


def links(text: str) -> list[tuple[str, dict[str, str]]]:
    """A link-format body or Link header as (URI, {param: value}) in order."""
    return [
        (uri, dict(re.findall(r'([a-z]+)="([^"]*)"', params))) for uri, params in LINK.findall(text)
    ]


@pytest.mark.parametrize("url", [M1_CANONICAL, M1_FETCHED, M1_ALIAS])
def test_timemap_lists_both_versions_under_every_url_seen(client: TestClient, url: str) -> None:
    r = client.get(f"/timemap/link/{url}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/link-format")
    found = links(r.text)
    assert found[0] == (url, {"rel": "original"})
    assert found[1] == (f"{BASE}/timegate/{url}", {"rel": "timegate"})
    assert found[2] == (
        f"{BASE}/timemap/link/{url}",
        {"rel": "self", "type": "application/link-format", "from": V1_DATE, "until": V2_DATE},
    )
    # two versions: the unchanged third capture is the second version, not a memento
    assert found[3:] == [
        (f"{BASE}/web/{V1}/{url}", {"rel": "first memento", "datetime": V1_DATE}),
        (f"{BASE}/web/{V2}/{url}", {"rel": "last memento", "datetime": V2_DATE}),
    ]


def test_a_single_memento_is_first_and_last(client: TestClient) -> None:
    found = links(client.get("/timemap/link/https://so-yte.example.vn/tin/m2").text)
    assert [p["rel"] for _u, p in found[3:]] == ["first last memento"]


def test_url_spellings_a_reader_pastes_are_found(client: TestClient) -> None:
    # one slash after the scheme (a proxy merged them), the other scheme, an upper-case host
    for spelled in (
        M1_CANONICAL.replace("https://", "https:/"),
        M1_CANONICAL.replace("https://", "http://"),
        M1_CANONICAL.replace("portal.example.vn", "PORTAL.example.vn"),
        quote(M1_CANONICAL, safe=""),  # the whole URL escaped
    ):
        r = client.get(f"/timemap/link/{spelled}")
        assert r.status_code == 200, spelled
        assert len(links(r.text)) == 5


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, V2),  # no Accept-Datetime: the newest
        ("Fri, 10 May 2024 00:00:00 GMT", V1),
        ("Sat, 01 Jun 2024 00:00:00 GMT", V2),  # 9 days from v2, 30 from v1
        ("Mon, 01 Jan 2001 00:00:00 GMT", V1),  # before everything: the first
        ("Fri, 01 Jan 2100 00:00:00 GMT", V2),
        ("Thu, 02 May 2024 01:00:00 GMT", V1),  # exactly v1
    ],
)
def test_timegate_redirects_to_the_closest_memento(
    client: TestClient, accept: str | None, chosen: str
) -> None:
    headers = {"Accept-Datetime": accept} if accept else {}
    r = client.get(f"/timegate/{M1_FETCHED}", headers=headers)
    assert r.status_code == 302
    assert r.headers["location"] == f"{BASE}/web/{chosen}/{M1_FETCHED}"
    assert r.headers["vary"].lower() == "accept-datetime"
    rels = {p["rel"]: u for u, p in links(r.headers["link"])}
    assert rels["original"] == M1_FETCHED
    assert rels["timemap"] == f"{BASE}/timemap/link/{M1_FETCHED}"


def test_timegate_refuses_a_malformed_accept_datetime(client: TestClient) -> None:
    r = client.get(f"/timegate/{M1_CANONICAL}", headers={"Accept-Datetime": "last tuesday"})
    assert r.status_code == 400
    assert "Accept-Datetime" in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("route", ["/timegate/", "/timemap/link/", f"/web/{V1}/"])
def test_unknown_url_is_404_and_not_a_url_is_400(client: TestClient, route: str) -> None:
    assert client.get(route + "https://portal.example.vn/never-seen").status_code == 404
    assert client.get(route + "javascript:alert(1)").status_code == 400


def test_memento_serves_the_archived_page_sandboxed_with_memento_headers(
    client: TestClient,
) -> None:
    r = client.get(f"/web/{V1}/{M1_CANONICAL}")
    assert r.status_code == 200
    assert r.content == M1_PAGES[0]
    assert r.headers["memento-datetime"] == V1_DATE
    assert r.headers["content-security-policy"] == CAPTURE_CSP  # as /captures/… serves it
    assert r.headers["x-content-type-options"] == "nosniff"
    found = {p["rel"]: (u, p) for u, p in links(r.headers["link"])}
    assert found["original"][0] == M1_CANONICAL
    assert found["timegate"][0] == f"{BASE}/timegate/{M1_CANONICAL}"
    assert found["timemap"][0] == f"{BASE}/timemap/link/{M1_CANONICAL}"
    assert found["first memento"] == (
        f"{BASE}/web/{V1}/{M1_CANONICAL}",
        {"rel": "first memento", "datetime": V1_DATE},
    )
    second = client.get(f"/web/{V2}/{M1_FETCHED}")
    assert second.content == M1_PAGES[1] and second.headers["memento-datetime"] == V2_DATE
    assert second.headers["content-security-policy"].endswith("sandbox")  # its script stays off


@pytest.mark.parametrize(
    ("asked", "exact"),
    [
        ("2024", V2),  # the end of 2024: v2 is nearer
        ("202405", V2),  # the end of May 2024: 10 days before v2, 29 after v1
        ("20240510", V1),
        ("20240503", V1),
        ("20240601", V2),
        ("20240502010001", V1),  # a second off: redirected to the exact one
        ("99999999999999", V2),  # clamped to the latest possible instant
    ],
)
def test_an_inexact_timestamp_redirects_to_the_closest_memento(
    client: TestClient, asked: str, exact: str
) -> None:
    r = client.get(f"/web/{asked}/{M1_FETCHED}")
    assert r.status_code == 302
    assert r.headers["location"] == f"{BASE}/web/{exact}/{M1_FETCHED}"
    assert client.get(r.headers["location"]).status_code == 200


def test_timestamps_read_as_pywb_reads_them() -> None:
    assert timestamp_datetime("2024").isoformat() == "2024-12-31T23:59:59+00:00"
    assert timestamp_datetime("202402").isoformat() == "2024-02-29T23:59:59+00:00"
    assert timestamp_datetime("20241301").isoformat() == "2024-12-01T23:59:59+00:00"
    with pytest.raises(ValueError):
        timestamp_datetime("2024-05")


def test_a_timestamp_that_is_not_digits_is_400(client: TestClient) -> None:
    r = client.get(f"/web/2024-05-02/{M1_CANONICAL}")
    assert r.status_code == 400 and "timestamp" in r.text


def test_head_requests_answer_like_get(client: TestClient) -> None:
    assert client.head(f"/timegate/{M1_CANONICAL}").status_code == 302
    r = client.head(f"/web/{V1}/{M1_CANONICAL}")
    assert r.status_code == 200 and r.headers["memento-datetime"] == V1_DATE


# ---------------------------------------------------------------- the API by URL


@pytest.mark.parametrize(
    "url",
    [M1_CANONICAL, M1_FETCHED, M1_ALIAS, M1_CANONICAL.replace("https:", "http:")],
)
def test_api_finds_an_article_by_any_url_it_was_seen_under(
    client: TestClient, world: dict, url: str
) -> None:
    r = client.get("/api/articles", params={"url": url})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == world["m1"] and body["url"] == M1_CANONICAL
    assert body["version"] == 2 and M1_FETCHED in body["aliases"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": "https://portal.example.vn/never-seen"}, 404),
        ({"url": "javascript:alert(1)"}, 400),
        ({"url": "ftp://portal.example.vn/x"}, 400),
        ({"url": "/tin-tuc/hoi-nghi-7.html"}, 400),
        ({}, 400),
    ],
)
def test_api_by_url_errors_are_json(client: TestClient, params: dict, status: int) -> None:
    r = client.get("/api/articles", params=params)
    assert r.status_code == status
    assert isinstance(r.json()["error"], str) and r.json()["error"]


# ---------------------------------------------------------------- the newest articles


def test_search_without_a_query_lists_the_newest_articles(client: TestClient, world: dict) -> None:
    r = client.get("/api/search")
    assert r.status_code == 200, r.text
    body = r.json()
    # newest publication date first, the undated last
    assert [h["id"] for h in body["hits"]] == [world["m1"], world["m2"], world["m3"]]
    assert body["total"] == 3
    assert body["hits"][0]["version"] == 2 and body["hits"][0]["title"].endswith("sơ kết công tác")
    assert "<mark>" not in body["hits"][0]["snippet_html"]


def test_newest_articles_take_the_search_filters_and_paging(
    client: TestClient, world: dict
) -> None:
    site = client.get("/api/search", params={"site": "demo-liferay"}).json()
    assert [h["id"] for h in site["hits"]] == [world["m2"]]
    page = client.get("/api/search", params={"limit": 1, "offset": 1}).json()
    assert [h["id"] for h in page["hits"]] == [world["m2"]] and page["total"] == 3
    dated = client.get("/api/search", params={"date_from": "2024-05-25"}).json()
    assert [h["id"] for h in dated["hits"]] == [world["m1"]]
    every = client.get("/api/search", params={"all_versions": "true", "site": "demo-aspnet"})
    assert sorted(h["version"] for h in every.json()["hits"] if h["id"] == world["m1"]) == [1, 2]
    assert client.get("/api/search", params={"date_from": "2024-13-45"}).status_code == 400


def test_openapi_describes_the_new_routes_once(world: dict) -> None:
    app = create_app(WebSettings(data=str(world["data"])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. FastAPI's "Duplicate Operation ID"
        spec = TestClient(app).get("/openapi.json").json()
    for path in ("/timemap/link/{url}", "/timegate/{url}", "/web/{timestamp}/{url}",
                 "/api/articles", "/feeds/changes.atom"):  # fmt: skip
        assert list(spec["paths"][path]) == ["get"], path
    assert spec["paths"]["/api/articles"]["get"]["parameters"][0]["name"] == "url"
