"""Where each demo article lives (its canonical path and the alias paths the portal
links) and the ground-truth record that names them, for the tests and the benchmarks.

Pure, like demo_portal/content.py, whose articles these are.
"""

from __future__ import annotations

from typing import Any

from .content import (
    ASP,
    ASP_CATS,
    ASP_PREFIX,
    LF,
    LF_CATS,
    LF_PREFIX,
    Article,
    build_sites,
    clean,
)

# ---------------------------------------------------------------- URLs


def lf_cat_path(cat: int) -> str:
    return f"{LF_PREFIX}/{LF_CATS[cat][0]}"


def lf_article_path(a: Article, cat: int | None = None, seg: str = "view_content") -> str:
    c = a.cat if cat is None else cat
    return f"{lf_cat_path(c)}/-/{seg}/{a.id}-{a.slug}.html"


def asp_listing_rel(a: Article) -> str:
    return f"ChiTiet.aspx?ItemID={a.id}&CatID={ASP_CATS[a.cat][0]}"


def canonical_path(a: Article) -> str:
    if a.site == LF:
        return lf_article_path(a)
    return f"{ASP_PREFIX}/ChiTiet.aspx?ItemID={a.id}"


def alias_path(a: Article) -> str:
    """The one alias form of this article that the portal links (other-news / home)."""
    k = a.alias_kind
    if a.site == LF:
        if k == 0:
            return lf_article_path(a) + "?_101_INSTANCE_xYz_redirect=%2Flf%2Fweb"
        if k == 1:
            return lf_article_path(a, cat=1 - a.cat)
        if k == 2:
            return lf_article_path(a, seg="View_Content")
        return lf_article_path(a) + "/vi"
    cat, other = ASP_CATS[a.cat][0], ASP_CATS[1 - a.cat][0]
    rel = [
        f"chitiet.aspx?itemid={a.id}",
        f"ChiTiet.aspx?CatID={cat}&ItemID={a.id}",
        f"ChiTiet.aspx?ItemId={a.id}&CatID={other}",
        f"ChiTiet.aspx?ItemID={a.id}&",
    ][k]
    return f"{ASP_PREFIX}/{rel}"


def alias_paths(a: Article) -> list[str]:
    out = [alias_path(a)]
    if a.site == ASP:
        out.append(f"{ASP_PREFIX}/{asp_listing_rel(a)}")
    return out


def category_name(a: Article) -> str:
    return (LF_CATS if a.site == LF else ASP_CATS)[a.cat][1]


# ---------------------------------------------------------------- truth


def truth_record(a: Article, base_url: str) -> dict[str, object]:
    return article_truth(
        a, base_url, canonical_path(a), alias_paths(a), category_name(a), a.republished_of
    )


def article_truth(
    a: Any,
    base_url: str,
    path: str,
    alias_paths: list[str],
    category: str,
    republished_of: str | None,
) -> dict[str, object]:
    """The ground-truth record of an article of any family (an ``Article``, or an opt-in
    family's ``Post``: the same fields), given its paths and category's name."""
    base = base_url.rstrip("/")
    p = a.published
    return {
        "site": a.site,
        "key": str(a.id),
        "url": base + path,
        "aliases": [base + x for x in alias_paths],
        "title": clean(a.title),
        "date": p.strftime("%Y-%m-%d"),
        "datetime": p.strftime("%Y-%m-%dT%H:%M:00+07:00") if a.has_time else None,
        "author": clean(a.author) if a.author else None,
        "source": clean(a.source) if a.source else None,
        "summary": clean(a.lead),
        "body": a.body_text,
        "category": category,
        "attachments": [base + x for x in a.attachments],
        "status": a.status,
        "republished_of": republished_of,
    }


def ground_truth(
    articles: int, epoch: int = 0, seed: int = 1, base_url: str = "http://127.0.0.1:8765"
) -> list[dict[str, object]]:
    """One dict per article that ever existed up to ``epoch`` (removed ones included)."""
    out: list[dict[str, object]] = []
    for site in build_sites(articles, epoch, seed):
        out.extend(truth_record(a, base_url) for a in sorted(site.articles, key=lambda a: a.id))
    return out
