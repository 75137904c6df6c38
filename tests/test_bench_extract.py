"""The extraction benchmark's scoring (bench/extraction.py, bench/extract_score.py): figures
are computed on the real pages and a small demo portal, a wrong prediction scores 0, the
scorer agrees with shared/realpages-dev/eval.py, and a missing optional library makes that
tool's row say so instead of crashing. No network; the optional libraries (trafilatura,
readability-lxml, jusText, htmldate) are not needed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bench import extraction, extraction_table
from bench.extract_score import f1, score_page
from bench.extract_tools import TOOLS, Page, Tool, run_luutru_generic
from bench.summary import summary, summary_table

REPO = Path(__file__).resolve().parent.parent
EVAL_PY = REPO.parent / "shared" / "realpages-dev" / "eval.py"
GENERIC = next(t for t in TOOLS if t.name == "luutru generic")
PROFILE = next(t for t in TOOLS if t.name == "luutru profile")


def _date_only(page: Page) -> dict[str, Any]:
    return {"published": page.truth["date"]}


def _wrong(page: Page) -> dict[str, Any]:
    return {
        "title": "Trang chủ",
        "published": "1999-01-01T00:00:00+07:00",
        "author": "Ban biên tập",
        "lead": "qwxz",
        "body": "xyz",
    }


def _boom(page: Page) -> dict[str, Any]:
    raise RuntimeError("broken extractor")


DATE_ONLY = Tool("date only", frozenset({"date"}), _date_only)
WRONG = Tool("wrong", frozenset({"title", "date", "time", "author", "lead", "body"}), _wrong)
BOOM = Tool("boom", frozenset({"title", "body"}), _boom)
MISSING = Tool("missing lib", frozenset({"body"}), _boom, ("luutru_no_such_module_xyz",))


@pytest.fixture(scope="module")
def real() -> list[Page]:
    return extraction.real_pages()


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    """The benchmark on the real pages and a 10-article demo portal, one repetition, with
    luutru and stand-in tools (no optional library needed)."""
    tools = (GENERIC, PROFILE, DATE_ONLY, WRONG, BOOM, MISSING)
    return extraction.run(articles=10, reps=1, tools=tools)


def test_real_pages_are_loaded_with_their_templates(real: list[Page]) -> None:
    assert len(real) >= 5
    assert all(p.rules is not None for p in real)  # every site has its bundled template
    assert {p.extra["template"] for p in real} == {"liferay", "vnexpress"}


def test_generic_on_real_pages_is_scored(result: dict[str, Any]) -> None:
    r = result["tools"]["luutru generic"]["real"]
    for measure in ("title", "date", "time", "author"):
        assert r[measure]["share"] == 1.0, (measure, r[measure])
    assert r["lead"] is None  # the real pages' truth has no lead field
    assert r["body_f1"]["mean"] >= 0.97
    assert r["body_f1"]["ge_0_9"] == r["pages"]
    assert r["ms_per_page_best"] > 0
    assert result["tools"]["luutru profile"]["real"]["title"]["share"] == 1.0


def test_demo_pages_are_scored(result: dict[str, Any]) -> None:
    demo = result["sets"]["demo"]
    assert demo["pages"] >= 10
    assert set(demo["by_site"]) == {"demo-aspnet", "demo-liferay"}
    profile = result["tools"]["luutru profile"]["demo"]
    for measure in ("title", "date", "author", "lead"):
        assert profile[measure]["share"] == 1.0, (measure, profile[measure])
    assert profile["time"]["of"] == demo["with_time"]
    assert profile["body_f1"]["mean"] >= 0.99
    generic = result["tools"]["luutru generic"]["demo"]
    assert generic["title"]["of"] == demo["pages"]
    assert 0 <= generic["body_f1"]["mean"] <= 1
    combined = result["tools"]["luutru profile"]["combined"]
    assert combined["pages"] == demo["pages"] + result["sets"]["real"]["pages"]


def test_a_wrong_prediction_scores_zero(result: dict[str, Any]) -> None:
    for where in ("real", "demo", "combined"):
        r = result["tools"]["wrong"][where]
        for measure in ("title", "date", "time", "author"):
            assert r[measure]["ok"] == 0, (where, measure)
        assert r["body_f1"]["mean"] == 0.0
        assert r["body_f1"]["ge_0_9"] == 0
    assert result["tools"]["wrong"]["demo"]["lead"]["ok"] == 0


def test_a_wrong_author_fails_and_an_alternative_passes(real: list[Page]) -> None:
    page = next(p for p in real if p.truth.get("author_alt"))
    out = run_luutru_generic(page)
    assert score_page(page.truth, out)["author_ok"]
    assert score_page(page.truth, {**out, "author": page.truth["author_alt"][0]})["author_ok"]
    assert not score_page(page.truth, {**out, "author": "Pho Ban bien tap"})["author_ok"]
    assert not score_page(page.truth, {**out, "title": out["title"] + " - Sở TT&TT"})["title_exact"]
    assert f1("một hai ba", "bốn năm") == 0.0


def test_a_field_the_tool_lacks_is_a_dash_not_zero(result: dict[str, Any]) -> None:
    r = result["tools"]["date only"]["real"]
    assert r["date"]["share"] == 1.0
    assert r["title"] is None and r["author"] is None and r["body_f1"] is None
    row = next(line for line in extraction_table.table(result).splitlines() if "date only" in line)
    cells = row.split()
    assert cells.count("–") >= 5  # title, time, author, lead, body F1, F1≥0.9
    assert "100.0" in cells


def test_a_raising_tool_is_a_miss_and_counted(result: dict[str, Any]) -> None:
    r = result["tools"]["boom"]["real"]
    assert r["errors"] == r["pages"]
    assert r["title"]["ok"] == 0 and r["body_f1"]["mean"] == 0.0
    assert "NOTE: boom raised" in extraction_table.table(result)


def test_a_missing_library_makes_the_row_unavailable(result: dict[str, Any]) -> None:
    t = result["tools"]["missing lib"]
    assert t["available"] is False
    assert "luutru_no_such_module_xyz" in t["unavailable"]
    lines = [line for line in extraction_table.table(result).splitlines() if "missing lib" in line]
    assert len(lines) == 3  # one per set
    assert all("unavailable" in line for line in lines)


def test_a_blocked_optional_library_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real adapters: each optional library, when it cannot be imported, gives an
    unavailable tool rather than an exception."""
    for tool in TOOLS:
        for name in tool.modules:
            monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    results = extraction.evaluate(TOOLS, {"real": []}, reps=1)
    for tool in TOOLS:
        res = results[tool.name]
        assert res["available"] is (not tool.modules), tool.name
        if tool.modules:
            assert tool.modules[0] in res["unavailable"], res["unavailable"]


def test_results_are_json_and_feed_the_summary(result: dict[str, Any]) -> None:
    text = json.dumps(result, ensure_ascii=False)
    rows = summary({"extraction": json.loads(text)})
    metrics = [r["metric"] for r in rows]
    assert metrics == [
        "extraction time, luutru",
        "extraction body F1, luutru",
        "extraction body F1, luutru generic (real pages)",
        "generic extraction time",
        "generic title/date/author (real pages)",
    ]
    # trafilatura is not among the tools here: the comparison column says so.
    assert all(r["comparison"] == "trafilatura unavailable" for r in rows)
    assert rows[4]["value"] == "100/100/100"
    assert summary_table(rows, markdown=True).startswith("| metric |")


def test_old_results_still_give_the_old_rows() -> None:
    old = {
        "pages": 303,
        "reps": 5,
        "ratio_ms_luutru_over_trafilatura": 0.234,
        "luutru": {
            "ms_per_page_best": 0.97,
            "body_f1_mean": 1.0,
            "title_exact_pct": 100.0,
            "date_exact_pct": 100.0,
            "author_exact_pct": 100.0,
        },
        "trafilatura": {
            "ms_per_page_best": 4.13,
            "body_f1_mean": 0.843,
            "title_exact_pct": 100.0,
            "date_exact_pct": 100.0,
            "author_exact_pct": 24.0,
        },
    }
    assert [r["metric"] for r in summary({"extraction": old})] == [
        "extraction time, luutru",
        "extraction body F1, luutru",
    ]


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realpages_eval", EVAL_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not EVAL_PY.is_file(), reason="shared/realpages-dev/eval.py is not here")
def test_the_scorer_agrees_with_eval_py(real: list[Page]) -> None:
    from bench import extract_score as mine

    ev = _eval_module()
    outputs = []
    for page in real:
        out = run_luutru_generic(page)
        outputs += [
            (page.truth, out),
            (page.truth, _wrong(page)),
            (page.truth, {**out, "lead": "Một câu mở đầu khác hẳn.", "published": out["title"]}),
            (page.truth, {"title": out["title"], "authors": ["A", page.truth["author"]]}),
            (page.truth, {"text": out["body"], "date": "13/05/2016", "author": ""}),
        ]
    for truth, out in outputs:
        theirs = ev.score_page({**truth, "file": "x"}, out, None)
        ours = mine.score_page(truth, out)
        for key in ("title_exact", "date_pred", "date_ok", "time_pred", "time_ok", "author_ok"):
            assert ours[key] == theirs[key], (key, out)
        assert ours["body_f1"] == pytest.approx(theirs["body_f1"], abs=1e-12)
    for value in ("2016-05-13T17:05:00+07:00", "5:05 PM 13/5/2016", "31/02/2020", None, ""):
        assert mine.date_of(value) == ev.date_of(value)
        assert mine.time_of(value) == ev.time_of(value)
