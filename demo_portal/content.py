"""Deterministic generator of demo articles (both portal families) and their ground truth.

Everything here is pure: the same ``(articles, epoch, seed)`` always yields the same sites.
Epoch 1 is "the same sites later": new articles on top, 3 edited, 1 removed per site.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .vocab import (
    ACTORS,
    ATTACH_KINDS,
    DISTRICTS,
    EDIT_SENTENCES,
    GIVENS,
    MIDDLES,
    PERIODS,
    SENTENCES,
    SITE_SENTENCES,
    SOURCES,
    SURNAMES,
    TOPICS,
    VERBS,
)

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
PROVINCE = "Hòa An"

LF = "demo-liferay"
ASP = "demo-aspnet"
WP = "demo-wp"  # opt-in families (demo_portal/families.py)
PHP = "demo-php"
LF_PREFIX = "/lf/web/so-tttt"
ASP_PREFIX = "/asp/Pages"
LF_CATS: list[tuple[str, str]] = [
    ("cong-nghe-thong-tin", "Công nghệ thông tin"),
    ("chi-dao-dieu-hanh", "Chỉ đạo điều hành"),
]
ASP_CATS: list[tuple[int, str]] = [(1, "Tin hoạt động"), (2, "Lao động - Việc làm")]
LF_SOFT404_ID = 9999999
ASP_SOFT404_ID = 999999
LF_MISSING_IDS = (9000001, 9000002)  # one per category listing; answer 404
ASP_MISSING_IDS = (99998, 99997)

# date-line styles: (has_time)
LF_STYLES = {0: True, 1: True, 2: False, 3: True}
ASP_STYLES = {0: False, 1: True, 2: True, 3: False, 4: False}
WP_STYLES = {0: False, 1: True, 2: False}
PHP_STYLES = {0: True, 1: False, 2: True, 3: False}
STYLES = {LF: LF_STYLES, ASP: ASP_STYLES, WP: WP_STYLES, PHP: PHP_STYLES}
ATTACH_ORG = {LF: "STTTT", ASP: "SLĐTBXH", WP: "SYT", PHP: "SNV"}
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]

AUTHOR_BARE, AUTHOR_TACGIA, AUTHOR_TINANH, AUTHOR_SOURCE = 0, 1, 2, 3
ENCODINGS = ("plain", "nfd", "ncr", "named", "plain")


def _dot(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def fill(template: str, rng: random.Random, year: int) -> str:
    reps = {
        "{y}": str(year),
        "{y2}": str(year + 1),
        "{big}": lambda: _dot(rng.randint(1_200, 25_000)),
        "{int}": lambda: str(rng.randint(3, 480)),
        "{small_int}": lambda: str(rng.randint(2, 9)),
        "{pct}": lambda: f"{rng.randint(55, 99)},{rng.randint(1, 99):02d}",
        "{small}": lambda: f"0,{rng.randint(11, 95)}",
        "{money}": lambda: _dot(rng.randint(10_000, 990_000) * 1_000_000),
        "{money2}": lambda: _dot(rng.randint(5, 90) * 100_000),
        "{d}": lambda: rng.choice(DISTRICTS),
        "{dd}": lambda: f"{rng.randint(1, 28)}/{rng.randint(1, 12)}",
    }

    def sub(m: re.Match[str]) -> str:
        r = reps[m.group(0)]
        return r if isinstance(r, str) else r()

    return re.sub(r"\{[a-z0-9_]+\}", sub, template)


def ascii_slug(text: str, limit: int = 80) -> str:
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = re.sub(r"[^a-z0-9]+", "-", t).strip("-")
    return t[:limit].rstrip("-")


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


Segment = tuple[str, ...]  # ("t", text) | ("a", href_path, text)


@dataclass(frozen=True)
class Article:
    site: str
    id: int
    cat: int  # 0 or 1
    title: str
    slug: str
    lead: str
    paras: tuple[tuple[Segment, ...], ...]
    author: str | None
    source: str | None
    author_form: int
    published: datetime  # date shown in the date line (aware, +07:00)
    date_style: int
    encoding: str
    alias_kind: int
    attachments: tuple[str, ...] = ()  # absolute paths
    status: str = "live"
    edited: bool = False
    created_epoch: int = 0
    republished_of: str | None = None  # "site:key" of the article this one copies

    @property
    def has_time(self) -> bool:
        return STYLES[self.site][self.date_style]

    @property
    def body_text(self) -> str:
        return "\n\n".join(clean("".join(s[-1] for s in p)) for p in self.paras)

    @property
    def flaky(self) -> bool:
        """Deterministic ~5% of articles answer 503 to the first request."""
        return (self.id * 2654435761 + (7 if self.site == LF else 3)) % 20 == 0


@dataclass
class Site:
    name: str
    articles: list[Article] = field(default_factory=list)  # every article ever, incl. removed

    def live(self, cat: int | None = None) -> list[Article]:
        arts = [a for a in self.articles if a.status == "live" and (cat is None or a.cat == cat)]
        return sorted(arts, key=lambda a: (a.published, a.id), reverse=True)

    def by_id(self, aid: int) -> Article | None:
        for a in self.articles:
            if a.id == aid:
                return a
        return None


def _person(rng: random.Random) -> str:
    k = rng.choices([2, 3, 4, 5], weights=[1, 6, 3, 1])[0]
    mids = [rng.choice(MIDDLES) for _ in range(max(0, k - 2))]
    return " ".join([rng.choice(SURNAMES), *mids, rng.choice(GIVENS)])


def _rand_dt(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = int((end - start).total_seconds() // 60)
    dt = start + timedelta(minutes=rng.randrange(span))
    return dt.replace(hour=rng.randint(7, 17), minute=rng.choice(range(0, 60, 5)))


def _make_article(
    site: str,
    aid: int,
    cat: int,
    published: datetime,
    rng: random.Random,
    titles: set[str],
    index: int,
) -> Article:
    year = published.year
    title = ""
    for attempt in range(30):
        t = f"{rng.choice(ACTORS[site])} {rng.choice(VERBS)} {rng.choice(TOPICS[site])}"
        if rng.random() < 0.5:
            t += f" tại huyện {rng.choice(DISTRICTS)}"
        t += f" năm {year}"
        if attempt > 20:
            t += f" (đợt {index + 1})"
        if t not in titles:
            title = t
            break
    titles.add(title)
    title = title[0].upper() + title[1:]
    inbody = published - timedelta(days=rng.randint(1, 9))
    topic = rng.choice(TOPICS[site])
    lead = f"{rng.choice(ACTORS[site])} {rng.choice(VERBS)} {topic[0].lower()}{topic[1:]}."
    if rng.random() < 0.6:
        per = rng.choice(PERIODS)
        d = f"({inbody.day}/{inbody.month})" if "ngày" in per else f"{inbody.day}/{inbody.month}"
        lead = f"{per} {d}, {lead}"  # actors are institutions: keep capitals
    n_par = rng.randint(3, 6)
    paras: list[tuple[Segment, ...]] = []
    sentences = SENTENCES + SITE_SENTENCES.get(site, [])
    pool = rng.sample(sentences, k=min(len(sentences), n_par * 3))
    for i in range(n_par):
        text = " ".join(fill(s, rng, year) for s in pool[i * 2 : i * 2 + rng.randint(1, 3)])
        if not text:
            text = fill(rng.choice(sentences), rng, year)
        if i == 0 and rng.random() < 0.4:
            first = text.split(" ", 1)[0]
            keep = first in ("Huyện", "Đảng", "Sở", "UBND", "Hội", "Đoàn")
            text = (
                f"Ngày {inbody.day}/{inbody.month}, {text if keep else text[0].lower() + text[1:]}"
            )
        paras.append((("t", text),))
    attachments: list[str] = []
    if rng.random() < 0.2:
        label, fname, ext = rng.choice(ATTACH_KINDS)
        n = rng.randint(10, 350)
        label = label.format(n=n, org=ATTACH_ORG[site])
        path = _attachment_path(site, aid, published, fname.format(n=n), ext)
        attachments.append(path)
        pos = rng.randrange(1, n_par + 1)
        paras.insert(pos, (("t", "Chi tiết xem tại "), ("a", path, label), ("t", ".")))
    form = index % 4
    author: str | None = _person(rng)
    source: str | None = None
    if form == AUTHOR_SOURCE:
        author, source = None, rng.choice(SOURCES)
    return Article(
        site=site, id=aid, cat=cat, title=title, slug=ascii_slug(title), lead=lead,
        paras=tuple(paras), author=author, source=source, author_form=form,
        published=published,
        date_style=rng.randrange(len(STYLES[site])),
        encoding=ENCODINGS[(index * 7 + aid) % len(ENCODINGS)], alias_kind=index % 4,
        attachments=tuple(attachments),
    )  # fmt: skip


def _attachment_path(site: str, aid: int, published: datetime, name: str, ext: str) -> str:
    if site == LF:
        return f"/lf/documents/10180/{aid}/{name}.{ext}"
    if site == WP:  # WordPress media library: /wp-content/uploads/YYYY/MM/
        ext = {"doc": "docx", "xls": "xlsx"}.get(ext, ext)
        return f"/wp/wp-content/uploads/{published:%Y/%m}/{name}.{ext}"
    if site == PHP:
        return f"/php/download.php?file={name}.{ext}"
    return f"/asp/Uploads/{name}.{ext}"


def _ids(site: str, rng: random.Random, count: int) -> list[int]:
    if site == LF:
        return sorted(rng.sample(range(1_000_000, 8_900_000), count))
    step = max(1, min(30, 80_000 // max(count, 1)))
    cur, out = rng.randint(100, 2_000), []
    for _ in range(count):
        cur += rng.randint(1, step)
        out.append(cur)
    return out


START0, END0 = datetime(2020, 1, 2, tzinfo=VN_TZ), datetime(2024, 6, 28, tzinfo=VN_TZ)
START1, END1 = datetime(2024, 7, 1, tzinfo=VN_TZ), datetime(2024, 12, 20, tzinfo=VN_TZ)


@lru_cache(maxsize=64)
def _base_articles(site: str, n_site: int, seed: int) -> tuple[Article, ...]:
    """Every article the site ever gets, unedited: ``n_site`` of epoch 0, then epoch 1's."""
    rng = random.Random(f"{seed}:{site}:base")
    n_new = max(2, n_site // 20) if n_site else 0
    dates0 = sorted(_rand_dt(rng, START0, END0) for _ in range(n_site))
    dates1 = sorted(_rand_dt(rng, START1, END1) for _ in range(n_new))
    ids = _ids(site, rng, n_site + n_new)
    titles: set[str] = set()
    arts: list[Article] = []
    for i, dt in enumerate(dates0 + dates1):
        arng = random.Random(f"{seed}:{site}:{ids[i]}")
        a = _make_article(site, ids[i], i % 2, dt, arng, titles, i)
        arts.append(replace(a, created_epoch=0 if i < n_site else 1))
    return tuple(arts)


# ---------------------------------------------------------------- republications
# The labour department (ASP site) republishes a few of the IT department's (Liferay site)
# releases a few days later with small edits: a heading prefix, an attribution put in front of
# the first sentence (its date phrase reworded), one or two words swapped, its own author line.
# Near-duplicates by design (word 3-shingle Jaccard >= REPUBLISH_MIN_JACCARD with the
# original); no two independently generated articles come near that (see the tests).

REPUBLISH_MIN_SITE = 25  # ASP sites smaller than this (e.g. articles=40, tests/pages) get none
REPUBLISH_MIN_TOKENS = 150  # long enough that the edits keep the copy a near-duplicate
REPUBLISH_MIN_JACCARD = 0.85
REPUBLISH_TITLE_PREFIXES = ("Sở LĐ-TB&XH đưa tin: ", "Tin từ Sở TT&TT: ", "Thông tin liên quan: ")
REPUBLISH_ATTRIBUTION = "Theo Sở Thông tin và Truyền thông tỉnh " + PROVINCE
REPUBLISH_SWAPS = {
    "kịp thời": "nhanh chóng",
    "đơn vị": "cơ quan",
    "nhiệm vụ": "công việc",
    "người dân": "nhân dân",
    "thực hiện": "triển khai",
    "tổ chức": "tổ chức, đơn vị",
    "trên địa bàn": "trên toàn địa bàn",
    "tham gia": "cùng tham gia",
    "hoàn thành": "thực hiện xong",
    "đề nghị": "yêu cầu",
}
_KEEP_CAPITAL = ("Huyện", "Đảng", "Sở", "UBND", "Hội", "Đoàn", "Nghị", "Quyết", "Cổng")


def republish_count(n_site: int) -> int:
    """How many republished copies an ASP site of ``n_site`` own articles carries."""
    return max(2, n_site // 50) if n_site >= REPUBLISH_MIN_SITE else 0


def _word_shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _jaccard(a: str, b: str) -> float:
    sa, sb = _word_shingles(a), _word_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def _reworded_first(text: str) -> str:
    m = re.match(r"Ngày (\d{1,2})/(\d{1,2}), ", text)
    if m:  # the date phrase: "Ngày 3/5, X ..." -> "Theo Sở ..., trong ngày 3 tháng 5, X ..."
        rest = text[m.end() :]
        return f"{REPUBLISH_ATTRIBUTION}, trong ngày {m[1]} tháng {m[2]}, {rest}"
    first = text.split(" ", 1)[0]
    keep = first.startswith(_KEEP_CAPITAL) or first.isupper()
    return f"{REPUBLISH_ATTRIBUTION}, {text if keep else text[0].lower() + text[1:]}"


def _republished_copy(orig: Article, aid: int, published: datetime, rng: random.Random) -> Article:
    texts = [p[0][1] for p in orig.paras]  # originals without attachments: one segment each
    texts[0] = _reworded_first(texts[0])
    spots = [(i, old) for i, t in enumerate(texts) for old in REPUBLISH_SWAPS if old in t]
    for i, old in rng.sample(spots, k=min(rng.randint(1, 2), len(spots))):
        texts[i] = texts[i].replace(old, REPUBLISH_SWAPS[old], 1)
    form = rng.choice((AUTHOR_BARE, AUTHOR_TACGIA, AUTHOR_TINANH, AUTHOR_SOURCE))
    author: str | None = _person(rng)
    while author == orig.author:
        author = _person(rng)
    source: str | None = None
    if form == AUTHOR_SOURCE:
        author, source = None, rng.choice([s for s in SOURCES if s != orig.source])
    title = rng.choice(REPUBLISH_TITLE_PREFIXES) + orig.title
    return Article(
        site=ASP, id=aid, cat=0, title=title, slug=ascii_slug(title), lead=orig.lead,
        paras=tuple((("t", t),) for t in texts), author=author, source=source, author_form=form,
        published=published, date_style=rng.randrange(len(ASP_STYLES)),
        encoding=rng.choice(ENCODINGS), alias_kind=rng.randrange(4),
        republished_of=f"{orig.site}:{orig.id}",
    )  # fmt: skip


def _republications(
    asp_articles: tuple[Article, ...], originals: tuple[Article, ...], count: int, seed: int
) -> list[Article]:
    """``count`` ASP copies of Liferay ``originals`` (epoch-0, unedited), deterministic."""
    rng = random.Random(f"{seed}:{ASP}:republish")
    used = {a.id for a in asp_articles}
    out: list[Article] = []
    for orig in rng.sample(originals, k=len(originals)):
        if len(out) >= count:
            break
        if (
            orig.attachments
            or orig.published > END0 - timedelta(days=8)
            or len(re.findall(r"\w+", orig.body_text)) < REPUBLISH_MIN_TOKENS
        ):
            continue
        crng = random.Random(f"{seed}:{ASP}:republish:{orig.id}")
        day = orig.published + timedelta(days=crng.randint(2, 6))
        published = day.replace(hour=crng.randint(7, 17), minute=crng.choice(range(0, 60, 5)))
        # An id between the ids of the ASP articles published just before and after it.
        before = [a.id for a in asp_articles if a.published <= published]
        after = [a.id for a in asp_articles if a.published > published]
        lo, hi = max(before, default=0), min(after, default=max(used, default=0) + 31)
        free = [i for i in range(lo + 1, hi) if i not in used]
        if not free:
            continue
        copy = _republished_copy(orig, crng.choice(free), published, crng)
        if _jaccard(copy.body_text, orig.body_text) < REPUBLISH_MIN_JACCARD:
            continue
        used.add(copy.id)
        out.append(copy)
    return out


def build_site(
    site: str, n_site: int, epoch: int, seed: int, originals: tuple[Article, ...] = ()
) -> Site:
    """The site as of ``epoch``; an ASP site also carries copies of some ``originals``."""
    arts = list(_base_articles(site, n_site, seed))
    if site == ASP and originals:
        arts += _republications(tuple(arts), originals, republish_count(n_site), seed)
    result = Site(site, [a for a in arts if a.created_epoch <= epoch])
    if epoch >= 1 and n_site >= 2:
        erng = random.Random(f"{seed}:{site}:epoch1")
        picks = erng.sample(range(n_site), k=min(4, n_site))
        removed, edited = picks[0], picks[1:]
        for i in edited:
            a = result.articles[i]
            year = a.published.year
            extra = fill(erng.choice(EDIT_SENTENCES), erng, year)
            paras = list(a.paras)
            first = paras[0]
            paras[0] = ((first[0][0], first[0][1] + " " + fill(erng.choice(SENTENCES), erng, year)),
                        *first[1:])  # fmt: skip
            paras.append((("t", extra),))
            result.articles[i] = replace(
                a, paras=tuple(paras), published=_rand_dt(erng, START1, END1), edited=True
            )
        result.articles[removed] = replace(result.articles[removed], status="removed")
    return result


@lru_cache(maxsize=32)
def build_sites(articles: int, epoch: int, seed: int) -> tuple[Site, Site]:
    if articles < 0 or epoch not in (0, 1):
        raise ValueError("articles must be >= 0 and epoch 0 or 1")
    n_lf = math.ceil(articles / 2)
    originals = _base_articles(LF, n_lf, seed)[:n_lf]  # epoch 0, before any edit
    return (
        build_site(LF, n_lf, epoch, seed),
        build_site(ASP, articles // 2, epoch, seed, originals),
    )
