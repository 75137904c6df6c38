"""`luutru extract PATH|URL|- [--site ID] [--format json|text]`: one page's fields, no
profile needed (crawler/extract/: the profile's selectors when ``--site`` names one, the
generic extractor for everything else). A page that holds no article exits 1 with why."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_NO_ARTICLE = 1


def add_parsers(sub: Any, common: Any) -> None:
    p = sub.add_parser(
        "extract",
        help="extract one page's article fields (title, date, author, lead, body), no profile "
        "needed",
    )
    p.add_argument("page", help="a file, an http(s) URL (fetched once, politely) or - for stdin")
    p.add_argument("--site", help="use this site profile's selectors first")
    p.add_argument("--url", help="the page's URL, for a file or stdin (resolves links)")
    p.add_argument("--format", choices=["json", "text"], default="json")
    p.add_argument(
        "--sites", default=None, help="extra directory of site profiles (env LUUTRU_SITES)"
    )


def _read(page: str, url: str | None) -> tuple[bytes, str, str | None]:
    """(bytes, URL for links, encoding from HTTP) of a file, a URL or stdin."""
    if page == "-":
        return sys.stdin.buffer.read(), url or "file:///dev/stdin", None
    if page.startswith(("http://", "https://")):
        from luutru.fetch import FetchError, fetch_once

        try:
            fetched = fetch_once(page)
        except FetchError as exc:
            raise ValueError(str(exc)) from exc
        return fetched.body, fetched.url, fetched.encoding
    path = Path(page)
    if not path.is_file():
        raise ValueError(f"{page}: no such file (give a file, an http(s) URL or -)")
    return path.read_bytes(), url or path.resolve().as_uri(), None


def published(article: Any) -> str | None:
    """ISO 8601: the date and time with +07:00, or the date alone when no time is printed."""
    return article.datetime or article.date


def as_json(article: Any, url: str) -> dict[str, Any]:
    return {
        "url": url,
        "title": article.title,
        "published": published(article),
        "author": article.author,
        "source": article.source,
        "lead": article.summary,
        "body": article.body,
        "attachments": article.attachments,
        "category": article.category,
        "extraction": {"method": article.extraction, "fields": dict(article.sources)},
        "warnings": article.warnings,
    }


def as_text(data: dict[str, Any]) -> str:
    import textwrap  # here, not at the top: the parser imports this module for its options

    lines = [
        f"title      : {data['title']}",
        f"published  : {data['published'] or '-'}",
        f"author     : {data['author'] or '-'}",
    ]
    if data["source"]:
        lines.append(f"source     : {data['source']}")
    fields = ", ".join(f"{k} {v}" for k, v in data["extraction"]["fields"].items())
    lines.append(f"extraction : {data['extraction']['method']} ({fields})")
    if data["lead"]:
        lines += ["", textwrap.fill(data["lead"], 96)]
    lines.append("")
    lines += [textwrap.fill(p, 96) + "\n" for p in data["body"].split("\n\n")]
    for link in data["attachments"]:
        lines.append(f"attachment : {link}")
    for warning in data["warnings"]:
        lines.append(f"warning    : {warning}")
    return "\n".join(lines).rstrip()


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract import extract_article
    from crawler.profiles import get_profile

    rules = get_profile(args.site, args.sites).article if args.site else None
    html, url, encoding = _read(args.page, args.url)
    article = extract_article(html, url, rules, encoding)
    if article.no_article or not article.title or not article.body:
        reason = article.no_article or ("no title" if not article.title else "no text")
        print(f"luutru extract: no article on {args.page}: {reason}", file=sys.stderr)
        return EXIT_NO_ARTICLE
    data = as_json(article, url)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(as_text(data))
    return 0


COMMANDS = {"extract": cmd_extract}
