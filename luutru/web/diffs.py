"""The readable diff page: ``/articles/{id}/diff?a=&b=&view=inline|side``.

A summary line ("tiêu đề đã đổi; viết lại 1 đoạn; ngày đổi 24/01 → 26/01"), then each
changed field word by word (archive/diff.py, whitespace-only edits hidden), either inline
(deletions and insertions in one text) or side by side (the body aligned paragraph by
paragraph, archive/diff_view.py). Archived text reaches HTML only through autoescape: the
template wraps marked parts in <del>/<ins> itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from archive.diff import field_text
from archive.diff_view import side_by_side
from luutru.web import service
from luutru.web.pages import ArchiveDep, _render, templates

router = APIRouter(include_in_schema=False)
VIEWS = ("inline", "side")


def _summary_words(t: Any, items: list[dict[str, Any]]) -> str:
    """The summary in the page's language."""
    words = []
    for item in items:
        code = item["code"]
        if code == "changed":
            name = item["field"]
            label = t("field." + name) if name != "time" else t("field.datetime")
            words.append(t("summary.changed", field=label))
        elif code == "date":
            words.append(t("summary.date", old=item["old"], new=item["new"]))
        else:
            words.append(t("summary." + code, n=item["n"]))
    return "; ".join(words) if words else t("summary.none")


@router.get("/articles/{article_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    archive: ArchiveDep,
    article_id: str,
    a: int | None = None,
    b: int | None = None,
    view: Annotated[str, Query(pattern="^(inline|side)$")] = "inline",
) -> HTMLResponse:
    article, versions = service.versions_payload(archive, article_id)
    diff = service.diff_payload(archive, article_id, a, b)
    rows: dict[str, list[dict[str, Any]]] = {}
    if view == "side":
        old = archive.version(article["article_id"], diff["a"]) or {}
        new = archive.version(article["article_id"], diff["b"]) or {}
        for f in diff["fields"]:
            if f["changed"]:
                rows[f["field"]] = side_by_side(
                    field_text(old.get(f["field"])), field_text(new.get(f["field"]))
                )
    from luutru.web.i18n import pick_language, translator

    t = translator(pick_language(request))
    return _render(
        request,
        "diff.html",
        article=article,
        versions=versions,
        diff=diff,
        view=view,
        rows=rows,
        summary_line=_summary_words(t, diff["summary_items"]),
        article_path=service.article_path,
    )


templates.env.globals["diff_summary"] = _summary_words  # the article page's summary line
