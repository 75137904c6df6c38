"""Archives the web tests read: the demo portal crawled twice (so some articles have two
versions), and a hostile article whose fields and archived page carry scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from archive.records import ArticleRecord, WarcRef
from archive.store import Archive
from archive.warc import WarcSeries


def news_record(
    key: str, body: str, title: str = "Tin hoạt động", url: str = "", **fields: Any
) -> ArticleRecord:
    """A demo-aspnet article as a crawl would record it, for archives planted by hand;
    ``fields``: any other ArticleRecord field."""
    url = url or f"http://127.0.0.1:9/tin?id={key}"
    return ArticleRecord(
        site="demo-aspnet",
        article_key=key,
        url=url,
        fetched_url=url,
        title=title,
        body=body,
        date="2024-05-01",
        fetched_at="2024-05-02T08:00:00+07:00",
        **fields,
    )


def crawl_demo(base_url: str, data: Path, *extra: str) -> None:
    """Both demo sites into ``data`` (a subprocess: the reactor cannot start twice)."""
    command = [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
               "--base-url", base_url, "--data", str(data), "--quiet", "-s", "LOG_LEVEL=INFO",
               *extra]  # fmt: skip
    env = {**os.environ, "PYTHONUTF8": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]


def plant_hostile_article(
    data: Path, *, title: str, body: str, author: str, page: bytes, key: str = "evil1"
) -> str:
    """An archived article with hostile fields and a hostile WARC capture; its public id."""
    with WarcSeries(data / "warc" / "evil", "luutru-evil-run000999") as series:
        url = f"http://127.0.0.1:9/evil?id={key}"
        pointer, record_id, digest = series.write_response(
            url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], page
        )
    record = news_record(
        key,
        body,
        title,
        url,
        body_html="<p>" + body + "</p>",
        author=author,
        category="Tin <i>hoạt động</i>",
        raw_html=page,
        warc=WarcRef(f"evil/{pointer.file}", pointer.offset, pointer.length, digest, record_id),
    )
    with Archive.open(data) as archive:
        assert archive.record(record, None) == "new"
    return f"demo-aspnet:{key}"


def plant_versions(
    data: Path,
    *,
    key: str,
    url: str,
    fetched_url: str,
    captures: list[tuple[str, str, bytes]],
    site: str = "demo-aspnet",
    aliases: tuple[str, ...] = (),
    author: str | None = None,
    published: str | None = "2024-05-01",
) -> str:
    """An article captured once per ``(fetched_at, title, page)`` (each a new version when
    its title differs), every capture with its WARC response record; its public id."""
    with Archive.open(data) as archive:
        for i, (fetched_at, title, page) in enumerate(captures):
            with WarcSeries(data / "warc" / "planted", f"luutru-{site}-{key}-{i}") as series:
                pointer, record_id, digest = series.write_response(
                    fetched_url, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], page
                )
            record = ArticleRecord(
                site=site,
                article_key=key,
                url=url,
                fetched_url=fetched_url,
                title=title,
                body=f"{title}. Nội dung bài viết.",
                summary=f"Tóm tắt: {title}",
                date=published,
                author=author,
                aliases=list(aliases),
                fetched_at=fetched_at,
                warc=WarcRef(
                    f"planted/{pointer.file}", pointer.offset, pointer.length, digest, record_id
                ),
            )
            archive.record(record, None)
    return f"{site}:{key}"


# The URLs and captures of ``plant_memento_archive``: one article with two versions (and
# an unchanged third capture), under a canonical URL, a fetched URL with a query string
# and a percent-escaped Vietnamese alias; two articles with one version each.
M1_CANONICAL = "https://portal.example.vn/tin-tuc/hoi-nghi-7.html"
M1_FETCHED = "http://portal.example.vn/News.aspx?id=7&cat=2"
M1_ALIAS = "https://portal.example.vn/tin-t%E1%BB%A9c/h%E1%BB%99i-ngh%E1%BB%8B-7"
M1_PAGES = (
    b"<html><title>v1</title><p>first capture</p></html>",
    b"<html><title>v2</title><p>second capture</p><script>alert(1)</script></html>",
)


def plant_memento_archive(data: Path) -> dict[str, str]:
    """The archive of the Memento and feed tests; their public ids."""
    m1 = plant_versions(
        data,
        key="m1",
        url=M1_CANONICAL,
        fetched_url=M1_FETCHED,
        aliases=(M1_ALIAS,),
        author="Phòng Truyền thông",
        published="2024-06-01",
        captures=[
            ("2024-05-02T08:00:00+07:00", "Hội nghị tổng kết công tác", M1_PAGES[0]),
            ("2024-06-10T09:30:00+07:00", "Hội nghị sơ kết công tác", M1_PAGES[1]),
            ("2024-07-01T10:00:00+07:00", "Hội nghị sơ kết công tác", M1_PAGES[1]),
        ],
    )
    m2 = plant_versions(
        data,
        site="demo-liferay",
        key="m2",
        url="https://so-yte.example.vn/tin/m2",
        fetched_url="https://so-yte.example.vn/tin/m2",
        published="2024-05-20",
        captures=[("2024-05-21T07:00:00+07:00", "Tiêm chủng mở rộng", b"<p>m2</p>")],
    )
    m3 = plant_versions(
        data,
        key="m3",
        url="https://portal.example.vn/thong-bao/m3",
        fetched_url="https://portal.example.vn/thong-bao/m3",
        published=None,
        captures=[("2024-05-25T07:00:00+07:00", "Thông báo lịch tiếp dân", b"<p>m3</p>")],
    )
    return {"m1": m1, "m2": m2, "m3": m3}
