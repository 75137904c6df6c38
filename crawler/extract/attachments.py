"""Files an article links to (decisions, plans, reports): pdf, doc(x), xls(x), odt, ppt(x), zip."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from bs4 import Tag
from w3lib.url import safe_url_string

ATTACHMENT_EXTENSIONS = (
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".ppt", ".pptx", ".zip", ".rar",
)  # fmt: skip


def attachments(container: Tag, url: str) -> list[str]:
    """Absolute URLs of the links under ``container`` whose path, or a query value (a
    download handler's ``?file=…``), ends with an attachment extension; in page order."""
    found: list[str] = []
    for link in container.find_all("a", href=True):
        href = str(link["href"]).strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        absolute = safe_url_string(urljoin(url, href))
        parts = urlsplit(absolute)
        values = [unquote(parts.path)] + [v for _, v in parse_qsl(parts.query)]
        if any(v.lower().endswith(ATTACHMENT_EXTENSIONS) for v in values) and (
            absolute not in found
        ):
            found.append(absolute)
    return found
