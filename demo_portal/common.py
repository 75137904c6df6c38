"""Rendering helpers shared by the portal families: text encodings, date lines, replies."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html.entities import codepoint2name
from itertools import count

from . import documents
from .content import (
    AUTHOR_BARE,
    AUTHOR_SOURCE,
    AUTHOR_TACGIA,
    AUTHOR_TINANH,
    LF,
    WEEKDAYS,
    Article,
    Site,
)

_hits = count(4_798_809)


def visitor_numbers() -> tuple[str, str]:
    """(online, total) visitor counters; different on every call."""
    total = next(_hits) * 3 + random.randint(1, 2)
    online = random.randint(20, 900)
    return str(online), f"{total:,}".replace(",", ".")


def token(nbytes: int = 48) -> str:
    return base64.b64encode(os.urandom(nbytes)).decode("ascii")


def encode_text(text: str, mode: str, rng: random.Random, nbsp: bool = True) -> str:
    """Escape ``text`` for HTML using one of the quirky encodings (truth stays clean NFC)."""
    out = html.escape(text, quote=False)
    if nbsp:
        words = out.split(" ")
        out = words[0]
        for w in words[1:]:
            r = rng.random()
            out += ("&nbsp;" if r < 0.04 else "&nbsp; " if r < 0.06 else " ") + w
        if rng.random() < 0.5:
            out += "&nbsp;"
    if mode == "nfd":
        return unicodedata.normalize("NFD", out)
    if mode == "ncr":
        return "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in out)
    if mode == "named":
        return "".join(
            f"&{codepoint2name[ord(c)]};" if 127 < ord(c) < 256 and ord(c) in codepoint2name else c
            for c in out
        )
    return out


def ddmmyyyy(a: Article) -> str:
    return a.published.strftime("%d/%m/%Y")


def date_line(a: Article) -> str:
    p = a.published
    d = p.strftime("%d/%m/%Y")
    ampm = p.strftime("%I:%M %p")
    if a.site == LF:
        return [f"{d} | {ampm}", f"Ngày đăng {d} | {ampm}", f"Ngày đăng {d}",
                f"{d} - {p:%H:%M}"][a.date_style]  # fmt: skip
    wd = WEEKDAYS[p.weekday()]
    sa = f"{p:%I:%M} {'SA' if p.hour < 12 else 'CH'}"
    return [f"Ngày cập nhật {d}", f"Cập nhật lúc {sa}, {wd}, {d}", f"{wd}, {d} {p:%H:%M}",
            f"(Ngày {d})", f"Ngày đăng {d}"][a.date_style]  # fmt: skip


def paragraph_html(a: Article, idx: int, href_prefix: str = "") -> str:
    rng = random.Random(f"{a.site}:{a.id}:{idx}")
    parts = []
    for seg in a.paras[idx]:
        if seg[0] == "a":
            label = encode_text(seg[2], a.encoding, rng, nbsp=False)
            parts.append(f'<a href="{href_prefix}{seg[1]}">{label}</a>')
        else:
            parts.append(encode_text(seg[1], a.encoding, rng, nbsp=len(a.paras[idx]) == 1))
    style = ' style="text-align: justify;"' if idx % 2 == 0 else ""
    return f"<p{style}>{''.join(parts)}</p>"


def body_html(a: Article) -> str:
    return "\n".join(paragraph_html(a, i) for i in range(len(a.paras)))


def author_html(a: Article, layout: int) -> str:
    rng = random.Random(f"{a.site}:{a.id}:author")

    def enc(t: str) -> str:
        return encode_text(t, a.encoding, rng, nbsp=False)

    if a.author_form == AUTHOR_SOURCE:
        inner = enc(f"(Nguồn: {a.source})")
    elif a.author_form == AUTHOR_TACGIA:
        inner = enc(f"Tác giả: {a.author}")
    elif a.author_form == AUTHOR_TINANH:
        inner = enc(f"Tin, ảnh: {a.author}")
    else:
        assert a.author_form == AUTHOR_BARE
        inner = enc(a.author or "")
    if layout == 2:
        return f'<div class="tac-gia">{inner}</div>'
    if a.author_form == AUTHOR_SOURCE:
        return f'<p style="text-align: right;"><em>{inner}</em></p>'
    return f'<p style="text-align: right;"><strong>{inner}</strong></p>'


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def lead_html(a: Article) -> str:
    return encode_text(a.lead, a.encoding, random.Random(f"{a.site}:{a.id}:lead"))


# ---------------------------------------------------------------- opt-in families

HTML = "text/html; charset=utf-8"
WEEKDAYS_LOWER = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
CTYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
}
# A 1x1 JPEG, served for every image the opt-in families show.
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJ"
    "DRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k="
)


@dataclass
class Reply:
    """One answer of an opt-in family's router; the server sends it.

    With ``article`` set the server applies the per-article plumbing: the transient first-hit
    503 of flaky articles and, when ``etag``/``modified`` are set, conditional GET (304)."""

    status: int
    body: str | bytes = b""
    ctype: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    article: Article | None = None
    etag: str | None = None
    modified: datetime | None = None


@dataclass(frozen=True)
class View:
    """What a router of an opt-in family needs: its site, the layout, the portal's base URL."""

    site: Site
    layout: int
    base: str  # "http://127.0.0.1:8765"
    files: frozenset[str] = frozenset()


def redirect(location: str, status: int = 301) -> Reply:
    body = f'<html><body>Moved: <a href="{esc(location)}">{esc(location)}</a></body></html>'
    return Reply(status, body, headers={"Location": location})


def fake_file(path: str, epoch: int = 0) -> Reply:
    """An attached file: a real PDF, DOCX or XLSX whose text depends on the path and the epoch
    (demo_portal/documents.py), a Word 97 container with no text, or placeholder bytes."""
    ext = path.rsplit(".", 1)[-1].lower()
    if ext == "jpg":
        return Reply(200, TINY_JPEG, CTYPES["jpg"])
    if ext == "pdf":
        data = documents.pdf_bytes(documents.document_text(path, epoch))
    elif ext == "docx":
        data = documents.docx_bytes(documents.document_text(path, epoch))
    elif ext == "xlsx":
        data = documents.xlsx_bytes(documents.document_text(path, epoch))
    elif ext == "doc":  # an OLE compound file header: a real .doc is read by nothing here
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + path.encode()
    else:
        data = b"DEMO-ATTACHMENT " + path.encode() + b"\n"
    return Reply(200, data, CTYPES.get(ext, "application/octet-stream"))


def etag_for(*parts: object) -> str:
    return '"' + hashlib.sha1(repr(parts).encode("utf-8")).hexdigest()[:20] + '"'


def encoder(a: Article, what: str) -> Callable[[str], str]:
    """Encode short texts of ``a`` (bylines, captions, cells) in its quirky encoding."""
    rng = random.Random(f"{a.site}:{a.id}:{what}")
    return lambda t: encode_text(t, a.encoding, rng, nbsp=False)
