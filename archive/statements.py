"""The reads a page repeats, as statements built once per process.

Building a SQLAlchemy statement and computing its cache key cost more than running it
on SQLite: an article page made about fifteen of them, which was 40 % of its time. Each
statement here is built on first use and kept, its values passed as bound parameters
(``expanding`` for lists), so SQLAlchemy finds its compiled form at once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    bindparam,
    func,
    literal,
    select,
    union_all,
)

from archive.schema import (
    aliases,
    article_attachments,
    articles,
    attachment_versions,
    attachments,
    near_duplicates,
    versions,
)


def current_query(only: Any = None) -> Select:
    """Articles joined to their current version. ``only``: a subquery of the article
    ids wanted, pushed into the per-article aggregate too; SQLite would otherwise group
    every version of the archive to answer for one article (O(archive) per page)."""
    latest = select(
        versions.c.article_id,
        func.max(versions.c.number).label("current"),
        func.count().label("version_count"),
    )
    if only is not None:
        latest = latest.where(versions.c.article_id.in_(only))
    latest = latest.group_by(versions.c.article_id).subquery("latest")
    return (
        select(
            articles.c.id.label("article_id"),
            articles.c.site,
            articles.c.article_key,
            articles.c.canonical_url,
            articles.c.status,
            articles.c.removed_at,
            articles.c.first_seen,
            articles.c.last_seen,
            latest.c.version_count,
            versions.c.number.label("version"),
            versions.c.content_hash,
            versions.c.fetched_at,
            versions.c.fetched_url,
            versions.c.http_status,
            versions.c.title,
            versions.c.date,
            versions.c.datetime,
            versions.c.author,
            versions.c.source,
            versions.c.summary,
            versions.c.body,
            versions.c.body_html,
            versions.c.body_html_zst,
            versions.c.category,
            versions.c.attachments,
            versions.c.warc_file,
            versions.c.warc_offset,
        )
        .join(latest, latest.c.article_id == articles.c.id)
        .join(
            versions,
            and_(
                versions.c.article_id == articles.c.id,
                versions.c.number == latest.c.current,
            ),
        )
    )


@cache
def article_by_key() -> Select:
    """Parameters ``site``, ``key``."""
    mine = and_(articles.c.site == bindparam("site"), articles.c.article_key == bindparam("key"))
    return current_query(select(articles.c.id).where(mine)).where(mine)


@cache
def aliases_of() -> Select:
    """Parameter ``ids`` (a list)."""
    return select(aliases.c.article_id, aliases.c.url).where(
        aliases.c.article_id.in_(bindparam("ids", expanding=True))
    )


@cache
def key_by_url() -> Select:
    """Parameter ``url``."""
    return (
        select(articles.c.site, articles.c.article_key)
        .join(aliases, aliases.c.article_id == articles.c.id)
        .where(aliases.c.url == bindparam("url"))
    )


@cache
def key_by_id() -> Select:
    """Parameter ``id``."""
    return select(articles.c.site, articles.c.article_key).where(articles.c.id == bindparam("id"))


@cache
def versions_of() -> Select:
    """Parameter ``article_id``: every version, oldest first."""
    return (
        select(versions)
        .where(versions.c.article_id == bindparam("article_id"))
        .order_by(versions.c.number)
    )


@cache
def version_of(how: str) -> Select:
    """One version of ``article_id``: ``how`` is "number" (parameter ``number``), "as_of"
    (parameter ``as_of``: the newest fetched at or before it) or "current"."""
    query = select(versions).where(versions.c.article_id == bindparam("article_id"))
    if how == "number":
        query = query.where(versions.c.number == bindparam("number"))
    elif how == "as_of":
        query = query.where(versions.c.fetched_at <= bindparam("as_of"))
    return query.order_by(versions.c.number.desc()).limit(1)


@cache
def near_duplicates_of() -> CompoundSelect:
    """Parameter ``article_id``: each near-duplicate link of one of its versions, with
    which side is the article's (``mine``)."""
    return links_of_articles(versions.c.article_id == bindparam("article_id"))


def links_of_articles(owned: Any) -> CompoundSelect:
    """The near-duplicate links of the versions ``owned`` picks (a condition on
    ``versions``), each side found through its own index and ``mine`` saying which side
    is theirs. Not one query with ``version_id IN (…) OR other_version_id IN (…)``:
    PostgreSQL reads every link of the archive for that (4-6 ms at 30,000 links, per
    query of an article page)."""
    n, v = near_duplicates, versions
    theirs = select(v.c.id).where(owned).correlate(None)  # its own FROM, not the join's
    columns = (n.c.version_id, n.c.other_version_id, n.c.similarity)
    return union_all(
        select(*columns, literal(True).label("mine")).join(v, v.c.id == n.c.version_id)
        .where(owned),
        select(*columns, literal(False).label("mine")).join(v, v.c.id == n.c.other_version_id)
        .where(owned, n.c.version_id.not_in(theirs)),
    )  # fmt: skip


@cache
def titles_of_versions() -> Select:
    """Parameter ``ids`` (version ids): each one's article and title."""
    return (
        select(versions.c.id, articles.c.site, articles.c.article_key, versions.c.title)
        .join(articles, articles.c.id == versions.c.article_id)
        .where(versions.c.id.in_(bindparam("ids", expanding=True)))
    )


@cache
def attachments_of() -> Select:
    """Parameter ``ids`` (article ids): the files each links to, with the newest version
    of each (looked up per file through the (attachment, number) index, not by grouping
    every file version of the archive)."""
    a, v, link = attachments, attachment_versions, article_attachments
    later = attachment_versions.alias("later")
    newest = (
        select(func.max(later.c.number))
        .where(later.c.attachment_id == a.c.id)
        .correlate(a)
        .scalar_subquery()
    )
    return (
        select(
            link.c.article_id,
            a.c.id,
            a.c.url,
            a.c.note,
            a.c.last_checked,
            newest.label("versions"),
            v.c.number,
            v.c.filename,
            v.c.kind,
            v.c.content_type,
            v.c.size,
            v.c.sha256,
            v.c.text_status,
            v.c.text_note,
            v.c.fetched_at,
        )
        .join(a, a.c.id == link.c.attachment_id)
        .outerjoin(v, (v.c.attachment_id == a.c.id) & (v.c.number == newest))
        .where(link.c.article_id.in_(bindparam("ids", expanding=True)))
        .order_by(link.c.article_id, link.c.id)
    )
