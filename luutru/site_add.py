"""`luutru site add URL [--id ID]` and `luutru site add --update ID`: a profile inferred
from the portal's own pages, written into the sites directory, then checked.

What is fetched, politely (luutru/fetch.py, robots.txt obeyed): the given page; when it is
a home page, up to ``MAX_LISTINGS`` of its news-menu links to find the listings; and
``SAMPLES`` articles of the first listing to infer and verify selectors. The profile
says which selectors were inferred, when, and on how many articles.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MAX_LISTINGS = 6
SAMPLES = 3


def add_parsers(site_sub: Any, common: Any) -> None:
    add = site_sub.add_parser(
        "add", help="infer a profile from a home or news page, write it, then check it"
    )
    add.add_argument("url", nargs="?", help="the portal's home page or a news listing")
    add.add_argument("--id", dest="site_id", help="profile id (default: from the host name)")
    add.add_argument("--name", help="who publishes the portal (default: from the page)")
    add.add_argument("--update", metavar="ID", help="re-infer an existing profile after a redesign")
    add.add_argument("--no-check", action="store_true", help="do not run site check after")
    common(add)


def site_id_from(url: str) -> str:
    """ "soyte.hanoi.gov.vn" → "soyte-hanoi"."""
    host = (urlsplit(url).hostname or "site").removeprefix("www.")
    parts = [p for p in host.split(".") if p not in ("gov", "vn", "com", "org", "net", "edu")]
    slug = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return slug or "site"


_PAGE_NAMES = re.compile(r"^(?:trang chủ|trang chu|home|homepage|tin tức|chi tiết)$", re.I)


def _site_name(sel: Any) -> str:
    """og:site_name, else the page title without a leading page name ("Trang chủ - …")."""
    from crawler.extract.page import element_text

    site_name = " ".join(
        (sel.xpath("//meta[@property='og:site_name']/@content").get() or "").split()
    )
    if site_name:
        return site_name[:120]
    title = sel.xpath("//title")
    text = element_text(title[0].root) if title else ""
    parts = re.split(r"\s+[|–]\s+|\s+-\s+(?=[A-ZĐ])", text)
    while len(parts) > 1 and _PAGE_NAMES.match(parts[0].strip()):
        parts.pop(0)
    return (" - ".join(parts).strip() or "(unnamed portal)")[:120]


def _fetch(url: str) -> tuple[str, bytes]:
    from luutru.fetch import FetchError, fetch_once

    try:
        fetched = fetch_once(url)
    except FetchError as exc:
        raise ValueError(str(exc)) from exc
    return fetched.url, fetched.body


def infer_profile(url: str, site_id: str, name: str | None) -> tuple[str, list[str]]:
    """The profile's TOML text, and what was fetched (for the user)."""
    from crawler.extract import extract_article
    from crawler.extract.page import make_selector
    from crawler.inference import (
        detect_cms,
        infer_selectors,
        is_listing,
        listing_candidates,
        template_fits,
    )
    from crawler.listing import find_items, find_pager
    from crawler.urls import same_site_check

    fetched: list[str] = []
    url, html = _fetch(url)
    fetched.append(url)
    sel = make_selector(html)
    same = same_site_check([urlsplit(url).hostname or ""])
    pages = {url: sel}
    # A page with items and a pager is a listing: the user gave one. A home page shows only
    # the newest items: its news menu leads to the listings that page back in time.
    listings = [url] if is_listing(sel, url, same) and find_pager(sel, url, same) else []
    if not listings:
        for candidate in listing_candidates(sel, url, same)[:MAX_LISTINGS]:
            try:
                found_url, found_html = _fetch(candidate)
            except ValueError as exc:
                print(f"luutru site add: skipped {candidate}: {exc}", file=sys.stderr)
                continue
            fetched.append(found_url)
            page = make_selector(found_html)
            if found_url not in pages and is_listing(page, found_url, same):
                listings.append(found_url)
                pages[found_url] = page
    if not listings and is_listing(sel, url, same):
        listings = [url]
    if not listings:
        raise ValueError(
            f"{url}: no news listing recognised on it or its news menu: give the URL of a "
            "news listing page"
        )
    items = [i for i in find_items(pages[listings[0]], listings[0], same) if i.rank == 0]
    samples = []
    for item in items[: SAMPLES + 3]:  # a dead link or two among the items is no reason to stop
        if len(samples) == SAMPLES:
            break
        try:
            sample_url, sample = _fetch(item.url)
        except ValueError as exc:
            print(f"luutru site add: skipped a sample: {exc}", file=sys.stderr)
            continue
        fetched.append(sample_url)
        if not extract_article(sample, sample_url).no_article:
            samples.append((sample_url, sample))
    inferred = infer_selectors(samples)
    markup = " ".join(h.decode("utf-8", "replace") for h in [html, *(s for _, s in samples)])
    cms = detect_cms(markup)
    listing_html = pages[listings[0]].root  # parsed; the template check wants bytes
    fits = bool(cms) and template_fits(cms or "", (listings[0], _bytes(listing_html)), samples)
    text = render(site_id, name or _site_name(sel), listings, cms, inferred, len(samples), fits)
    return text, fetched


def _bytes(root: Any) -> bytes:
    from lxml import etree

    return etree.tostring(root, encoding="utf-8", method="html")


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(
    site_id: str,
    name: str,
    listings: list[str],
    cms: str | None,
    inferred: Any,
    samples: int,
    template_fits: bool = False,
) -> str:
    today = date.today().isoformat()
    lines = [
        f"# Inferred by `luutru site add` on {today} from {listings[0]}.",
        "# The selectors below were inferred from the portal's own pages and checked on "
        f"{samples} article(s);",
        "# they are a precision boost: where one stops matching, the generic extractor takes",
        "# over and the run reports the layout change. Edit freely.",
        f"id = {_toml(site_id)}",
        f"name = {_toml(name)}",
        "start_urls = [" + ", ".join(_toml(u) for u in listings) + "]",
    ]
    if cms and template_fits:
        lines.append(
            f"extends = {_toml(cms)}  # the bundled {cms} template fits: checked on the listing "
            f"and {samples} article(s)"
        )
    elif cms:
        lines.append(f"cms = {_toml(cms)}  # detected from the markup; its template did not fit")
    if inferred.selectors:
        lines += ["", "[article]"]
        for field, css in inferred.selectors.items():
            lines.append(f"{field} = {_toml(css)}  # inferred {today}")
    for note in inferred.notes:
        lines.append(f"# not inferred: {note}")
    return "\n".join(lines) + "\n"


def destination(args: argparse.Namespace) -> Path:
    """The sites directory: --sites, env LUUTRU_SITES, else <data>/sites."""
    folder = Path(args.sites) if args.sites else args.workspace.data / "sites"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cmd_site_add(args: argparse.Namespace) -> int:
    from crawler.profiles import get_profile, load_profile_file

    folder = destination(args)
    if args.update:
        old = get_profile(args.update, str(folder))
        site_id, url = old.id, old.start_urls[0]
        name = args.name or old.name
    else:
        if not args.url:
            raise ValueError("site add needs a URL (or --update ID)")
        site_id, url, name = args.site_id or site_id_from(args.url), args.url, args.name
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", site_id):
        raise ValueError(f"--id {site_id!r}: use lowercase letters, digits and '-'")
    target = folder / f"{site_id}.toml"
    if target.exists() and not args.update:
        raise ValueError(f"{target} exists: use --update {site_id} to re-infer it")
    text, fetched = infer_profile(url, site_id, name)
    if args.update:
        import shutil  # here: it pulls in bz2 and lzma, which `luutru --help` does not need

        kept = folder / f"{site_id}.{date.today().isoformat()}.toml.old"
        if target.exists():
            shutil.move(target, kept)
        elif old.source_path:
            shutil.copy(old.source_path, kept)  # a bundled profile: a copy beside the new
        print(f"previous profile kept as {kept}", file=sys.stderr)
    target.write_text(text, encoding="utf-8")
    load_profile_file(target)  # what was written must load
    print(f"fetched {len(fetched)} page(s); wrote {target}:\n")
    print(text)
    if args.no_check:
        return 0
    from luutru.checks import cmd_site_check

    args.site, args.base_url, args.articles, args.format = site_id, None, 3, "text"
    args.sites = str(folder)
    return cmd_site_check(args)
