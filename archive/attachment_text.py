"""The extracted text of an article's attached files, as search indexes and shows it.

An article's search document holds its body followed by the text of the newest version
of each file its version links to (``indexed_body``), so a sentence inside an attached PDF
finds the article with the article's own facets (site, date, author, category). Read by
archive/search_index.py (indexing), archive/attachment_index.py (re-indexing when a file
changes) and archive/search_hits.py (the snippet of a match found only in a file).
Reads only; imports no search module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, text

SEPARATOR = "\n\n"


def file_texts(conn: Connection, site: str, urls: Iterable[str]) -> list[tuple[str, str]]:
    """(file name, text) of the newest version of each of ``urls`` that has text, in the
    order given; files never fetched, or without text, are left out."""
    wanted = [u for u in dict.fromkeys(urls) if u]
    if not wanted:
        return []
    rows = conn.execute(
        text(
            "SELECT a.url, v.filename, v.text FROM attachments a "
            "JOIN attachment_versions v ON v.attachment_id = a.id "
            "WHERE a.site = :site AND v.number = "
            "(SELECT max(w.number) FROM attachment_versions w WHERE w.attachment_id = a.id) "
            "AND a.url IN :urls"
        ).bindparams(_expanding("urls")),
        {"site": site, "urls": wanted},
    ).all()
    found = {url: (name, body) for url, name, body in rows if body}
    return [found[u] for u in wanted if u in found]


def _expanding(name: str):
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def indexed_body(conn: Connection, site: str, body: str | None, urls: Iterable[str]) -> str:
    """The body as the search index holds it: the article's text, then its files' texts."""
    parts = [body or ""]
    parts.extend(f"{name}\n{content}" for name, content in file_texts(conn, site, urls))
    return SEPARATOR.join(parts)


def urls_of(attachments_json: str | None) -> list[str]:
    """The URLs of a ``versions.attachments`` JSON list."""
    try:
        value = json.loads(attachments_json or "[]")
    except ValueError:
        return []
    return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []
