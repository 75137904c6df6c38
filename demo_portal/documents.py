"""Real attached files for the demo portal: small PDFs and DOCX made in code, deterministic.

Each file's text is a function of its path and the portal's epoch (``document_text``), so
tests know what a search must find. Some files are revised in epoch 1 (``revised``): the
same URL then serves other bytes, which the archive must keep as a new version.

The PDF is written by hand (PDF 1.4, one Helvetica page per 40 lines, an xref table with
exact offsets). Helvetica's encoding has no Vietnamese letters, so each one gets a code of
its own (``/Differences``) and a ``/ToUnicode`` map: text extraction (pypdf, pdftotext)
reads the exact Vietnamese text; a viewer shows the glyphs Helvetica has. The DOCX is the
three parts Word needs and the XLSX the five Excel needs, zipped with a fixed
timestamp (python-docx and openpyxl read them).
"""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO
from xml.sax.saxutils import escape

_ORGS = ("UBND tỉnh Hòa An", "Sở Lao động - Thương binh và Xã hội", "Sở Thông tin và Truyền thông")
_SUBJECTS = (
    "hỗ trợ người lao động mất việc làm do thiên tai",
    "chuyển đổi số trong cơ quan hành chính nhà nước",
    "bảo hiểm xã hội tự nguyện cho lao động tự do",
    "đào tạo nghề cho thanh niên vùng đồng bào dân tộc thiểu số",
    "cải cách thủ tục hành chính năm 2024",
)
_LINES_PER_PAGE = 40


def _digest(path: str) -> int:
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:8], "big")


def revised(path: str) -> bool:
    """Files whose content changes in epoch 1 (about a third, chosen by path)."""
    return _digest(path) % 3 == 0


def document_text(path: str, epoch: int = 0) -> list[str]:
    """The lines of the file at ``path`` in ``epoch``; the third line is unique to it."""
    d = _digest(path)
    name = path.rsplit("/", 1)[-1].rsplit("=", 1)[-1]
    org = _ORGS[d % len(_ORGS)]
    subject = _SUBJECTS[(d >> 8) % len(_SUBJECTS)]
    number = 100 + d % 900
    amount = 2 + (d >> 16) % 17
    lines = [
        f"{org.upper()}",
        f"Văn bản {name}",
        f"Quyết định số {number}/QĐ-UBND quy định mức hỗ trợ {amount} triệu đồng "
        f"cho mỗi hộ gia đình về {subject}.",
        "Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng của quyết định này.",
        "Điều 2. Các sở, ban, ngành và Ủy ban nhân dân cấp huyện chịu trách nhiệm thi hành.",
    ]
    if epoch >= 1 and revised(path):
        lines.append(
            f"Sửa đổi lần thứ nhất: nâng mức hỗ trợ lên {amount + 3} triệu đồng từ ngày ký."
        )
    return lines


def pdf_bytes(lines: list[str]) -> bytes:
    """A valid PDF 1.4 showing ``lines``, with a text layer that reads back exactly."""
    specials = sorted({c for line in lines for c in line if ord(c) > 126})
    if len(specials) > 128:
        raise ValueError("more than 128 distinct non-ASCII characters")
    codes = {c: 128 + i for i, c in enumerate(specials)}

    def pdf_string(line: str) -> str:
        out = []
        for c in line:
            if c in codes:
                out.append(f"\\{codes[c]:03o}")
            elif c in "()\\":
                out.append("\\" + c)
            else:
                out.append(c)
        return "(" + "".join(out) + ")"

    pages = [lines[i : i + _LINES_PER_PAGE] for i in range(0, len(lines), _LINES_PER_PAGE)]
    pages = pages or [[]]
    differences = " ".join(f"/uni{ord(c):04X}" for c in specials)
    cmap_lines = "\n".join(f"<{codes[c]:02X}> <{ord(c):04X}>" for c in specials)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Luutru-Demo def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        "1 beginbfrange <20> <7E> <0020> endbfrange\n"
        f"{len(specials)} beginbfchar\n{cmap_lines}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    n_pages = len(pages)
    # objects: 1 catalog, 2 pages, 3 font, 4 ToUnicode, then (page, content) pairs
    objects: list[bytes] = []
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(
        (
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
            f"/BaseEncoding /WinAnsiEncoding /Differences [128 {differences}] >> "
            "/ToUnicode 4 0 R >>"
        ).encode()
    )
    objects.append(_stream(cmap.encode("ascii")))
    for i, page in enumerate(pages):
        content = "BT /F1 11 Tf 14 TL 50 800 Td\n" + "".join(
            f"{pdf_string(line)} Tj T*\n" for line in page
        )
        content += "ET"
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {6 + 2 * i} 0 R >>"
            ).encode()
        )
        objects.append(_stream(content.encode("ascii")))
    out = BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


_DOCX_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" \
ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_DOCX_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="word/document.xml"/>
</Relationships>"""


def _zip(parts: list[tuple[str, str]]) -> bytes:
    """Zip ``parts`` with a fixed timestamp: the same parts give the same bytes."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def xlsx_bytes(lines: list[str]) -> bytes:
    """A minimal valid XLSX: one sheet, line n in cell An (inline strings), then its
    number in Bn; openpyxl reads it."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{escape(line)}</t></is></c>'
        f'<c r="B{n}"><v>{n}</v></c></row>'
        for n, line in enumerate(lines, start=1)
    )
    return _zip(
        [
            (
                "[Content_Types].xml",
                f'{_XML}<Types xmlns="{_PKG}/content-types">'
                f'<Default Extension="rels" ContentType="{_PKG[:-5]}-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_XLSX_TYPE}.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" '
                f'ContentType="{_XLSX_TYPE}.worksheet+xml"/></Types>',
            ),
            (
                "_rels/.rels",
                f'{_XML}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
                f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            ),
            (
                "xl/workbook.xml",
                f'{_XML}<workbook xmlns="{_SHEET_NS}" xmlns:r="{_DOC}"><sheets>'
                '<sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>',
            ),
            (
                "xl/_rels/workbook.xml.rels",
                f'{_XML}<Relationships xmlns="{_PKG}/relationships"><Relationship Id="rId1" '
                f'Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
            ),
            (
                "xl/worksheets/sheet1.xml",
                f'{_XML}<worksheet xmlns="{_SHEET_NS}"><sheetData>{rows}</sheetData></worksheet>',
            ),
        ]
    )


def docx_bytes(lines: list[str]) -> bytes:
    """A minimal valid DOCX, one paragraph per line; the same lines give the same bytes."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>' for line in lines
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    return _zip(
        [
            ("[Content_Types].xml", _DOCX_TYPES),
            ("_rels/.rels", _DOCX_RELS),
            ("word/document.xml", document),
        ]
    )
