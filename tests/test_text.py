from __future__ import annotations

import unicodedata

from crawler.extract.vietnamese.text import normalize_multiline, normalize_text


def test_nfd_becomes_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    assert nfd != "Nguyễn Thị Ánh Tuyết"
    assert normalize_text(nfd) == "Nguyễn Thị Ánh Tuyết"


def test_numeric_and_named_entities():
    assert normalize_text("T&#7893;ng k&#7871;t &agrave; &#x1EA1;") == "Tổng kết à ạ"


def test_double_escaped_entity():
    assert normalize_text("h&amp;#7897;i ngh&amp;#7883;") == "hội nghị"


def test_nbsp_and_unicode_spaces():
    assert normalize_text("a\u00a0b&nbsp;c\u2009d\u3000e") == "a b c d e"


def test_zero_width_removed():
    assert normalize_text("Hà\u200b Nội\ufeff") == "Hà Nội"


def test_whitespace_collapsed_and_stripped():
    assert normalize_text("  \t a \n\n  b\r\n ") == "a b"


def test_empty_and_none():
    assert normalize_text("") == ""
    assert normalize_text(None) == ""
    assert normalize_multiline(None) == ""


def test_multiline_keeps_paragraphs():
    text = "  Đoạn\u00a0một\ndòng tiếp \n\n\n  Đoạn   hai \n \n"
    assert normalize_multiline(text) == "Đoạn một dòng tiếp\n\nĐoạn hai"


def test_multiline_nfc():
    out = normalize_multiline(unicodedata.normalize("NFD", "Việt\n\nNam"))
    assert out == "Việt\n\nNam"
    assert unicodedata.is_normalized("NFC", out)
