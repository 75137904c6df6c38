"""URL variants of one article share a key; canonical URLs keep only identifying params."""

from __future__ import annotations

import pytest

from crawler.profiles import get_profile
from crawler.urls import (
    article_key,
    at_current_origin,
    canonical_url,
    current_origins,
    is_denied,
)

ASP = get_profile("demo-aspnet")
LIFERAY = get_profile("demo-liferay")
BASE = "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/asp/Pages/ChiTiet.aspx?ItemID=123&CatID=1",
        f"{BASE}/asp/Pages/chitiet.aspx?itemid=123",
        f"{BASE}/asp/Pages/ChiTiet.aspx?CatID=2&ItemID=123",
        f"{BASE}/asp/Pages/ChiTiet.aspx?ItemId=123&CatID=7",
        f"{BASE}/asp/Pages/ChiTiet.aspx?ItemID=123&",
    ],
)
def test_aspnet_variants_share_one_key(url: str) -> None:
    assert article_key(ASP, url) == "123"
    # The aspnet template's `canonical` template gives one spelling of the IIS path.
    assert canonical_url(ASP, url) == f"{BASE}/asp/Pages/ChiTiet.aspx?ItemID=123"


def test_without_template_only_identifying_params_stay() -> None:
    from dataclasses import replace

    bare = replace(ASP, article=replace(ASP.article, canonical=""))
    url = f"{BASE}/asp/Pages/chitiet.aspx?itemid=123&CatID=4&utm_source=x"
    assert canonical_url(bare, url) == f"{BASE}/asp/Pages/chitiet.aspx?ItemID=123"


def test_other_item_is_another_key() -> None:
    assert article_key(ASP, f"{BASE}/asp/Pages/ChiTiet.aspx?ItemID=1234") == "1234"


def test_listing_url_is_not_an_article() -> None:
    assert article_key(ASP, f"{BASE}/asp/Pages/TinTuc.aspx?CatID=1") is None


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/lf/web/so-tttt/tin-tuc-su-kien/-/view_content/4418033-chinh-thuc.html",
        f"{BASE}/lf/web/so-tttt/chi-dao-dieu-hanh/-/view_content/4418033-chinh-thuc.html",
        f"{BASE}/lf/web/so-tttt/tin-tuc-su-kien/-/View_Content/4418033-chinh-thuc.html/vi",
    ],
)
def test_liferay_variants_share_one_key(url: str) -> None:
    assert article_key(LIFERAY, url) == "4418033"


def test_declared_canonical_wins_when_same_article() -> None:
    url = f"{BASE}/lf/web/so-tttt/x/-/View_Content/4418033-a.html/vi"
    declared = "/lf/web/so-tttt/tin-tuc-su-kien/-/view_content/4418033-a.html"
    assert canonical_url(LIFERAY, url, declared) == BASE + declared


def test_declared_canonical_of_another_article_is_ignored() -> None:
    url = f"{BASE}/asp/Pages/ChiTiet.aspx?ItemID=5&CatID=1"
    declared = "/asp/Pages/ChiTiet.aspx?ItemID=6"
    assert canonical_url(ASP, url, declared).endswith("ItemID=5")


def test_deny_rules_stop_traps_and_print_views() -> None:
    assert is_denied(ASP, f"{BASE}/asp/Pages/TinTheoNgay.aspx?d=24/01/2021")
    assert is_denied(ASP, f"{BASE}/asp/Pages/print.aspx?ItemID=5")
    assert is_denied(LIFERAY, f"{BASE}/lf/web/so-tttt/tin-theo-ngay?ngay=21/07/2022")
    assert not is_denied(ASP, f"{BASE}/asp/Pages/ChiTiet.aspx?ItemID=5")


def test_current_origins_by_host() -> None:
    starts = ["https://sldtbxh.tinh-a.gov.vn/tin-tuc", "https://sldtbxh.tinh-a.gov.vn/thong-bao",
              "http://127.0.0.1:8123/lf/web/so-tttt"]  # fmt: skip
    assert current_origins(starts) == {
        "sldtbxh.tinh-a.gov.vn": ("https", "sldtbxh.tinh-a.gov.vn"),
        "127.0.0.1": ("http", "127.0.0.1:8123"),
    }


def test_a_stored_url_moves_to_where_its_host_answers_now() -> None:
    origins = current_origins(["https://sldtbxh.tinh-a.gov.vn/", "http://127.0.0.1:8123/lf/"])
    moved = at_current_origin("http://sldtbxh.tinh-a.gov.vn/files/qd-1.pdf?v=2#p3", origins)
    assert moved == "https://sldtbxh.tinh-a.gov.vn/files/qd-1.pdf?v=2#p3"  # portal went https
    assert (
        at_current_origin("http://127.0.0.1:4100/lf/view_content/7-a", origins)
        == "http://127.0.0.1:8123/lf/view_content/7-a"  # served at another --base-url
    )
    for same in ("https://sldtbxh.tinh-a.gov.vn/a", "https://cdn.tinh-a.gov.vn/b.pdf"):
        assert at_current_origin(same, origins) == same  # already there; another host
