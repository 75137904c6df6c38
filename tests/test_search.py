"""archive/search.py and `luutru search`: Vietnamese full-text search over the archive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from urllib.parse import urlsplit

import pytest

from archive.fold import fold, tokens
from archive.records import ArticleRecord
from archive.search import SearchSyntaxError, parse_query, search, to_fts
from archive.store import Archive

NFD = "NFD"
pytestmark = pytest.mark.usefixtures("backend")  # SQLite, and PostgreSQL when configured


def rec(key: str, title: str, body: str, **kw) -> ArticleRecord:
    base = dict(
        site="tinh-a",
        article_key=key,
        url=f"https://tinh-a.gov.vn/bai/{key}",
        fetched_url=f"https://tinh-a.gov.vn/bai/{key}",
        title=title,
        body=body,
        date="2025-01-15",
        author="Minh Anh",
        summary=None,
        category="Tin tức",
        fetched_at="2025-01-15T09:00:00+07:00",
    )
    base.update(kw)
    return ArticleRecord(**base)


@pytest.fixture
def archive(tmp_path):
    with Archive.open(tmp_path / "data") as a:
        a.upsert_site("tinh-a", "Sở LĐ-TB&XH tỉnh A", "Tỉnh A", "Lao động - Thương binh và Xã hội")
        a.upsert_site("tinh-b", "Sở Y tế tỉnh B", "Tỉnh Bình Định", "Y tế")
        run = a.start_run("tinh-a")
        a.record(rec("1", "Hội nghị tổng kết công tác Lao động năm 2024",
                     "Sở Lao động - Thương binh và Xã hội tổ chức hội nghị về thương binh."),
                 run)  # fmt: skip
        a.record(rec("2", unicodedata.normalize(NFD, "Đảng ủy khối họp về lao động"),
                     unicodedata.normalize(NFD, "Nội dung: lao động việc làm, binh sĩ và "
                                                "thương nhân."), date="2024-06-01",
                     author="Trần Văn Bình", category="Thông báo"), run)  # fmt: skip
        a.record(rec("3", "Tin không dấu", "Bai viet khong dau: lao dong va viec lam.",
                     date="2023-03-03", summary="Tóm tắt về lão động."), run)  # fmt: skip
        a.record(rec("4", "Y tế dự phòng", "Tiêm chủng mở rộng cho trẻ em, tuyển dụng bác sĩ.",
                     site="tinh-b", date="2025-02-02", author="Lê Thị Hoa",
                     url="https://b.vn/4", fetched_url="https://b.vn/4"), run)  # fmt: skip
        yield a


def ids(result) -> set[str]:
    return {h.id for h in result.hits}


def test_folded_search_finds_nfc_and_nfd(archive):
    assert ids(search(archive, "lao dong")) == {"tinh-a:1", "tinh-a:2", "tinh-a:3"}
    assert ids(search(archive, unicodedata.normalize(NFD, "LAO ĐỘNG"))) == ids(
        search(archive, "lao dong")
    )
    assert ids(search(archive, "dang uy")) == {"tinh-a:2"}
    assert search(archive, "dang uy").total == 1


def test_exact_mode(archive):
    assert ids(search(archive, '"lao động"', exact=True)) == {"tinh-a:1", "tinh-a:2"}
    assert ids(search(archive, unicodedata.normalize(NFD, '"lao động"'), exact=True)) == {
        "tinh-a:1",
        "tinh-a:2",
    }
    assert ids(search(archive, '"lão động"', exact=True)) == {"tinh-a:3"}  # summary
    assert ids(search(archive, '"lao dong"', exact=True)) == {"tinh-a:3"}
    assert ids(search(archive, '"lao dong"')) == {"tinh-a:1", "tinh-a:2", "tinh-a:3"}


def test_phrase_vs_words(archive):
    assert ids(search(archive, '"thương binh"')) == {"tinh-a:1"}
    assert ids(search(archive, "thương binh")) == {"tinh-a:1", "tinh-a:2"}


def test_a_phrase_never_spans_two_fields(archive):
    """Title "… bảo hiểm", summary "xã hội …", body "…": the words are adjacent only across
    a field boundary, so the phrase must not match (FTS5 keeps phrases in one column; the
    PostgreSQL tsvector leaves a hole between columns, migration 0006)."""
    archive.record(
        rec("9", "Thông báo về bảo hiểm", "Cán bộ kiểm tra\n\nhồ sơ tại huyện",
            summary="Xã hội hóa nguồn lực y tế"),
        None,
    )  # fmt: skip
    assert ids(search(archive, "bao hiem xa hoi")) == {"tinh-a:9"}  # words, any field
    assert ids(search(archive, '"bao hiem xa hoi"')) == set()  # title → summary
    assert ids(search(archive, '"y te can bo"')) == set()  # summary → body
    assert ids(search(archive, '"hiem xa"', exact=False)) == set()
    assert ids(search(archive, '"bảo hiểm xã hội"', exact=True)) == set()
    assert ids(search(archive, '"kiem tra ho so"')) == {"tinh-a:9"}  # paragraphs: one field


def test_boolean_operators_and_prefix(archive):
    assert ids(search(archive, "lao AND viec")) == {"tinh-a:2", "tinh-a:3"}
    assert ids(search(archive, "tiem OR dang")) == {"tinh-a:2", "tinh-b:4"}
    assert ids(search(archive, "lao NOT viec")) == {"tinh-a:1"}
    assert ids(search(archive, "lao -viec")) == {"tinh-a:1"}
    assert ids(search(archive, "lao -(viec OR thuong)")) == set()
    assert ids(search(archive, "(tiem OR hoi) -sở")) == {"tinh-b:4"}
    assert ids(search(archive, "tiê*")) == {"tinh-b:4"}
    assert ids(search(archive, '"thuong bi"*')) == {"tinh-a:1"}


def test_filters(archive):
    assert ids(search(archive, "lao OR tiem", sites="tinh-b")) == {"tinh-b:4"}
    assert ids(search(archive, "lao OR tiem", province="binh dinh")) == {"tinh-b:4"}
    assert ids(search(archive, "lao OR tiem", department="Lao động")) == {
        "tinh-a:1",
        "tinh-a:2",
        "tinh-a:3",
    }
    assert ids(search(archive, "lao OR tiem", province="nowhere")) == set()
    assert ids(search(archive, "lao", date_from="2024-01-01", date_to="2024-12-31")) == {"tinh-a:2"}
    assert ids(search(archive, "lao", author="tran van")) == {"tinh-a:2"}
    assert ids(search(archive, "lao", category="thong bao")) == {"tinh-a:2"}
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        search(archive, "lao", date_from="15/01/2025")


def test_status_filter(archive):
    from sqlalchemy import update

    from archive.schema import articles

    with archive._write() as conn:
        conn.execute(update(articles).where(articles.c.article_key == "1").values(status="removed"))
    assert ids(search(archive, "lao", status="removed")) == {"tinh-a:1"}
    assert ids(search(archive, "lao", status="live")) == {"tinh-a:2", "tinh-a:3"}
    assert search(archive, "hoi nghi").hits[0].status == "removed"


def test_sort_by_date_and_relevance(archive):
    by_date = [h.id for h in search(archive, "lao", sort="date").hits]
    assert by_date == ["tinh-a:1", "tinh-a:2", "tinh-a:3"]
    hits = search(archive, "lao", sort="relevance").hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # "lao động" in the title weighs more than in the body
    assert hits[0].id in {"tinh-a:1", "tinh-a:2"}
    assert search(archive, "lao", limit=1, offset=1).total == 3
    assert len(search(archive, "lao", limit=1, offset=1).hits) == 1


def test_snippet_highlights_original_words(archive):
    hit = {h.id: h for h in search(archive, "lao dong").hits}["tinh-a:1"]
    assert "[Lao] [động]" in hit.snippet
    assert "<mark>Lao</mark> <mark>động</mark>" in hit.snippet_html
    assert hit.title_html.endswith("<mark>Lao</mark> <mark>động</mark> năm 2024")
    nfd = {h.id: h for h in search(archive, "dang uy").hits}["tinh-a:2"]
    assert nfd.title_html.startswith("<mark>Đảng</mark> <mark>ủy</mark>")
    assert "<" not in search(archive, "lao").hits[0].snippet


def test_html_is_escaped(archive):
    archive.record(rec("9", "A <b>&</b> lao", "x <script>lao</script>"), None)
    hit = {h.id: h for h in search(archive, "lao").hits}["tinh-a:9"]
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    assert "<b>" not in hit.title_html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"lao động', "unbalanced quote"),
        ("lao OR", "OR needs"),
        ("OR lao", "OR needs"),
        ("lao AND", "AND needs"),
        ("AND lao", "AND needs"),
        ("lao NOT", "NOT needs"),
        ("NOT lao", "cannot only exclude"),
        ("-lao", "cannot only exclude"),
        ("(lao", "unbalanced parenthesis"),
        ("lao)", "unbalanced parenthesis"),
        ("()", "empty parentheses"),
        ("", "empty query"),
        ("!!! ::", "empty query"),
    ],
)
def test_syntax_errors(archive, query, message):
    with pytest.raises(SearchSyntaxError, match=message):
        search(archive, query)


@pytest.mark.parametrize(
    "query",
    ['title:lao', 'body : "lao"', "NEAR(lao dong)", "^lao", "{title body}: lao", 'lao"*"',
     "lao* *", "l'ao", 'a"b"c', "lao AND-dong", "lao:*"],
)  # fmt: skip
def test_no_fts_injection(archive, query):
    expr = to_fts(parse_query(query))
    # every token is double-quoted letters/digits: no colon, brace, caret or NEAR outside
    outside = "".join(expr.split('"')[0::2])
    assert not set(outside) & set(":{}^+")
    assert "NEAR" not in outside
    search(archive, query)  # runs, no exception


def test_syntax_treats_unknown_punctuation_as_separators(archive):
    assert ids(search(archive, "title:lao")) == ids(search(archive, '"title lao"'))
    assert to_fts(parse_query("covid-19")) == '"covid 19"'


def test_index_follows_updated_version(archive):
    archive.record(rec("1", "Hội nghị tổng kết năm 2024", "Nội dung mới về an sinh."), None)
    assert "tinh-a:1" not in ids(search(archive, "lao"))
    assert ids(search(archive, "an sinh")) == {"tinh-a:1"}
    old = search(archive, "thuong binh", all_versions=True)
    assert {(h.id, h.version) for h in old.hits} >= {("tinh-a:1", 1)}
    assert ("tinh-a:1", 2) in {
        (h.id, h.version) for h in search(archive, "sinh", all_versions=True).hits
    }


def test_reindex_gives_the_same_results(archive):
    before = [(h.id, h.version) for h in search(archive, "lao OR tiem", sort="date").hits]
    archive.record(rec("1", "Hội nghị tổng kết năm 2024", "Nội dung mới về an sinh."), None)
    assert archive.reindex_search() == 5
    after = [(h.id, h.version) for h in search(archive, "lao OR tiem", sort="date").hits]
    assert after == [x for x in before if x[0] != "tinh-a:1"]
    assert ids(search(archive, "thuong binh", all_versions=True)) == {"tinh-a:1", "tinh-a:2"}


def test_cli(archive, tmp_path, capsys):
    from luutru.cli import main

    data = str(tmp_path / "data")  # the archive is there, or at env LUUTRU_DB
    assert main(["search", "lao dong", "--data", data, "--format", "json", "--sort", "date"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 3 and out["hits"][0]["id"] == "tinh-a:1"
    assert main(["search", "dang uy", "--data", data]) == 0
    text = capsys.readouterr().out
    assert "tinh-a:2" in text and "[Đảng] [ủy]" in text and "1 match" in text
    assert main(["search", "lao", "--data", data, "--format", "csv", "--site", "tinh-a"]) == 0
    assert capsys.readouterr().out.startswith("\ufeffid,date,title")  # BOM: opens in Excel
    assert main(["search", '"lao', "--data", data]) == 2
    assert "unbalanced quote" in capsys.readouterr().err
    assert main(["search", "--reindex", "--data", data]) == 0


def test_cli_says_when_relevance_ranked_only_the_newest(archive, tmp_path, capsys, monkeypatch):
    import archive.search_plan as plan
    from luutru.cli import main

    data = str(tmp_path / "data")
    assert main(["search", "lao dong", "--data", data]) == 0
    assert "ranked:" not in capsys.readouterr().out
    monkeypatch.setattr(plan, "RANK_CAP", 2)  # "lao dong" matches 3
    assert main(["search", "lao dong", "--data", data]) == 0
    assert "ranked: the 2 most recently archived matches first" in capsys.readouterr().out
    assert main(["search", "lao dong", "--data", data, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ranking_window"] == 2


@pytest.mark.slow
def test_demo_crawl_search_finds_exactly_lao_dong(tmp_path):
    from demo_portal import DemoPortal
    from demo_portal.documents import document_text

    data = tmp_path / "data"
    env = {**os.environ, "PYTHONUTF8": "1"}
    with DemoPortal(articles=300, epoch=0, port=0) as portal:
        crawl = subprocess.run(
            [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
             "--base-url", portal.base_url, "--data", str(data), "-s", "LOG_LEVEL=WARNING",
             "--quiet"],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
        truth = portal.truth()
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    found = subprocess.run(
        [sys.executable, "-m", "luutru", "search", "lao dong", "--format", "json",
         "--limit", "1000", "--data", str(data)],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    got = {h["id"] for h in json.loads(found.stdout)["hits"]}

    def files(t: dict) -> list[str]:
        """The text of the files the article links to that have one (pdf, docx, xlsx):
        searched with the article (archive/attachment_text.py)."""
        paths = [urlsplit(u).path for u in t["attachments"]]
        return [" ".join(document_text(p)) for p in paths if p.endswith((".pdf", ".docx", ".xlsx"))]

    def has(t: dict) -> bool:
        fields = [str(t.get(f) or "") for f in ("title", "summary", "body")] + files(t)
        text = " | ".join(fold(f) for f in fields)
        words = tokens(text)
        return any(words[i : i + 2] == ["lao", "dong"] for i in range(len(words) - 1))

    expected = {f"{t['site']}:{t['key']}" for t in truth if t["status"] == "live" and has(t)}
    assert expected and got == expected
