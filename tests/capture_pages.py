"""Capture frozen article pages from the bundled demo portal (a script, not a test).

    python tests/capture_pages.py

Starts ``DemoPortal(articles=40, seed=1)`` on loopback, fetches a handful of article pages per
portal family (chosen to cover the date-line forms, the author forms, the text encodings and
an attachment) plus each family's soft-404 page, and writes for each one:

* ``tests/pages/<site-id>/<YYYY-MM-DD>_<short-name>.html`` - the bytes exactly as served, the
  date being the capture date (today);
* ``<same-stem>.url`` - the URL it was fetched from, with the ephemeral port replaced by
  ``127.0.0.1:8765`` so the file is stable;
* ``<same-stem>.truth.json`` - the demo portal's ground truth for that article (not for the
  soft-404 page), independent of the extractor.

Then run ``python tests/regen_expected.py`` to (re)write the expected JSON.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo_portal import DemoPortal, ground_truth  # noqa: E402
from demo_portal.content import ASP, ASP_SOFT404_ID, LF, LF_SOFT404_ID  # noqa: E402
from demo_portal.truth import canonical_path  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "pages"
STABLE_BASE = "http://127.0.0.1:8765"
ARTICLES, SEED = 40, 1

# (article id, short name). The short name says what the page covers: author form
# (bare / tac-gia / tin-anh / nguon), date-line style (d0..d4, see demo_portal.common.date_line),
# text encoding (plain / named / ncr / nfd) and attachments (pdf/doc…).
PICKS: dict[str, list[tuple[int, str]]] = {
    LF: [
        (1525557, "tac-gia-d0-plain"),
        (8608223, "nguon-d1-nfd"),
        (5935632, "bare-d2-nfd"),
        (2132794, "tin-anh-d3-named"),
        (3223192, "tin-anh-d0-attachment"),
    ],
    ASP: [
        (1301, "tac-gia-d0-named-attachment"),
        (1386, "tac-gia-d1-nfd"),
        (1278, "bare-d2-named"),
        (1313, "tin-anh-d2-ncr-attachment"),
        (1536, "nguon-d3-nfd"),
        (1608, "nguon-d4-nfd-attachment"),
    ],
}
SOFT_404 = {
    LF: f"/lf/web/so-tttt/cong-nghe-thong-tin/-/view_content/{LF_SOFT404_ID}-bai-viet.html",
    ASP: f"/asp/Pages/ChiTiet.aspx?ItemID={ASP_SOFT404_ID}",
}


def fetch(url: str, attempts: int = 3) -> bytes:
    """GET ``url``; the demo portal answers 503 to the first request of some articles."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 503 or attempt == attempts - 1:
                raise
            time.sleep(1)
    raise RuntimeError(f"unreachable: {url}")


def save(site: str, stem: str, body: bytes, url: str, truth: dict[str, object] | None) -> None:
    folder = PAGES_DIR / site
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.html").write_bytes(body)
    (folder / f"{stem}.url").write_text(url + "\n", encoding="utf-8")
    truth_path = folder / f"{stem}.truth.json"
    if truth is not None:
        text = json.dumps(truth, ensure_ascii=False, indent=2, sort_keys=True)
        truth_path.write_text(text + "\n", encoding="utf-8")
    elif truth_path.exists():
        truth_path.unlink()
    print(f"{folder.relative_to(ROOT)}/{stem}.html  <-  {url}")


def main() -> int:
    today = date.today().isoformat()
    truth = {
        (str(t["site"]), str(t["key"])): t for t in ground_truth(ARTICLES, 0, SEED, STABLE_BASE)
    }
    with DemoPortal(articles=ARTICLES, seed=SEED, port=0) as portal:
        lf_site, asp_site = portal._sites
        sites = {LF: lf_site, ASP: asp_site}
        for site_id, picks in PICKS.items():
            for aid, name in picks:
                article = sites[site_id].by_id(aid)
                if article is None:
                    raise SystemExit(f"{site_id}: no article {aid} (did the generator change?)")
                path = canonical_path(article)
                body = fetch(portal.base_url + path)
                save(site_id, f"{today}_{name}", body, STABLE_BASE + path, truth[site_id, str(aid)])
            path = SOFT_404[site_id]
            body = fetch(portal.base_url + path)
            save(site_id, f"{today}_soft-404", body, STABLE_BASE + path, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
