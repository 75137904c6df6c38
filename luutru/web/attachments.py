"""Attached files on the web: the list beside an article, the archived bytes, the JSON.

``/files/{attachment}/{number}`` serves one archived version of a file from its WARC
record, always as a download (``Content-Disposition: attachment``) and with a
Content-Type from a short list of document types (anything else is
``application/octet-stream``), ``nosniff`` and a sandboxing CSP: a file from a portal
never renders as a page of ours. ``/api/articles/{id}/attachments`` lists the files of an
article with their versions' sha256, size, type and text status.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from archive.store import Archive
from luutru.web import service

router = APIRouter(tags=["api"])

SAFE_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}
FILE_CSP = "default-src 'none'; sandbox"


def _archive(request: Request) -> Archive:
    return request.app.state.archive


ArchiveDep = Annotated[Archive, Depends(_archive)]


def file_path(attachment_id: int, number: int) -> str:
    return f"/files/{int(attachment_id)}/{int(number)}"


def files_of(archive: Archive, ref: str) -> list[dict[str, Any]]:
    """The files of article ``ref``, each with a link to its newest archived version."""
    article = service.find_article(archive, ref)
    files = archive.attachments_of([article["article_id"]])[article["article_id"]]
    for f in files:
        f["href"] = file_path(f["attachment_id"], f["number"]) if f["number"] else None
        f["name"] = f["filename"] or f["url"].rsplit("/", 1)[-1]
    return files


@router.get("/api/articles/{article_id}/attachments")
def attachments_api(archive: ArchiveDep, article_id: str) -> list[dict[str, Any]]:
    """The files the article links to: URL, newest version (number, sha256, size, kind,
    content type, text status), how many versions, and why nothing was stored if so."""
    return files_of(archive, article_id)


@router.get("/files/{attachment_id}/{number}", include_in_schema=False)
def archived_file(
    request: Request, archive: ArchiveDep, attachment_id: int, number: int
) -> Response:
    version = archive.attachment_version(attachment_id, number)
    if version is None:
        raise service.NotFound(f"no version {number} of attached file {attachment_id}")
    captured = service.read_capture(request.app.state.settings.data, version)
    name = version["filename"] or "file"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return Response(
        captured.payload,
        media_type=SAFE_TYPES.get(version["kind"] or "", "application/octet-stream"),
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            ),
            "Content-Security-Policy": FILE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "public, max-age=86400, immutable",  # a version never changes
        },
    )
