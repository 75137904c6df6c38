"""Attached files: text extraction per format, the archive's versions and search, the crawl.

Extraction runs on small files made here (demo_portal/documents.py writes the PDF by
hand; python-docx and openpyxl write the others). The archive tests run on SQLite and, with
LUUTRU_TEST_PG_URL, on PostgreSQL; the crawl tests crawl the demo portal's ASP.NET site,
whose articles link real PDF, DOCX and XLSX files (and placeholder .xls/.doc).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from archive.attachments import AttachmentCapture
from archive.records import ArticleRecord
from archive.search import search
from archive.store import Archive
from crawler.extract import filetext
from demo_portal import DemoPortal
from demo_portal.documents import document_text, docx_bytes, pdf_bytes, revised, xlsx_bytes

SENTENCE = "Quyết định số 253/QĐ-UBND quy định mức hỗ trợ cho ngư dân sau bão Yagi."

# ---------------------------------------------------------------- extraction


def test_pdf_text_reads_back_exactly() -> None:
    lines = ["SỞ Y TẾ TỈNH HÒA AN", SENTENCE, "Điều 2. Ủy ban nhân dân (cấp huyện) thi hành."]
    got = filetext.extract(pdf_bytes(lines), "pdf")
    assert (got.kind, got.status, got.note) == ("pdf", "ok", None)
    assert got.text == "\n".join(lines)


def test_docx_paragraphs_and_tables_nfc() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(unicodedata.normalize("NFD", SENTENCE))  # NFD in, NFC out
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Họ và tên", "Nguyễn Văn Ánh"
    out = io.BytesIO()
    document.save(out)
    got = filetext.extract(out.getvalue(), "docx")
    assert got.status == "ok"
    assert got.text == f"{SENTENCE}\nHọ và tên | Nguyễn Văn Ánh"
    assert filetext.extract(docx_bytes(["Một", "Hai"]), "docx").text == "Một\nHai"


def test_xlsx_cells_row_by_row() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(["STT", "Họ và tên", "Số tiền"])
    sheet.append([1, "Trần Thị Bình", 2_500_000])
    out = io.BytesIO()
    book.save(out)
    got = filetext.extract(out.getvalue(), "xlsx")
    assert got.status == "ok"
    assert got.text == "Danh sách\nSTT | Họ và tên | Số tiền\n1 | Trần Thị Bình | 2500000"
    assert "Văn bản a.xlsx | 2" in (filetext.extract(xlsx_bytes(["x", "Văn bản a.xlsx"])).text)


def _odt(paragraphs: list[str]) -> bytes:
    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    ns += 'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = f"<office:document-content {ns}><office:body><office:text>"
    content += f"<text:h>Tiêu đề</text:h>{body}"
    content += "</office:text></office:body></office:document-content>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    return out.getvalue()


def test_odt_headings_and_paragraphs() -> None:
    got = filetext.extract(_odt([SENTENCE, "Đoạn hai."]), "odt")
    assert (got.kind, got.status) == ("odt", "ok")
    assert got.text == f"Tiêu đề\n{SENTENCE}\nĐoạn hai."


def test_the_bytes_decide_the_format_not_the_extension() -> None:
    got = filetext.extract(docx_bytes([SENTENCE]), "doc")  # a .doc that is really a docx
    assert (got.kind, got.text) == ("docx", SENTENCE)


def test_broken_and_unreadable_files_are_recorded_not_raised() -> None:
    pdf = pdf_bytes([SENTENCE] * 50)
    truncated = filetext.extract(pdf[: len(pdf) // 2], "pdf")
    assert (truncated.status, truncated.text) == ("failed", None)
    assert truncated.note and "\n" not in truncated.note
    garbage = filetext.extract(b"%PDF-1.4\n% nothing else\n%%EOF\n", "pdf")
    assert garbage.status == "failed"
    html = filetext.extract(
        "<html>Trang lỗi</html>".encode(), "pdf"
    )  # an error page served as .pdf
    assert (html.status, html.kind) == ("failed", "pdf") and "not a pdf file" in html.note
    word97 = filetext.extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "doc")
    assert (word97.status, word97.kind) == ("no_extractor", "doc")
    xls = filetext.extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "xls")
    assert (xls.status, xls.kind) == ("failed", "xls")


def test_a_zip_bomb_is_refused_before_parsing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"<" + b" " * (filetext.MAX_UNZIPPED + 1))
    got = filetext.extract(out.getvalue(), "docx")
    assert got.status == "failed" and "zip bomb" in got.note


def test_pages_and_characters_are_capped() -> None:
    pdf = pdf_bytes([f"Trang {n // 40 + 1}, dòng {n}" for n in range(400)])  # 10 pages
    by_pages = filetext.extract(pdf, "pdf", max_pages=3)
    assert by_pages.status == "truncated" and by_pages.note == "first 3 of 10 pages"
    assert "dòng 119" in by_pages.text and "dòng 120" not in by_pages.text
    by_chars = filetext.extract(pdf, "pdf", max_chars=500)
    assert by_chars.status == "truncated" and len(by_chars.text) <= 500
    assert "500 characters" in by_chars.note


def test_control_characters_never_reach_the_text() -> None:
    assert filetext.clean("a\x00b\x07c  d\r\ne") == "a b c d\ne"
    got = filetext.extract(pdf_bytes(["a\x00b\x07c  d"]), "pdf")
    assert got.status == "ok" and got.text is not None
    assert not any(ord(c) < 32 and c != "\n" for c in got.text)
    assert got.text.endswith("c d")  # PDFium drops the NUL glyph itself (pypdf kept a space)


def test_kind_of_url_by_path_or_query_value() -> None:
    assert filetext.kind_of_url("https://x.gov.vn/Uploads/QD%2012.PDF") == "pdf"
    assert filetext.kind_of_url("https://x.gov.vn/download.php?file=ke-hoach.docx") == "docx"
    assert filetext.kind_of_url("https://x.gov.vn/files/slides.pptx") is None


# ---------------------------------------------------------------- the archive


URL = "https://tinh-a.gov.vn/files/qd-253.pdf"


def _article(key: str = "1", attachments: list[str] | None = None, body: str = "") -> Any:
    return ArticleRecord(
        site="tinh-a", article_key=key, url=f"https://tinh-a.gov.vn/bai/{key}",
        fetched_url=f"https://tinh-a.gov.vn/bai/{key}", title="Thông báo về chính sách",
        body=body or "Xem văn bản đính kèm.", date="2025-01-02", author="Thanh Hà",
        fetched_at="2025-01-02T08:00:00+07:00",
        attachments=[URL] if attachments is None else attachments,
    )  # fmt: skip


def _file(text: str = SENTENCE, key: str = "1", **kw: Any) -> AttachmentCapture:
    data = text.encode("utf-8")
    values = dict(
        site="tinh-a", article_key=key, url=URL, fetched_url=URL,
        fetched_at="2025-01-02T08:01:00+07:00", fetch="ok", http_status=200,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type="application/pdf",
        filename="qd-253.pdf", kind="pdf", text=text, text_status="ok",
    )  # fmt: skip
    values.update(kw)
    return AttachmentCapture(**values)


@pytest.fixture
def archive(tmp_path: Path, backend: str | None):
    with Archive.open(tmp_path / "data") as opened:
        yield opened


def test_a_sentence_inside_the_file_finds_the_article(archive: Archive) -> None:
    archive.record(_article(), None)
    assert search(archive, "ngu dan sau bao Yagi").hits == []
    assert archive.record_attachment(_file(), None) == "new"
    for query, exact in (("ngư dân sau bão Yagi", True), ("ngu dan sau bao yagi", False)):
        hits = search(archive, f'"{query}"', exact=exact, sites="tinh-a", author="thanh ha").hits
        assert [h.id for h in hits] == ["tinh-a:1"]
        assert hits[0].attachment == "qd-253.pdf"  # the snippet is cut from the file
        assert "[ngư] [dân] [sau] [bão] [Yagi]" in hits[0].snippet
    assert search(archive, "ngu dan", sites="other").hits == []  # the article's facets
    assert search(archive, "ngu dan", date_to="2024-12-31").hits == []


def test_same_bytes_no_new_version_other_bytes_a_new_one(archive: Archive) -> None:
    archive.record(_article(), None)
    assert archive.record_attachment(_file(), None) == "new"
    assert archive.record_attachment(_file(), None) == "unchanged"
    replaced = "Văn bản thay thế: mức hỗ trợ mới cho hộ nghèo."
    assert archive.record_attachment(_file(replaced), None) == "updated"
    (listed,) = archive.attachments_of([1])[1]
    assert (listed["versions"], listed["number"], listed["filename"]) == (2, 2, "qd-253.pdf")
    assert archive.attachment_version(listed["attachment_id"], 1)["text"] == SENTENCE
    # search holds the newest text only, also after a rebuild of the index
    for _ in range(2):
        assert [h.id for h in search(archive, "ho ngheo").hits] == ["tinh-a:1"]
        assert search(archive, "bao yagi").hits == []
        archive.reindex_search()


def test_a_new_article_version_keeps_its_files_text(archive: Archive) -> None:
    archive.record(_article(), None)
    archive.record_attachment(_file(), None)
    assert archive.record(_article(body="Nội dung đã sửa."), None) == "updated"
    assert [h.id for h in search(archive, "bao yagi").hits] == ["tinh-a:1"]
    # a version that no longer links the file no longer finds it
    assert archive.record(_article(attachments=[], body="Bỏ tệp."), None) == "updated"
    assert search(archive, "bao yagi").hits == []


def test_one_file_linked_from_two_articles(archive: Archive) -> None:
    archive.record(_article("1"), None)
    archive.record(_article("2", body="Bài thứ hai."), None)
    assert archive.record_attachment(_file(key="1"), None) == "new"
    assert archive.record_attachment(_file(key="2"), None) == "unchanged"
    assert sorted(h.id for h in search(archive, "bao yagi").hits) == ["tinh-a:1", "tinh-a:2"]
    assert archive.linked_attachment_urls("tinh-a", "2") == [URL]


def test_a_batch_of_fetches_answers_as_one_by_one_would(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.attachments as attachments_module

    other = "https://tinh-a.gov.vn/files/phu-luc.pdf"
    archive.record(_article("1", attachments=[URL, other]), None)
    archive.record(_article("2", body="Bài thứ hai."), None)
    annex = "Phụ lục kèm theo: danh sách hộ nghèo được hỗ trợ."
    rewritten: list[int] = []
    real = attachments_module.reindex_article
    monkeypatch.setattr(
        attachments_module, "reindex_article", lambda conn, a: rewritten.append(a) or real(conn, a)
    )
    batch = [
        _file(key="1"),
        _file(annex, key="1", url=other, fetched_url=other, filename="phu-luc.pdf"),
        _file(key="2"),  # the same bytes, now linked from a second article
        _file(key="1"),  # fetched again in the same batch: no new version
    ]
    assert archive.record_attachments(batch, None) == ["new", "new", "unchanged", "unchanged"]
    assert sorted(rewritten) == [1, 2]  # each article's document rewritten once, not per file
    assert sorted(h.id for h in search(archive, "bao yagi").hits) == ["tinh-a:1", "tinh-a:2"]
    assert [h.id for h in search(archive, '"danh sách hộ nghèo"', exact=True).hits] == ["tinh-a:1"]
    assert archive.linked_attachment_urls("tinh-a", "1") == [URL, other]


def test_has_attachments_per_site(archive: Archive) -> None:
    archive.record(_article(), None)
    assert not archive.has_attachments("tinh-a")
    archive.record_attachment(_file(fetch="failed", note="timeout"), None)  # a row, no version
    assert archive.has_attachments("tinh-a") and not archive.has_attachments("tinh-b")


def test_a_batch_with_one_bad_fetch_stores_none_of_it(archive: Archive) -> None:
    archive.record(_article(), None)
    with pytest.raises(ValueError):
        archive.record_attachments([_file(), _file(fetch="fetched")], None)
    assert archive.attachments_of([1])[1] == []
    assert search(archive, "bao yagi").hits == []


def test_a_file_past_the_cap_is_noted_not_stored(archive: Archive) -> None:
    archive.record(_article(), None)
    note = "not fetched: larger than 1,000 bytes (LUUTRU_ATTACHMENT_MAXSIZE)"
    skipped = AttachmentCapture("tinh-a", "1", URL, URL, "2025-01-02T08:01:00+07:00",
                                "too_large", note=note)  # fmt: skip
    assert archive.record_attachment(skipped, None) == "too_large"
    (listed,) = archive.attachments_of([1])[1]
    assert (listed["versions"], listed["number"], listed["note"]) == (0, None, note)
    with pytest.raises(ValueError):
        archive.record_attachment(_file(fetch="fetched"), None)


# ---------------------------------------------------------------- the spider


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, n: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + n


def test_files_off_the_portal_are_not_requested() -> None:
    from scrapy.settings import Settings

    from crawler import settings as project_settings
    from crawler.spiders.attachment_fetch import AttachmentFetch

    class Spider(AttachmentFetch):
        pass

    spider = Spider()
    spider.site_id, spider.check_articles = "tinh-a", 0
    spider.allowed_domains = ["tinh-a.gov.vn", "storage.tinh-a.gov.vn"]
    spider.origins = {"tinh-a.gov.vn": ("https", "tinh-a.gov.vn")}
    archive = type("A", (), {"attachment_state": lambda self, site, url: None})()
    spider.session = type("S", (), {"is_open": True, "archive": archive, "files_known": True})()
    stats = _Stats()
    spider.crawler = type("C", (), {"settings": Settings(vars(project_settings)), "stats": stats})()
    spider.logger = __import__("logging").getLogger("test")
    links = [
        "https://www.tinh-a.gov.vn/files/a.pdf",
        "https://storage.tinh-a.gov.vn/b.docx",
        "https://cdn.example.com/c.pdf",  # another host
        "https://xa.tinh-a.gov.vn/d.pdf",  # a subdomain is another portal
        "https://tinh-a.gov.vn/files/slides.pptx",  # listed, not fetched
        "https://www.tinh-a.gov.vn/files/a.pdf",  # once per run
    ]
    requests = list(spider.attachment_requests(_article(attachments=links)))
    assert [r.url for r in requests] == links[:2]
    # a link an earlier run stored under http:// is asked for where the portal answers now
    # (https), and keeps its identity
    old = "http://tinh-a.gov.vn/files/cu.pdf"
    (moved,) = spider._attachment_requests("1", [old])
    assert (moved.url, moved.cb_kwargs["link"]) == ("https://tinh-a.gov.vn/files/cu.pdf", old)
    assert moved.meta["attachment_url"] == old
    assert requests[0].meta["download_maxsize"] == 50 * 1024 * 1024
    assert stats.values == {"luutru/attachments_offsite": 2, "luutru/attachments_requested": 3}


def test_a_known_file_is_asked_for_conditionally_unless_the_site_had_no_files() -> None:
    from scrapy.settings import Settings

    from crawler import settings as project_settings
    from crawler.spiders.attachment_fetch import AttachmentFetch

    asked: list[str] = []

    def state(_self: Any, site: str, url: str) -> dict:
        asked.append(url)
        return {"etag": '"v1"', "last_modified": None}

    for files_known, expected in ((True, b'"v1"'), (False, None)):
        spider = type("Spider", (AttachmentFetch,), {})()
        spider.site_id, spider.check_articles = "tinh-a", 0
        spider.allowed_domains = ["tinh-a.gov.vn"]
        spider.origins = {}
        archive = type("A", (), {"attachment_state": state})()
        spider.session = type(
            "S", (), {"is_open": True, "archive": archive, "files_known": files_known}
        )()
        settings = Settings(vars(project_settings))
        spider.crawler = type("C", (), {"settings": settings, "stats": _Stats()})()
        spider.logger = __import__("logging").getLogger("test")
        asked.clear()
        (request,) = spider.attachment_requests(_article())
        assert request.headers.get("If-None-Match") == expected
        assert asked == ([URL] if files_known else [])


# ---------------------------------------------------------------- crawling the demo portal


def _crawl(base: str, data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "luutru", "crawl", "demo-aspnet", "--base-url", base,
         "--data", str(data), "-s", "LOG_LEVEL=WARNING", "--quiet", *extra],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUTF8": "1"},
    )  # fmt: skip


def _with_files(truth: list[dict], ext: str) -> list[dict]:
    return [
        t for t in truth
        if t["site"] == "demo-aspnet" and t["status"] == "live"
        and any(u.endswith(ext) for u in t["attachments"])
    ]  # fmt: skip


def _warc_records(data: Path) -> list[tuple[str, str, str | None]]:
    from warcio.archiveiterator import ArchiveIterator

    out = []
    for path in sorted((data / "warc").rglob("*.warc.gz")):
        with path.open("rb") as f:
            for rec in ArchiveIterator(f):
                out.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                            rec.rec_headers.get_header("WARC-Profile")))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, backend_module: str | None) -> dict:
    data = tmp_path_factory.mktemp("attachments")
    with DemoPortal(articles=80, epoch=0, port=0) as portal:
        first = _crawl(portal.base_url, data)
        truth0 = portal.truth()
        warc0 = _warc_records(data)
        portal.epoch = 1  # a third of the files are replaced under the same URL
        second = _crawl(portal.base_url, data, "--full")
        truth1 = portal.truth()
    return {"data": data, "runs": (first, second), "truth": (truth0, truth1), "warc0": warc0,
            "warc": _warc_records(data)}  # fmt: skip


@pytest.mark.slow
def test_crawl_archives_files_and_search_finds_a_sentence_in_a_pdf(crawled: dict) -> None:
    for run in crawled["runs"]:
        assert run.returncode == 0, run.stderr[-2000:]
    data, (truth, _) = crawled["data"], crawled["truth"]
    article = _with_files(truth, ".pdf")[0]
    pdf = next(u for u in article["attachments"] if u.endswith(".pdf"))
    sentence = document_text(urlsplit(pdf).path)[2]  # "Quyết định số …", unique to the file
    found = subprocess.run(
        [sys.executable, "-m", "luutru", "search", f'"{sentence}"', "--format", "json",
         "--exact", "--data", str(data)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONUTF8": "1"},
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert f"demo-aspnet:{article['key']}" in {h["id"] for h in hits}
    assert {h["attachment"] for h in hits} == {pdf.rsplit("/", 1)[-1]}
    # the file's response and request records are in the first run's WARC
    kinds = {t for t, uri, _ in crawled["warc0"] if uri == pdf}
    assert kinds >= {"response", "request", "metadata"}


@pytest.mark.slow
def test_a_replaced_file_is_a_new_version_an_unchanged_one_a_revisit(crawled: dict) -> None:
    before, after = ({u for t in _with_files(truth, "") for u in t["attachments"]}
                     for truth in crawled["truth"])  # fmt: skip
    files = sorted(before | after)
    texts = [u for u in files if u.endswith((".pdf", ".docx", ".xlsx"))]

    def replaced(url: str) -> bool:  # linked in both epochs, its bytes changed in epoch 1
        return url in before and url in after and revised(urlsplit(url).path)

    assert texts and any(replaced(u) for u in texts)
    with Archive.open(crawled["data"]) as archive:
        linked = archive.attachments_of(a["article_id"] for a in archive.articles())
    stored = {f["url"]: f for files_ in linked.values() for f in files_}
    assert set(stored) == set(files)
    for url in texts:
        assert stored[url]["versions"] == (2 if replaced(url) else 1), url
        assert stored[url]["text_status"] == "ok"
    unchanged = next(u for u in texts if u in before and u in after and not replaced(u))
    second_run = crawled["warc"][len(crawled["warc0"]) :]  # files are named by run
    assert ("revisit", unchanged) in {(t, uri) for t, uri, _ in second_run}
    assert any(stored[u]["text_status"] == "no_extractor" for u in files if u.endswith(".doc"))


@pytest.mark.slow
def test_the_size_cap_skips_and_counts(tmp_path: Path, backend: str | None) -> None:
    data = tmp_path / "data"
    big = (".pdf", ".docx", ".xlsx")  # the demo's are 1.2 to 3 kB; its .doc/.xls smaller
    with DemoPortal(articles=80, epoch=0, port=0) as portal:
        run = _crawl(portal.base_url, data, "-s", "LUUTRU_ATTACHMENT_MAXSIZE=1000")
        served = [p for _m, p, _s in portal.requests if p.endswith(big)]
    assert run.returncode == 0, run.stderr[-2000:]
    with Archive.open(data) as archive:
        (last,) = archive.runs("demo-aspnet", limit=1)
        linked = archive.attachments_of(a["article_id"] for a in archive.articles())
    files = [f for files_ in linked.values() for f in files_]
    skipped = [f for f in files if f["url"].endswith(big)]
    assert skipped and all(f["versions"] == 0 for f in skipped)
    assert all("larger than 1,000 bytes" in f["note"] for f in skipped)
    assert last["stats"]["luutru/attachments_too_large"] == len(skipped), last["stats"]
    assert sorted(served) == sorted(urlsplit(f["url"]).path for f in skipped)  # once each
    small = [f for f in files if not f["url"].endswith(big)]
    assert small and all(f["versions"] == 1 for f in small)  # under the cap: kept


@pytest.mark.slow
def test_the_article_page_lists_files_and_serves_them_as_downloads(
    crawled: dict, backend_module: str | None
) -> None:
    from fastapi.testclient import TestClient

    from luutru.web.app import create_app
    from luutru.web.settings import WebSettings

    article = _with_files(crawled["truth"][0], ".pdf")[0]
    pdf = next(u for u in article["attachments"] if u.endswith(".pdf"))
    app = create_app(WebSettings(data=str(crawled["data"]), db=backend_module))
    with TestClient(app) as client:
        page = client.get(f"/articles/demo-aspnet:{article['key']}")
        assert page.status_code == 200
        files = client.get(f"/api/articles/demo-aspnet:{article['key']}/attachments").json()
        (listed,) = [f for f in files if f["url"] == pdf]
        assert listed["href"] in page.text and listed["name"] in page.text
        got = client.get(listed["href"])
        assert got.status_code == 200
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in got.headers["content-security-policy"]
        assert filetext.extract(got.content, "pdf").text == "\n".join(
            document_text(urlsplit(pdf).path, listed["number"] - 1)
        )
        assert hashlib.sha256(got.content).hexdigest() == listed["sha256"]
        assert client.get("/files/999999/1").status_code == 404
        sentence = document_text(urlsplit(pdf).path)[2]
        found = client.get("/search", params={"q": f'"{sentence}"', "exact": "1"})
        assert "in-file" in found.text and listed["name"] in found.text


def test_exports_list_each_articles_files(archive: Archive, tmp_path: Path) -> None:
    from archive.export import rows
    from archive.tabular import write_parquet

    archive.record(_article(), None)
    archive.record(_article("2", attachments=[]), None)
    archive.record_attachment(_file(), None)
    by_id = {r["id"]: r for r in rows(archive)}
    assert by_id["tinh-a:2"]["attachment_files"] == []
    (listed,) = by_id["tinh-a:1"]["attachment_files"]
    assert listed == {
        "url": URL, "filename": "qd-253.pdf", "kind": "pdf", "size": len(SENTENCE.encode()),
        "sha256": _file().sha256, "version": 1, "text_status": "ok",
    }  # fmt: skip
    import pyarrow.parquet as pq

    out = tmp_path / "x.parquet"
    write_parquet(list(by_id.values()), out, list(by_id["tinh-a:1"]))
    table = pq.read_table(out).to_pylist()
    assert [r["attachment_files"] for r in table if r["id"] == "tinh-a:1"] == [[listed]]


def test_a_pdf_that_needs_a_password_is_failed_with_a_note() -> None:
    data = (Path(__file__).parent / "fixtures/files/2026-12-05_encrypted-aes128.pdf").read_bytes()
    got = filetext.extract(data, "pdf")
    assert (got.kind, got.status, got.text) == ("pdf", "failed", None)
    assert got.note == "ValueError: encrypted PDF (a password is needed)"


def test_pdf_pages_come_out_in_order_one_line_break_each() -> None:
    lines = [f"Trang {n // 40 + 1}, dòng {n}" for n in range(120)]  # 3 pages
    got = filetext.extract(pdf_bytes(lines), "pdf")
    assert got.status == "ok" and got.text == "\n".join(lines)
