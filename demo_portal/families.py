"""The families a DemoPortal serves, and the content of the two opt-in ones.

``liferay`` and ``aspnet`` (the default) are described in content.py. The opt-in families reuse
its article generator (same vocabulary, same epochs) and add what they print differently:

``wordpress``  site ``demo-wp``: a WordPress site of the health department (Sở Y tế), under /wp
``php``        site ``demo-php``: an old bespoke PHP portal of the home affairs department
               (Sở Nội vụ), under /php

This module holds their articles (``Post``), URL shapes, ground truth, listing start URLs and
trap patterns; wordpress.py and php.py render the pages.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache

from .content import (
    ASP,
    ASP_CATS,
    LF,
    PHP,
    WP,
    Article,
    Site,
    _base_articles,
    _person,
    ascii_slug,
    build_site,
    build_sites,
    clean,
    fill,
)
from .truth import article_truth, lf_cat_path, truth_record
from .vocab import CAPTIONS, DISTRICTS, PEN_NAMES, SOURCES, TABLE_HEADS

FAMILIES = ("liferay", "aspnet", "wordpress", "php")
DEFAULT_FAMILIES = ("liferay", "aspnet")
EXTRA_FAMILIES = ("wordpress", "php")
FAMILY_SITE = {"liferay": LF, "aspnet": ASP, "wordpress": WP, "php": PHP}
DEFAULT_EXTRA = 120  # articles per opt-in family (``extra_articles``)

WP_PREFIX = "/wp"
WP_CATS: list[tuple[str, str]] = [
    ("tin-hoat-dong-nganh", "Tin hoạt động ngành"),
    ("phong-chong-dich-benh", "Phòng, chống dịch bệnh"),
]
WP_TAGS: list[tuple[str, str]] = [
    ("tiem-chung", "Tiêm chủng"),
    ("an-toan-thuc-pham", "An toàn thực phẩm"),
    ("bao-hiem-y-te", "Bảo hiểm y tế"),
    ("benh-vien", "Bệnh viện"),
    ("chuyen-doi-so", "Chuyển đổi số"),
    ("hoi-nghi", "Hội nghị"),
]
WP_TRACKING = "utm_source=zalo&utm_medium=share"
WP_DEAD_LINK = "/wp/2023/01/05/thong-bao-lich-truc-tet-da-go/"  # a stale widget link: 404
PHP_PREFIX = "/php"
PHP_CATS: list[tuple[int, str]] = [(3, "Tin hoạt động"), (7, "Cải cách hành chính")]
PHP_MISSING_ID = 99999  # linked from the first listing page: the soft-404 page

# Printed byline kinds. WordPress: the last paragraph, right-aligned (none: no byline at all);
# PHP: the bold last line, or "Tác giả: X" in the header next to the date (``header``).
BY_PEN, BY_FULL, BY_TINANH, BY_PV, BY_SOURCE, BY_NONE, BY_HEADER = (
    "pen", "full", "tinanh", "pv", "source", "none", "header",
)  # fmt: skip
WP_BYLINES = (BY_PEN, BY_FULL, BY_TINANH, BY_PV, BY_SOURCE, BY_NONE)
PHP_BYLINES = (BY_FULL, BY_HEADER, BY_TINANH, BY_SOURCE)
WP_ENCODINGS = ("plain", "plain", "nfd", "plain", "plain")  # pasted from Unikey "tổ hợp"
PHP_ENCODINGS = ("named", "plain", "ncr", "named", "plain")  # PHP htmlentities()


@dataclass(frozen=True)
class Post(Article):
    """An article of an opt-in family: the generator's article plus what the family prints."""

    modified: datetime | None = None  # last modification (WordPress: moves on an edit)
    byline: str = BY_FULL
    caption: str | None = None  # WordPress: figure caption (not body text)
    image: str | None = None  # WordPress: the figure's image path
    table: tuple[tuple[str, ...], ...] = ()  # WordPress: a table; each row one body paragraph
    table_at: int = 0  # the table follows paragraph ``table_at``
    old_slug: str | None = None  # WordPress: an earlier slug that 301-redirects
    tracked: bool = False  # WordPress: category listings link it with tracking parameters
    tags: tuple[int, ...] = ()  # WordPress: indexes into WP_TAGS
    br_body: bool = False  # PHP: paragraphs separated by <br><br> in one div, no <p>
    sid: str = ""  # PHP: the session id some links carry

    @property
    def last_modified(self) -> datetime:
        return self.modified or self.published

    def text_paragraphs(self) -> list[str]:
        return [clean("".join(s[-1] for s in p)) for p in self.paras]

    @property
    def body_text(self) -> str:
        paras = self.text_paragraphs()
        rows = [clean(" ".join(r)) for r in self.table]
        return "\n\n".join(paras[: self.table_at + 1] + rows + paras[self.table_at + 1 :])

    @property
    def byline_text(self) -> str | None:
        """The byline as printed (None: nothing printed)."""
        return {
            BY_PEN: self.author, BY_FULL: self.author, BY_HEADER: self.author,
            BY_TINANH: f"Tin, ảnh: {self.author}", BY_PV: "PV", BY_NONE: None,
            BY_SOURCE: f"Nguồn: {self.source}",
        }[self.byline]  # fmt: skip


# ---------------------------------------------------------------- generation


def check_families(families: str | Iterable[str]) -> tuple[str, ...]:
    """``"wordpress,php"`` or names -> the known names in canonical order; ValueError else."""
    names = families.split(",") if isinstance(families, str) else list(families)
    wanted = {n.strip().lower() for n in names if n and n.strip()}
    unknown = sorted(wanted - set(FAMILIES))
    if unknown or not wanted:
        raise ValueError(f"unknown or no families {unknown}; known: {', '.join(FAMILIES)}")
    return tuple(f for f in FAMILIES if f in wanted)


def _table(rng: random.Random, year: int) -> tuple[tuple[str, ...], ...]:
    head = rng.choice(TABLE_HEADS)
    rows = [head]
    for d in rng.sample(DISTRICTS, k=rng.randint(2, 4)):
        if head[2] == "Tỷ lệ":
            rows.append((f"Huyện {d}", fill("{big}", rng, year), fill("{pct}%", rng, year)))
        else:
            rows.append((f"Huyện {d}", fill("{int}", rng, year), fill("{int}", rng, year)))
    return tuple(rows)


def _unique_slug(slug: str, taken: set[str]) -> str:
    """WordPress makes a slug unique by appending -2, -3, ..."""
    out, n = slug, 1
    while out in taken:
        n += 1
        out = f"{slug}-{n}"
    taken.add(out)
    return out


def _post(a: Article, base: Article, index: int, seed: int, taken: set[str]) -> Post:
    rng = random.Random(f"{seed}:{a.site}:{a.id}:extra")
    values = {f.name: getattr(a, f.name) for f in fields(Article)}
    extra: dict[str, object] = {}
    if a.site == WP:
        byline = WP_BYLINES[index % len(WP_BYLINES)]
        values["slug"] = _unique_slug(ascii_slug(a.title, 190), taken)
        values["published"] = base.published  # an edit does not move the printed date
        values["encoding"] = WP_ENCODINGS[(index * 7 + a.id) % len(WP_ENCODINGS)]
        modified = a.published if a.edited else a.published + timedelta(
            minutes=rng.randint(5, 3 * 24 * 60))  # fmt: skip
        extra["modified"] = modified
        if rng.random() < 0.7:
            extra["caption"] = rng.choice(CAPTIONS)
            extra["image"] = (f"/wp/wp-content/uploads/{base.published:%Y/%m}/"
                              f"IMG_{base.published:%Y%m%d}_{a.id}-1024x683.jpg")  # fmt: skip
        if rng.random() < 0.2:
            extra["table"] = _table(rng, base.published.year)
            extra["table_at"] = rng.randrange(len(base.paras))
        words = values["slug"].split("-")
        cut = rng.randrange(1, len(words) - 1)
        old = "-".join(words[:cut] + words[cut + 1 :])  # the slug of a draft title
        if rng.random() < 0.3 and old not in taken:
            extra["old_slug"] = old
            taken.add(old)
        extra["tracked"] = rng.random() < 0.2
        extra["tags"] = tuple(sorted(rng.sample(range(len(WP_TAGS)), k=rng.randint(1, 2))))
    else:
        byline = PHP_BYLINES[index % len(PHP_BYLINES)]
        values["encoding"] = PHP_ENCODINGS[(index * 7 + a.id) % len(PHP_ENCODINGS)]
        extra["br_body"] = rng.random() < 0.35
        extra["sid"] = hashlib.md5(f"{seed}:{a.id}:sid".encode()).hexdigest()
    author: str | None = _person(rng)
    source: str | None = None
    if byline == BY_PEN or (byline == BY_TINANH and rng.random() < 0.5):
        author = rng.choice(PEN_NAMES)
    elif byline == BY_PV:
        author = "PV"
    elif byline == BY_SOURCE:
        author, source = None, rng.choice(SOURCES)
    elif byline == BY_NONE:
        author = None
    values.update(author=author, source=source)
    return Post(**values, byline=byline, **extra)  # type: ignore[arg-type]


@lru_cache(maxsize=16)
def build_family_site(family: str, count: int, epoch: int, seed: int) -> Site:
    """An opt-in family's site as of ``epoch`` (same epoch rules as the default families:
    epoch 1 adds articles, edits 3 and removes 1)."""
    site_id = FAMILY_SITE[family]
    if family not in EXTRA_FAMILIES or count < 0 or epoch not in (0, 1):
        raise ValueError("an opt-in family, articles >= 0 and epoch 0 or 1")
    base = _base_articles(site_id, count, seed)
    index = {a.id: i for i, a in enumerate(base)}
    by_id = {a.id: a for a in base}
    site = build_site(site_id, count, epoch, seed)
    taken: set[str] = set()
    site.articles = [_post(a, by_id[a.id], index[a.id], seed, taken) for a in site.articles]
    return site


def neighbours(site: Site, a: Article, k: int) -> list[Article]:
    """The ``k`` live articles after ``a`` in its category's listing order (circular)."""
    live = site.live(a.cat)
    at = next((i for i, x in enumerate(live) if x.id == a.id), -1)
    return [live[(at + j) % len(live)] for j in range(1, k + 1) if len(live) > j]


# ---------------------------------------------------------------- URLs


def wp_permalink(a: Article, slug: str | None = None) -> str:
    return f"{WP_PREFIX}/{a.published:%Y/%m/%d}/{slug or a.slug}/"


def wp_shortlink(a: Article) -> str:
    return f"{WP_PREFIX}/?p={a.id}"


def wp_listing_href(a: Post) -> str:
    """How category listings link the post (some with tracking parameters)."""
    return wp_permalink(a) + ("?" + WP_TRACKING if a.tracked else "")


def wp_related_href(a: Post) -> str:
    """How related-posts and popular-posts widgets link it (a cached, possibly old slug)."""
    return wp_permalink(a, a.old_slug)


def wp_cat_path(cat: int, page: int = 1) -> str:
    return f"{WP_PREFIX}/chuyen-muc/{WP_CATS[cat][0]}/" + (f"page/{page}/" if page > 1 else "")


def php_canonical(a: Article) -> str:
    return f"{PHP_PREFIX}/index.php?module=news&act=detail&id={a.id}"


def php_alias(a: Post) -> str:
    """The other form of the article's URL the portal links ("Các tin khác")."""
    cid = PHP_CATS[a.cat][0]
    return PHP_PREFIX + "/index.php?" + [
        f"act=detail&module=news&ID={a.id}",
        f"module=news&act=detail&id={a.id}&sid={a.sid}",
        f"module=news&cat={cid}&act=detail&id={a.id}",
        f"act=detail&module=news&ID={a.id}&sid={a.sid}",
    ][a.alias_kind]  # fmt: skip


def php_cat_path(cat: int, page: int = 1) -> str:
    tail = f"&page={page}" if page > 1 else ""
    return f"{PHP_PREFIX}/index.php?module=news&cat={PHP_CATS[cat][0]}{tail}"


def php_day_path(day: str) -> str:
    return f"{PHP_PREFIX}/index.php?module=news&ngay={day}"


def post_canonical(a: Article) -> str:
    return wp_permalink(a) if a.site == WP else php_canonical(a)


def post_aliases(a: Post) -> list[str]:
    if a.site == PHP:
        return [php_alias(a)]
    out = [wp_shortlink(a)]
    if a.tracked:
        out.append(wp_listing_href(a))
    if a.old_slug:
        out.append(wp_related_href(a))
    return out


def listing_urls(family: str, base_url: str = "") -> list[str]:
    """The category listing start URLs of ``family`` (what a zero-config profile starts from)."""
    base = base_url.rstrip("/")
    paths = {
        "liferay": [lf_cat_path(0), lf_cat_path(1)],
        "aspnet": [f"/asp/Pages/TinTuc.aspx?CatID={cid}" for cid, _ in ASP_CATS],
        "wordpress": [wp_cat_path(0), wp_cat_path(1)],
        "php": [php_cat_path(0), php_cat_path(1)],
    }[family]
    return [base + p for p in paths]


TRAPS = {  # path?query patterns of each family's endless URL spaces
    "liferay": (r"^/lf/web/so-tttt/tin-theo-ngay\?",),
    "aspnet": (r"(?i)^/asp/Pages/TinTheoNgay\.aspx\?",),
    # date archives from the calendar widget; /YYYY/MM/DD/<slug>/ articles are not traps
    "wordpress": (r"^/wp/\d{4}/(?:\d{2}/(?:\d{2}/)?)?(?:page/\d+/)?$",),
    "php": (r"^/php/index\.php\?(?:[^#]*&)?ngay=",),
}


def trap_patterns(family: str) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in TRAPS[family]]


def is_trap(url: str) -> bool:
    """Whether ``url`` (absolute, or path?query) is in some family's endless URL space."""
    m = re.match(r"^(?:[a-z]+://[^/]+)?(/[^#]*)", url)
    rest = m.group(1) if m else url
    return any(re.search(p, rest) for pats in TRAPS.values() for p in pats)


# ---------------------------------------------------------------- truth


def post_truth(a: Post, base_url: str) -> dict[str, object]:
    category = (WP_CATS if a.site == WP else PHP_CATS)[a.cat][1]
    return article_truth(a, base_url, post_canonical(a), post_aliases(a), category, None)


def ground_truth(
    articles: int, epoch: int = 0, seed: int = 1, base_url: str = "http://127.0.0.1:8765",
    families: str | Iterable[str] = DEFAULT_FAMILIES, extra_articles: int = DEFAULT_EXTRA,
) -> list[dict[str, object]]:  # fmt: skip
    """One dict per article that ever existed up to ``epoch`` (removed ones included), for the
    requested families. ``articles`` is shared by liferay and aspnet as before; each opt-in
    family has ``extra_articles`` of its own."""
    wanted = check_families(families)
    out: list[dict[str, object]] = []
    old = {FAMILY_SITE[f] for f in wanted if f not in EXTRA_FAMILIES}
    if old:
        for site in build_sites(articles, epoch, seed):
            if site.name in old:
                arts = sorted(site.articles, key=lambda a: a.id)
                out.extend(truth_record(a, base_url) for a in arts)
    for family in (f for f in wanted if f in EXTRA_FAMILIES):
        site = build_family_site(family, extra_articles, epoch, seed)
        posts = sorted(site.articles, key=lambda a: a.id)
        out.extend(post_truth(a, base_url) for a in posts if isinstance(a, Post))
    return out
