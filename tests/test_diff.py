"""Word-level version diffs for Vietnamese text (archive.diff)."""

from __future__ import annotations

import json
import unicodedata

from archive.diff import (
    FIELD_ORDER,
    FieldDiff,
    diff_text,
    diff_versions,
    render_text,
    to_json,
    tokenize,
)

BODY = (
    "Sáng ngày 24/11, Ủy ban nhân dân tỉnh tổ chức Hội nghị tổng kết công tác năm 2026.\n\n"
    "Đồng chí Chủ tịch Ủy ban nhân dân tỉnh chủ trì hội nghị."
)

V1 = {
    "title": "Hội nghị tổng kết công tác năm 2026",
    "date": "2026-11-24",
    "datetime": "2026-11-24T08:30:00+07:00",
    "author": "Minh Anh",
    "source": "Văn phòng UBND tỉnh",
    "summary": None,
    "category": "Tin hoạt động",
    "attachments": ["https://example.gov.vn/files/bao-cao.pdf"],
    "body": BODY,
}


def _by_field(diffs: list[FieldDiff]) -> dict[str, FieldDiff]:
    return {d.field: d for d in diffs}


def test_tokenize_round_trips_and_keeps_syllables() -> None:
    text = "Ủy ban  nhân dân (tỉnh), ngày 24/11.\n\nHết."
    toks = tokenize(text)
    assert "".join(toks) == text
    assert toks[:4] == ["Ủy", " ", "ban", "  "]
    assert "(" in toks and "," in toks and "/" in toks


def test_changed_syllable_is_exactly_deleted_and_inserted() -> None:
    v2 = dict(V1, body=BODY.replace("chủ trì", "chỉ đạo"))
    body = _by_field(diff_versions(V1, v2))["body"]
    assert body.changed
    edits = [(op, text) for op, text in body.ops if op != "equal"]
    assert edits == [("delete", "chủ trì"), ("insert", "chỉ đạo")]
    assert body.old_text() == BODY
    assert body.new_text() == v2["body"]

    ops = diff_text("tổng kết công tác năm 2026", "tổng kết công tác tháng 2026")
    assert ops == [
        ("equal", "tổng kết công tác "),
        ("delete", "năm"),
        ("insert", "tháng"),
        ("equal", " 2026"),
    ]


def test_nfd_vs_nfc_is_no_change() -> None:
    nfd = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v for k, v in V1.items()}
    assert nfd["body"] != V1["body"]
    diffs = diff_versions(V1, nfd)
    assert not any(d.changed for d in diffs)
    # Ops carry NFC text whatever the input form.
    assert _by_field(diffs)["body"].ops == [("equal", BODY)]


def test_changed_fields_come_first_in_field_order() -> None:
    v2 = dict(V1, body=BODY + " Hết.", title="Tổng kết năm 2026", author="Thu Hà")
    diffs = diff_versions(V1, v2)
    assert [d.field for d in diffs] == [
        "title",
        "author",
        "body",
        "date",
        "datetime",
        "source",
        "summary",
        "category",
        "attachments",
    ]
    assert [d.changed for d in diffs] == [True] * 3 + [False] * 6


def test_added_paragraph_is_an_insert() -> None:
    extra = "Hội nghị có 200 đại biểu tham dự.\n\n"
    first, second = BODY.split("\n\n")
    v2 = dict(V1, body=f"{first}\n\n{extra}{second}")
    body = _by_field(diff_versions(V1, v2))["body"]
    assert body.ops == [("equal", first + "\n\n"), ("insert", extra), ("equal", second)]


def test_identical_versions_all_unchanged() -> None:
    diffs = diff_versions(V1, dict(V1))
    assert [d.field for d in diffs] == list(FIELD_ORDER)
    assert not any(d.changed for d in diffs)
    assert render_text(diffs) == "unchanged: " + ", ".join(FIELD_ORDER) + "\n"


def test_lists_compare_as_lines_and_none_is_empty() -> None:
    v2 = dict(V1, attachments=[*V1["attachments"], "https://example.gov.vn/files/ke-hoach.docx"])
    v2["summary"] = ""  # None -> "" is not an edit
    d = _by_field(diff_versions(V1, v2))
    assert not d["summary"].changed
    assert d["attachments"].changed
    assert d["attachments"].ops[-1] == ("insert", "\nhttps://example.gov.vn/files/ke-hoach.docx")


def test_render_text_word_diff_markup_and_color() -> None:
    v2 = dict(V1, title="Hội nghị tổng kết công tác tháng 2026", body=BODY + "\nHết.")
    diffs = diff_versions(V1, v2)
    plain = render_text(diffs)
    lines = plain.splitlines()
    assert lines[0] == "title: Hội nghị tổng kết công tác [-năm-]{+tháng+} 2026"
    assert lines[1] == "body:"
    assert "  Đồng chí Chủ tịch Ủy ban nhân dân tỉnh chủ trì hội nghị.{+" in lines
    assert lines[-1] == (
        "unchanged: date, datetime, author, source, summary, category, attachments"
    )
    assert "\x1b[" not in plain

    colored = render_text(diffs, color=True)
    assert "\x1b[31m[-năm-]\x1b[0m" in colored
    assert "\x1b[32m{+tháng+}\x1b[0m" in colored


def test_to_json_is_serialisable() -> None:
    v2 = dict(V1, title="Hội nghị tổng kết công tác tháng 2026")
    data = to_json(diff_versions(V1, v2))
    assert data[0] == {
        "field": "title",
        "changed": True,
        "ops": [
            {"op": "equal", "text": "Hội nghị tổng kết công tác "},
            {"op": "delete", "text": "năm"},
            {"op": "insert", "text": "tháng"},
            {"op": "equal", "text": " 2026"},
        ],
    }
    assert all(not d["changed"] for d in data[1:])
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
