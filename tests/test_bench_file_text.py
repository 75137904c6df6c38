"""bench/file_text.py: luutru's PDF reader against pypdf on the demo's decision PDFs."""

from __future__ import annotations

from bench import file_text
from bench.summary import _file_text
from crawler.extract import filetext
from demo_portal.documents import document_text


def test_the_sample_pdf_has_the_pages_asked_for_and_reads_back() -> None:
    got = filetext.extract(file_text.sample_pdf(3), "pdf")
    lines = got.text.split("\n")
    sentence = document_text("/lf/documents/10180/7/qd-12.pdf")[2]
    assert len(lines) == 3 * file_text.LINES_PER_PAGE
    assert lines[0] == f"{sentence} (0)" and lines[-1] == f"{sentence} (119)"


def test_a_run_times_every_file_and_the_summary_names_the_comparison() -> None:
    result = file_text.run(reps=1)
    assert [f["pages"] for f in result["files"]] == list(file_text.PAGES)
    for f in result["files"]:
        assert f["ms_best"]["luutru (pypdfium2)"] > 0
        assert f["chars"] > f["pages"] * file_text.LINES_PER_PAGE * 100
        if result["pypdf_installed"]:
            assert f["same_words"]
    (row,) = _file_text(result)
    assert row["metric"] == "attached PDF text, luutru (pypdfium2)"
    expected = "of pypdf" if result["pypdf_installed"] else "pypdf not run"
    assert expected in row["comparison"]
