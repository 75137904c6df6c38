"""Site profiles: one TOML file per portal, validated before any crawl starts.

A profile may ``extends = "<template>"`` a CMS-family template from ``sites/templates/``;
tables are merged key by key, the site's own values winning. Every key is checked: an
unknown key, a selector that does not compile or a regex that does not compile is refused
with a message naming the file, the key and the problem (``ProfileError``).
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from crawler.profile_model import (
    ArticleRules,
    HealthRules,
    ListingRules,
    ProfileError,
    RevisitRules,
    SiteProfile,
)
from crawler.selectors import check_selector

BUNDLED_SITES = Path(__file__).parent / "sites"
TEMPLATES_DIR = BUNDLED_SITES / "templates"


_TOP_KEYS = {
    "id": str,
    "name": str,
    "province": str,
    "department": str,
    "start_urls": list,
    "schedule": str,
    "cms": str,
    "extends": str,
    "deny": list,
    "verified_offline": bool,
    "notes": str,
    "listing": dict,
    "article": dict,
    "revisit": dict,
    "health": dict,
    "schedule_jitter": int,
    "settings": dict,
    "allowed_domains": list,
}
# Everything else is optional: without selectors the generic extractor and the listing
# recogniser do the work (a profile is a precision boost, not the only way in).
_REQUIRED = ("id", "name", "start_urls")
_LISTING_KEYS = {
    "links": str,
    "next": str,
    "postback": bool,
    "other_news": str,
    "categories": str,
    "url_pattern": str,
    "max_pages": int,
    "item": str,
    "item_date": str,
    "stop_after": int,
}
_REVISIT_KEYS = {"factor": float, "min_days": float, "max_days": float}
_HEALTH_KEYS = {
    "window": int,
    "coverage_drop": float,
    "max_error_ratio": float,
    "slow_factor": float,
    "min_slow_seconds": float,
    "canary_hours": float,
}
_ARTICLE_KEYS = {
    "url_pattern": str,
    "title": str,
    "date": str,
    "author": str,
    "body": str,
    "summary": str,
    "source": str,
    "category": str,
    "drop": list,
    "date_format": str,
    "soft_404": list,
    "id_params": list,
    "canonical": str,
}
_SELECTOR_KEYS = {
    "listing": ("links", "next", "other_news", "categories", "item", "item_date"),
    "article": ("title", "date", "author", "body", "summary", "source", "category"),
}
_CRON_FIELDS = 5


def _check_types(path: Path, table: str, data: Mapping[str, Any], schema: dict) -> None:
    for key, value in data.items():
        name = f"{table}.{key}" if table else key
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ProfileError(path, name, f"unknown key (known keys: {known})")
        expected = schema[key]
        if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
            raise ProfileError(
                path, name, f"expected {expected.__name__}, got {type(value).__name__}"
            )


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict[str, Any]:
    """The file's TOML; every way it can fail named with the file (and line, column)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(path, "(file)", f"cannot be read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProfileError(
            path,
            "(file)",
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}, column {column}; "
            "a windows-1258 or TCVN3 file?): save the profile as UTF-8",
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, "(file)", f"not valid TOML: {exc}") from exc


def _resolve_extends(
    path: Path, data: dict[str, Any], search: Iterable[Path], chain: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The profile merged over the template it extends (and that template's, …). A cycle
    of templates, or a broken template, is an error of this profile naming the cause."""
    template = data.get("extends")
    if not template:
        return data
    if not isinstance(template, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", template):
        raise ProfileError(path, "extends", f"not a template name: {template!r}")
    if template in chain:
        cycle = " → ".join([*chain, template])
        raise ProfileError(path, "extends", f"templates extend each other in a cycle: {cycle}")
    for folder in search:
        candidate = folder / f"{template}.toml"
        if candidate.is_file():
            try:
                base = _read_toml(candidate)
                _check_types(candidate, "", base, _TOP_KEYS)
                base = _resolve_extends(candidate, base, search, (*chain, template))
            except ProfileError as exc:
                if exc.key == "extends" and "cycle" in exc.problem:
                    raise ProfileError(path, "extends", exc.problem) from exc
                raise ProfileError(path, "extends", f"template {exc}") from exc
            return _merge(base, {k: v for k, v in data.items() if k != "extends"})
    raise ProfileError(path, "extends", f"no template named {template!r}")


def _regex(path: Path, key: str, pattern: str) -> None:
    from crawler import patterns  # RE2: imported only where a profile is compiled

    try:
        patterns.check(pattern)
    except patterns.PatternError as exc:
        raise ProfileError(path, key, f"regex {pattern[:80]!r} {exc}") from exc


def _hosts(path: Path, values: list[Any]) -> list[str]:
    hosts = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9.-]+", value):
            raise ProfileError(path, f"allowed_domains[{i}]", f"not a host name: {value!r}")
        hosts.append(value.lower())
    return hosts


def default_schedule(site_id: str) -> str:
    """Daily between 05:00 and 07:59 Vietnam time, at a minute derived from the id: sites
    without a schedule of their own do not all start at once, and always at the same time."""
    spread = int.from_bytes(hashlib.sha256(site_id.encode()).digest()[:4], "big") % 180
    return f"{spread % 60} {5 + spread // 60} * * *"


def _compile_checks(
    path: Path, data: dict[str, Any], listing: dict[str, Any], article: dict[str, Any]
) -> None:
    """Every selector and regex of the (merged) profile compiles."""
    for table, keys in _SELECTOR_KEYS.items():
        values = listing if table == "listing" else article
        for key in keys:
            if values.get(key):
                try:
                    check_selector(values[key])
                except ValueError as exc:
                    raise ProfileError(path, f"{table}.{key}", str(exc)) from exc
    for i, selector in enumerate(article.get("drop", [])):
        try:
            check_selector(selector)
        except ValueError as exc:
            raise ProfileError(path, f"article.drop[{i}]", str(exc)) from exc
    if article.get("url_pattern"):
        _regex(path, "article.url_pattern", article["url_pattern"])
        from crawler import patterns

        if "id" not in patterns.compiled(article["url_pattern"]).groupindex:
            raise ProfileError(path, "article.url_pattern", "regex needs a named group (?P<id>...)")
    if listing.get("url_pattern"):
        _regex(path, "listing.url_pattern", listing["url_pattern"])
    for i, pattern in enumerate(data.get("deny", [])):
        _regex(path, f"deny[{i}]", pattern)


def parse_profile(
    path: Path, data: dict[str, Any], templates: Iterable[Path] = (), trusted: bool = False
) -> SiteProfile:
    """Validate raw TOML data (already read from ``path``) and build a SiteProfile.

    ``trusted`` skips compiling the selectors and regexes: only for the bundled profiles,
    which tests/test_profiles.py compiles. Compiling needs lxml, cssselect and RE2, about
    a tenth of `luutru health`'s start-up beyond SQLAlchemy; a crawl compiles them anyway."""
    search = [*templates, TEMPLATES_DIR]
    _check_types(path, "", data, _TOP_KEYS)
    data = _resolve_extends(path, data, search, (path.stem,))
    for key in _REQUIRED:
        if not data.get(key):
            raise ProfileError(path, key, "required key is missing or empty")
    listing = data.get("listing", {})
    article = data.get("article", {})
    _check_types(path, "listing", listing, _LISTING_KEYS)
    _check_types(path, "article", article, _ARTICLE_KEYS)
    revisit = {k: float(v) if isinstance(v, int) else v for k, v in data.get("revisit", {}).items()}
    _check_types(path, "revisit", revisit, _REVISIT_KEYS)
    health = {
        k: float(v) if isinstance(v, int) and _HEALTH_KEYS.get(k) is float else v
        for k, v in data.get("health", {}).items()
    }
    _check_types(path, "health", health, _HEALTH_KEYS)
    if listing.get("stop_after", 1) < 1:
        raise ProfileError(path, "listing.stop_after", "must be at least 1")
    if not trusted:
        _compile_checks(path, data, listing, article)
    if article.get("canonical") and "{id}" not in article["canonical"]:
        raise ProfileError(path, "article.canonical", "template needs an {id} placeholder")
    for i, url in enumerate(data["start_urls"]):
        if not isinstance(url, str) or not re.match(r"https?://[^/\s]+", url):
            raise ProfileError(path, f"start_urls[{i}]", f"not an http(s) URL: {url!r}")
    data.setdefault("schedule", default_schedule(data["id"]))
    if len(data["schedule"].split()) != _CRON_FIELDS:
        raise ProfileError(path, "schedule", "expected a 5-field cron expression")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", data["id"]):
        raise ProfileError(path, "id", "use lowercase letters, digits and '-'")
    return SiteProfile(
        id=data["id"],
        name=data["name"],
        province=data.get("province", ""),
        department=data.get("department", ""),
        start_urls=tuple(data["start_urls"]),
        schedule=data["schedule"],
        cms=data.get("cms", ""),
        deny=tuple(data.get("deny", ())),
        verified_offline=data.get("verified_offline", True),
        settings=dict(data.get("settings", {})),
        extra_domains=tuple(_hosts(path, data.get("allowed_domains", []))),
        listing=ListingRules(**listing),
        revisit=RevisitRules(**revisit),
        health=HealthRules(**health),
        schedule_jitter=data.get("schedule_jitter", 0),
        article=ArticleRules(
            **{
                **article,
                "drop": tuple(article.get("drop", ())),
                "soft_404": tuple(article.get("soft_404", ())),
                "id_params": tuple(article.get("id_params", ())),
            }
        ),
        source_path=str(path),
    )


def load_profile_file(path: Path | str, templates: Iterable[Path] = ()) -> SiteProfile:
    path = Path(path)
    templates = list(templates)
    # Trusted: a bundled profile whose templates can only be bundled ones too.
    bundled = path.parent == BUNDLED_SITES and all(
        Path(t).is_relative_to(BUNDLED_SITES) for t in templates
    )
    return parse_profile(path, _read_toml(path), templates, trusted=bundled)


def site_dirs(extra: str | Path | None = None) -> list[Path]:
    """Bundled profiles first, then ``--sites DIR`` / ``LUUTRU_SITES`` (which may override)."""
    dirs = [BUNDLED_SITES]
    user = extra or os.environ.get("LUUTRU_SITES")
    if user:
        dirs.append(Path(user))
    return dirs


def load_profiles(
    extra: str | Path | None = None, errors: list[ProfileError] | None = None
) -> dict[str, SiteProfile]:
    """Every profile by id; a user directory's profile replaces a bundled one of the same id.

    With ``errors``, a broken profile is collected there and skipped (one bad file must
    not stop every other site's schedule); without, the first one raises."""
    profiles: dict[str, SiteProfile] = {}
    for folder in site_dirs(extra):
        if not folder.is_dir():
            raise ProfileError(folder, "--sites", "not a directory")
        templates = [folder / "templates", folder]
        for path in sorted(folder.glob("*.toml")):
            try:
                profile = load_profile_file(path, templates)
            except ProfileError as exc:
                if errors is None:
                    raise
                errors.append(exc)
                # A broken override must not fall back silently to the profile it replaces.
                profiles.pop(_declared_id(path), None)
                continue
            profiles[profile.id] = profile
    return profiles


def _declared_id(path: Path) -> str:
    try:
        return str(_read_toml(path).get("id") or path.stem)
    except ProfileError:
        return path.stem


def get_profile(site_id: str, extra: str | Path | None = None) -> SiteProfile:
    """The profile ``site_id``; its own ProfileError if its file is broken, KeyError if none."""
    errors: list[ProfileError] = []
    profiles = load_profiles(extra, errors)
    if site_id in profiles:
        return profiles[site_id]
    for error in errors:
        if _declared_id(Path(error.path)) == site_id:
            raise error
    known = ", ".join(sorted(profiles)) or "none"
    raise KeyError(f"no site profile with id {site_id!r} (known: {known})")
