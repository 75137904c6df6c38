"""A UTF-8 page is parsed from its bytes as they came (crawler/extract/page.py
``_parsed_utf8``) only when that gives the tree the way through ``decode_html`` gives;
every other page takes that way."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from crawler.extract.page import _parsed_utf8, decode_html, make_selector

HERE = Path(__file__).parent
PAGES = sorted(HERE.joinpath("pages").rglob("*.htm*")) + sorted(
    HERE.joinpath("fixtures", "vn-portals").glob("*.htm*")
)
PAGE = "<html><head><title>Sở Y tế</title></head><body><p>Hà Nội, ngày 24/01/2021</p></body></html>"


def _tree(sel) -> bytes:
    return etree.tostring(sel.root, encoding="utf-8")


def _the_long_way(raw: bytes, encoding: str = "utf-8") -> bytes:
    """The tree built from the decoded text, as every page was parsed before."""
    return _tree(make_selector(decode_html(raw, encoding), encoding))


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.name)
def test_a_frozen_page_gives_the_same_tree_either_way(path: Path) -> None:
    raw = path.read_bytes()
    assert _tree(make_selector(raw, "utf-8")) == _the_long_way(raw)


def test_frozen_utf8_pages_do_take_the_short_way() -> None:
    short = [path for path in PAGES if _parsed_utf8(path.read_bytes()) is not None]
    assert len(short) >= len(PAGES) - 2 >= 20


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbf" + PAGE.encode(),  # a BOM
        b" \r\n\t" + PAGE.encode() + b"\n\n",  # blanks around the markup
    ],
    ids=["bom", "blanks"],
)
def test_what_the_long_way_strips_is_stripped(raw: bytes) -> None:
    assert _parsed_utf8(raw) is not None
    assert _tree(make_selector(raw, "utf-8")) == _the_long_way(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'<?xml version="1.0" encoding="utf-8"?>' + PAGE.encode(),  # removed on the way
        PAGE.encode().replace(b"<p>", b"<p>\x00"),  # NULs are removed on the way
        PAGE.encode() + " – tin cũ".encode(),  # text after the markup
        "\u00a0".encode() + PAGE.encode(),  # a space Python strips and bytes.strip does not
        PAGE.encode()[:-20] + b"\xe2\x80" + PAGE.encode()[-20:],  # a cut character
        PAGE.encode()[:-20] + b"\xed\xa0\x80" + PAGE.encode()[-20:],  # a surrogate
    ],
    ids=["xml-declaration", "nul", "trailing-text", "nbsp", "cut-character", "surrogate"],
)
def test_anything_else_takes_the_long_way(raw: bytes) -> None:
    assert _parsed_utf8(raw) is None
    assert _tree(make_selector(raw, "utf-8")) == _the_long_way(raw)


def test_windows_1258_bytes_under_a_utf8_header_are_read_by_their_meta_charset() -> None:
    from demo_portal.misbehave import encode_cp1258

    html = PAGE.replace("<head>", '<head><meta charset="windows-1258">')
    raw = encode_cp1258(html)
    assert _parsed_utf8(raw) is None
    assert make_selector(raw, "utf-8").xpath("string(//p)").get() == "Hà Nội, ngày 24/01/2021"


def test_an_invalid_byte_past_libxml2s_hundredth_error_is_not_trusted() -> None:
    # libxml2 reports 100 errors, then nothing: the byte at the end goes unreported.
    noisy = b"<html><body>" + b"<p>a</x>" * 150 + b"<p>\xff</p></body></html>"
    parser = etree.HTMLParser(recover=True, encoding="utf-8")
    etree.fromstring(noisy, parser=parser)
    assert len(parser.error_log) == 100
    assert not any(e.type == etree.ErrorTypes.ERR_INVALID_ENCODING for e in parser.error_log)
    assert _parsed_utf8(noisy) is None


def test_other_encodings_and_text_take_the_long_way() -> None:
    raw = PAGE.encode()
    assert _tree(make_selector(raw, "windows-1252")) == _the_long_way(raw, "windows-1252")
    assert _tree(make_selector(PAGE, "utf-8")) == _the_long_way(raw)
