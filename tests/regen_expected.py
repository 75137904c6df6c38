"""Regenerate the expected JSON of every frozen page (the only way it is ever written).

    python tests/regen_expected.py

For each ``tests/pages/<site>/<stem>.html`` this runs ``extract_article`` with the profile of
that site folder and the URL from ``<stem>.url``, and writes ``<stem>.expected.json``: every
field of ``ExtractedArticle`` plus ``soft_404`` (from ``is_soft_404``), sorted keys, UTF-8.
After a change to extraction code, review the resulting diff before committing it.

The tests import ``extract_page`` and friends from here so that they run exactly the same
extraction as the one that produced the expected JSON.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.extract import extract_article, is_soft_404  # noqa: E402
from crawler.profile_model import ArticleRules  # noqa: E402
from crawler.profiles import get_profile  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "pages"
# pages folder -> site profile id
PROFILE_FOR_FOLDER: dict[str, str] = {
    "demo-liferay": "demo-liferay",
    "demo-aspnet": "demo-aspnet",
    "seed": "demo-aspnet",
}


def rules_for(page: Path) -> ArticleRules:
    return get_profile(PROFILE_FOR_FOLDER[page.parent.name]).article


def page_url(page: Path) -> str:
    return page.with_suffix(".url").read_text(encoding="utf-8").strip()


def capture_date(page: Path) -> date:
    """The capture date at the start of the file name: ``2026-11-25_name.html``."""
    return date.fromisoformat(page.name.split("_", 1)[0])


def sidecar(page: Path, kind: str) -> Path:
    """``<stem>.<kind>.json`` next to the page (kind: ``expected`` or ``truth``)."""
    return page.with_name(f"{page.stem}.{kind}.json")


def pages(folder: str | None = None) -> list[Path]:
    base = PAGES_DIR / folder if folder else PAGES_DIR
    pattern = "*.html" if folder else "*/*.html"
    return sorted(p for p in base.glob(pattern) if p.parent.name in PROFILE_FOR_FOLDER)


def extract_page(page: Path) -> dict[str, Any]:
    """The live extraction of one frozen page, as the expected JSON stores it."""
    html = page.read_bytes()
    rules = rules_for(page)
    result = dataclasses.asdict(extract_article(html, page_url(page), rules))
    result["soft_404"] = is_soft_404(html, rules)
    return result


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    from freezegun import freeze_time

    found = pages()
    if not found:
        print(f"no pages under {PAGES_DIR}", file=sys.stderr)
        return 1
    for page in found:
        with freeze_time(capture_date(page).isoformat()):
            data = extract_page(page)
        target = sidecar(page, "expected")
        old = target.read_text(encoding="utf-8") if target.exists() else None
        new = dump_json(data)
        target.write_text(new, encoding="utf-8")
        state = "new" if old is None else ("unchanged" if old == new else "CHANGED")
        print(f"{state:9} {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
