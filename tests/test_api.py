"""The JSON API of `luutru serve` (luutru/web) against a small crawled archive.

The archive: the demo portal (40 articles) crawled into a temporary directory, then
crawled again at epoch 1 with --full, so some articles have two versions and some are
removed. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.store import Archive
from demo_portal import DemoPortal
from luutru.web.app import create_app
from luutru.web.settings import WebSettings
from tests.archive_builders import crawl_demo

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("backend_module")]
TOKEN = "s3cret-operator-token"


@pytest.fixture(scope="module")
def data(backend_module: str | None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("web-archive")
    with DemoPortal(articles=40, port=0) as portal:
        crawl_demo(portal.base_url, data)
        portal.epoch = 1
        crawl_demo(portal.base_url, data, "--full")
    return data


@pytest.fixture(scope="module")
def facts(data: Path) -> dict[str, Any]:
    with Archive.open(data) as archive:
        articles = list(archive.articles())
        runs = archive.runs()
    return {
        "multi": next(a for a in articles if a["version_count"] >= 2),
        "single": next(a for a in articles if a["version_count"] == 1),
        "removed": [a for a in articles if a["status"] == "removed"],
        "runs": runs,
    }


class Recorder:
    """Stands in for subprocess.Popen in "run now": records the command, starts nothing."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.pid = 4242

    def __call__(self, command: list[str]) -> Recorder:
        self.commands.append(list(command))
        return self

    def poll(self) -> int:
        return 0


@pytest.fixture(scope="module")
def client(data: Path) -> TestClient:
    return TestClient(create_app(WebSettings(data=str(data))))


def test_search_returns_hits_with_the_contract_fields(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "lao động"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] > 0 and body["limit"] == 20 and body["offset"] == 0
    hit = body["hits"][0]
    for key in ("id", "site", "title", "date", "author", "category", "status", "url",
                "version", "score", "snippet", "snippet_html", "title_html", "link"):  # fmt: skip
        assert key in hit
    assert ":" in hit["id"] and hit["link"].startswith("/articles/")
    assert "<mark>" in hit["snippet_html"] + hit["title_html"]


def test_search_filters_paging_and_sort(client: TestClient) -> None:
    everything = client.get("/api/search", params={"q": "lao động", "limit": 200}).json()
    one_site = client.get(
        "/api/search", params={"q": "lao động", "site": "demo-aspnet", "limit": 200}
    ).json()
    assert 0 < one_site["total"] < everything["total"]
    assert {h["site"] for h in one_site["hits"]} == {"demo-aspnet"}

    page2 = client.get("/api/search", params={"q": "lao động", "limit": 5, "offset": 5}).json()
    assert [h["id"] for h in page2["hits"]] == [h["id"] for h in everything["hits"][5:10]]

    by_date = client.get("/api/search", params={"q": "lao động", "sort": "date", "limit": 200})
    dates = [h["date"] for h in by_date.json()["hits"] if h["date"]]
    assert dates == sorted(dates, reverse=True)

    removed = client.get("/api/search", params={"q": "lao động", "status": "removed"}).json()
    assert all(h["status"] == "removed" for h in removed["hits"])

    old = client.get("/api/search", params={"q": "lao động", "all_versions": "true", "limit": 200})
    assert old.json()["total"] >= everything["total"]
    exact = client.get("/api/search", params={"q": "lao động", "exact": "true"})
    assert exact.status_code == 200

    dated = client.get(
        "/api/search", params={"q": "lao động", "date_from": "2024-01-01", "date_to": "2024-12-31"}
    ).json()
    assert all("2024-01-01" <= h["date"] <= "2024-12-31" for h in dated["hits"])


def test_search_says_when_relevance_ranked_only_the_newest_matches(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.search_plan as plan

    params = {"q": "lao động", "limit": 200}
    whole = client.get("/api/search", params=params).json()
    assert whole["ranking_window"] is None  # every match ranked together
    monkeypatch.setattr(plan, "RANK_CAP", 3)
    client.app.state.cache.clear()  # the archive did not change, the code did
    bounded = client.get("/api/search", params=params).json()
    assert bounded["ranking_window"] == 3 and bounded["total"] == whole["total"]
    assert sorted(h["id"] for h in bounded["hits"]) == sorted(h["id"] for h in whole["hits"])
    assert (
        client.get("/api/search", params={**params, "sort": "date"}).json()["ranking_window"]
        is None
    )


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"thương binh'},  # unbalanced quote
        {"q": "(lao"},  # unbalanced parenthesis
        {"q": "lao OR"},  # operator with nothing on its right
        {"q": "lao", "sort": "sideways"},
        {"q": "lao", "date_from": "2024-13-45"},  # not a day ("yesterday" is one, as on the CLI)
        {"q": "lao", "limit": "0"},
    ],
)
def test_search_bad_input_is_400_with_a_message(client: TestClient, params: dict) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 400
    assert isinstance(r.json()["error"], str) and r.json()["error"]


def test_article_current_version_aliases_status_neardups(client: TestClient, facts: dict) -> None:
    multi = facts["multi"]
    r = client.get(f"/api/articles/{multi['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == multi["id"]
    assert body["version"] == body["version_count"] == multi["version_count"]
    assert body["title"] == multi["title"] and body["status"] == "live"
    assert isinstance(body["aliases"], list) and isinstance(body["near_duplicates"], list)
    assert body["citation"] == f"/articles/{multi['id']}/versions/{body['version']}"
    assert body["capture"] == f"/captures/{multi['id']}/{body['version']}"
    assert "article_id" not in body  # internal number stays inside

    removed = facts["removed"][0]
    assert client.get(f"/api/articles/{removed['id']}").json()["status"] == "removed"


def test_versions_list_every_version_with_pointer_and_citation(
    client: TestClient, facts: dict
) -> None:
    multi = facts["multi"]
    body = client.get(f"/api/articles/{multi['id']}/versions").json()
    assert body["version_count"] == len(body["versions"]) == multi["version_count"]
    numbers = [v["number"] for v in body["versions"]]
    assert numbers == list(range(1, len(numbers) + 1))
    for v in body["versions"]:
        assert v["fetched_at"] and v["content_hash"] and v["warc_file"]
        assert v["citation"] == f"/articles/{multi['id']}/versions/{v['number']}"
        assert "minhash" not in v


def test_diff_between_versions(client: TestClient, facts: dict) -> None:
    multi = facts["multi"]
    r = client.get(f"/api/articles/{multi['id']}/diff", params={"a": 1, "b": 2})
    assert r.status_code == 200
    body = r.json()
    assert (body["a"], body["b"]) == (1, 2) and body["changed"]
    changed = [f for f in body["fields"] if f["changed"]]
    assert [f["field"] for f in changed] == body["changed"]
    ops = {op["op"] for f in changed for op in f["ops"]}
    assert ops & {"insert", "delete"}
    # Default: the previous version against the current one.
    default = client.get(f"/api/articles/{multi['id']}/diff").json()
    assert (default["a"], default["b"]) == (multi["version_count"] - 1, multi["version_count"])
    # Same version: nothing changed.
    same = client.get(f"/api/articles/{multi['id']}/diff", params={"a": 1, "b": 1}).json()
    assert same["changed"] == []


def test_unknown_ids_are_404_json(client: TestClient, facts: dict) -> None:
    multi = facts["multi"]
    for url in (
        "/api/articles/nope:1",
        "/api/articles/nope:1/versions",
        "/api/articles/nope:1/diff",
        f"/api/articles/{multi['id']}/diff?a=1&b=99",
        "/api/runs/999999",
        "/api/runs/999999/log",
        "/api/no-such-endpoint",
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["error"], url
    r = client.get(f"/api/articles/{multi['id']}/diff", params={"a": 0, "b": 1})
    assert r.status_code == 400 and r.json()["error"]


def test_runs_filters_and_one_run(client: TestClient, facts: dict) -> None:
    runs = client.get("/api/runs").json()
    assert [r["id"] for r in runs] == [r["id"] for r in facts["runs"]][:20]
    assert client.get("/api/runs", params={"limit": 1}).json()[0]["id"] == facts["runs"][0]["id"]
    only = client.get("/api/runs", params={"site": "demo-aspnet"}).json()
    assert only and {r["site"] for r in only} == {"demo-aspnet"}
    ok = client.get("/api/runs", params={"status": "succeeded"}).json()
    assert ok and {r["status"] for r in ok} == {"succeeded"}
    assert client.get("/api/runs", params={"status": "failed"}).json() == []

    run = client.get(f"/api/runs/{runs[0]['id']}").json()
    assert run["id"] == runs[0]["id"] and isinstance(run["stats"], dict)
    assert isinstance(run["reasons"], list)


def test_run_log_is_text_filtered_by_level(client: TestClient, facts: dict) -> None:
    run_id = facts["runs"][-1]["id"]
    info = client.get(f"/api/runs/{run_id}/log")
    assert info.status_code == 200 and info.headers["content-type"].startswith("text/plain")
    assert " INFO: " in info.text
    warnings = client.get(f"/api/runs/{run_id}/log", params={"level": "warning"})
    assert warnings.status_code == 200
    assert " INFO: " not in warnings.text
    assert len(warnings.text) < len(info.text)
    bad = client.get(f"/api/runs/{run_id}/log", params={"level": "LOUD"})
    assert bad.status_code == 400 and "level" in bad.json()["error"]


def test_sites_with_last_run(client: TestClient, facts: dict) -> None:
    sites = {s["id"]: s for s in client.get("/api/sites").json()}
    assert {"demo-liferay", "demo-aspnet"} <= set(sites)
    demo = sites["demo-aspnet"]
    assert demo["name"] and demo["schedule"] and demo["start_urls"]
    last = next(r for r in facts["runs"] if r["site"] == "demo-aspnet")
    assert demo["last_run"]["id"] == last["id"]
    assert demo["last_run"]["status"] == last["status"]
    never = [s for s in sites.values() if s["id"] not in ("demo-liferay", "demo-aspnet")]
    assert all(s["last_run"] is None for s in never)


def test_health_is_the_cli_json(client: TestClient, data: Path) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    cli = subprocess.run(
        [sys.executable, "-m", "luutru", "health", "--format", "json", "--data", str(data)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONUTF8": "1"},
    )
    assert r.json() == json.loads(cli.stdout)


def test_health_unhealthy_is_still_http_200(tmp_path: Path, fresh_backend: str | None) -> None:
    with Archive.open(tmp_path) as archive:
        run_id = archive.start_run("demo-aspnet")
        archive.finish_run(run_id, "failed", {"error": "boom"})
    with TestClient(create_app(WebSettings(data=str(tmp_path)))) as client:
        r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json()["ok"] is False
    row = next(s for s in r.json()["sites"] if s["site"] == "demo-aspnet")
    assert row["status"] == "failed"


def test_openapi_lists_every_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/search",
        "/api/articles/{article_id}",
        "/api/articles/{article_id}/versions",
        "/api/articles/{article_id}/diff",
        "/api/runs",
        "/api/runs/{run_id}",
        "/api/runs/{run_id}/log",
        "/api/sites",
        "/api/health",
        "/runs/now",
    ):
        assert path in spec["paths"], path
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    wanted = {"q", "site", "province", "department", "date_from", "date_to", "author",
              "category", "status", "exact", "all_versions", "sort", "limit", "offset"}  # fmt: skip
    assert wanted <= names
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    csp = docs.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("style-src")[0]
    # Offline: every script and style of the page is ours, and is served.
    assert "http" not in csp and "cdn" not in docs.text
    assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', docs.text)
    assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 1000, asset


def test_writes_refused_without_a_configured_token(data: Path) -> None:
    launcher = Recorder()
    app = create_app(WebSettings(data=str(data), launcher=launcher))
    with TestClient(app) as client:
        for headers, form in (({}, {"site": "demo-aspnet"}),
                              ({"Authorization": "Bearer anything"}, {"site": "demo-aspnet"}),
                              ({}, {"site": "demo-aspnet", "token": ""})):  # fmt: skip
            r = client.post("/runs/now", data=form, headers=headers, follow_redirects=False)
            assert r.status_code == 403
    assert launcher.commands == []


def test_writes_need_the_right_token(data: Path) -> None:
    launcher = Recorder()
    app = create_app(WebSettings(data=str(data), operator_token=TOKEN, launcher=launcher))
    with TestClient(app) as client:
        wrong = client.post(
            "/runs/now", data={"site": "demo-aspnet", "token": "nope"}, follow_redirects=False
        )
        assert wrong.status_code == 403
        missing = client.post("/runs/now", data={"site": "demo-aspnet"}, follow_redirects=False)
        assert missing.status_code == 403
        assert launcher.commands == []

        form = client.post(
            "/runs/now", data={"site": "demo-aspnet", "token": TOKEN}, follow_redirects=False
        )
        assert form.status_code == 303
        assert form.headers["location"] == "/runs?site=demo-aspnet"

        bearer = client.post(
            "/runs/now?site=demo-liferay", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert bearer.status_code == 202
        assert bearer.json()["site"] == "demo-liferay" and bearer.json()["pid"] == 4242

        unknown = client.post("/runs/now", data={"site": "no-such-site", "token": TOKEN})
        assert unknown.status_code == 404
    first, second = launcher.commands
    assert first[:4] == [sys.executable, "-m", "luutru", "crawl"]
    assert first[4] == "demo-aspnet" and "--quiet" in first
    assert first[first.index("--data") + 1] == str(data)
    assert second[4] == "demo-liferay"


def test_serve_is_a_cli_command() -> None:
    from luutru.cli import COMMANDS, build_parser

    args = build_parser().parse_args(["serve", "--port", "9999", "--data", "/tmp/x"])
    assert (args.host, args.port, args.data) == ("127.0.0.1", 9999, "/tmp/x")
    assert "serve" in COMMANDS
