"""Article pages worked out in worker processes (crawler/offload.py, spiders/page_facts.py):
the same facts as in-process, a dead worker loses nothing, and a crawl with workers
archives exactly what a crawl without them archives."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.store import Archive
from crawler import offload
from crawler.profile_model import ArticleRules
from crawler.profiles import get_profile
from crawler.spiders.page_facts import page_facts
from demo_portal import DemoPortal
from tests.fresh_python import output_of

PAGES = Path(__file__).parent / "pages"
REAL = sorted((PAGES / "real").glob("*.html"))


def _page(path: Path) -> tuple[bytes, str]:
    url = path.with_suffix(".url").read_text("utf-8").strip()
    return path.read_bytes(), url


def test_worker_count_auto_leaves_a_core_for_the_reactor() -> None:
    assert offload.worker_count(-1, cpus=1) == 0  # one core: no pool, only copying
    assert offload.worker_count(-1, cpus=2) == 1
    assert offload.worker_count(-1, cpus=64) == offload.MAX_AUTO_WORKERS


def test_worker_count_explicit_is_kept() -> None:
    assert offload.worker_count(0, cpus=8) == 0
    assert offload.worker_count(3, cpus=2) == 3


def test_no_workers_means_in_process() -> None:
    assert offload.submit(page_facts, (b"<html></html>", "http://x/", ArticleRules()), 0) is None


@pytest.mark.parametrize("path", REAL[:3], ids=lambda p: p.stem)
def test_facts_from_a_worker_equal_facts_worked_out_here(path: Path) -> None:
    html, url = _page(path)
    args = (html, url, ArticleRules(), None, "", ("sotttt.hanoi.gov.vn", "vnexpress.net"))
    future = offload.submit(page_facts, args, 1)
    assert future is not None
    assert offload.result_or_local(future, page_facts, args) == page_facts(*args)


SENTENCES = (
    "Sở Lao động - Thương binh và Xã hội tỉnh tổ chức hội nghị tổng kết công tác năm {n}.",
    "Hội nghị đánh giá kết quả thực hiện các chỉ tiêu về lao động, việc làm và an sinh xã hội.",
    "Đại biểu đã thảo luận nhiều giải pháp nâng cao chất lượng đào tạo nghề cho người lao động.",
)


def test_facts_carry_canonical_og_url_and_other_news() -> None:
    body = "".join(f"<p>{s.format(n=n)}</p>" for n in range(2015, 2022) for s in SENTENCES)
    html = (
        '<html><head><link rel="canonical" href="/tin/1-ba.html">'
        '<meta property="og:url" content="http://a.vn/tin/1-ba.html"></head><body>'
        f"<h1>Hội nghị tổng kết công tác lao động</h1><article>{body}</article>"
        '<div class="other"><a href="/tin/2-hai.html">Hai</a><a href="/tin/3.html">Ba</a></div>'
        "</body></html>"
    ).encode()
    facts = page_facts(html, "http://a.vn/tin/1-ba.html", ArticleRules(), "utf-8", "div.other")
    assert facts.extracted.no_article is None
    assert facts.canonical == "/tin/1-ba.html"
    assert facts.og_url == "http://a.vn/tin/1-ba.html"
    assert facts.other_news == ["/tin/2-hai.html", "/tin/3.html"]
    assert facts.items == []  # the profile's selector says which links: no recognising


def _dies_in_a_worker(text: str) -> str:
    if multiprocessing.parent_process() is not None:
        os._exit(3)  # a worker killed mid-page (OOM killer, segfault in a C library)
    return text.upper()


def test_a_dead_worker_loses_nothing_and_the_pool_comes_back() -> None:
    future = offload.submit(_dies_in_a_worker, ("bài",), 1)
    assert future is not None
    assert offload.result_or_local(future, _dies_in_a_worker, ("bài",)) == "BÀI"
    html, url = _page(REAL[0])
    args = (html, url, ArticleRules(), None)
    again = offload.submit(page_facts, args, 1)  # a new pool, not the broken one
    assert again is not None
    assert again.result(timeout=60).extracted.title == page_facts(*args).extracted.title


_KILLED_PARENT = """
import os, sys
from crawler import offload
print(offload.submit(os.getpid, (), 1).result(timeout=60), flush=True)
sys.stdin.read()  # until killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"  # a zombie is dead, only not yet reaped


def test_workers_exit_when_their_crawl_is_killed() -> None:
    import signal
    import time

    parent = subprocess.Popen([sys.executable, "-c", _KILLED_PARENT], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        workers = [int(parent.stdout.readline())]  # type: ignore[union-attr]
        assert workers[0] != parent.pid and _alive(workers[0])
    finally:
        parent.send_signal(signal.SIGKILL)  # no atexit, no pool shutdown
        parent.wait()
    deadline = time.monotonic() + 10 * offload.PARENT_CHECK_S
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)


# ---------------------------------------------------------------- a crawl, both ways


def _crawl(base_url: str, data: Path, workers: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "luutru", "crawl", "demo-liferay", "demo-aspnet",
         "--base-url", base_url, "--data", str(data), "--quiet",
         "-s", f"LUUTRU_EXTRACT_WORKERS={workers}"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUTF8": "1"},
    )  # fmt: skip


@pytest.mark.slow
def test_a_crawl_with_workers_archives_what_one_without_them_does(tmp_path: Path) -> None:
    archived = {}
    with DemoPortal(articles=40, epoch=0, port=0) as portal:
        for workers in (0, 1):
            data = tmp_path / f"w{workers}"
            done = _crawl(portal.base_url, data, workers)
            assert done.returncode == 0, done.stderr[-2000:]
            with Archive.open(data) as archive:
                archived[workers] = sorted(
                    (r["site"], r["url"], r["title"], r["date"], r["author"], r["body"])
                    for r in archive.articles()
                )
    assert len(archived[0]) >= 40
    assert archived[1] == archived[0]


def test_profiles_give_the_step_what_it_sends() -> None:
    """The arguments of a page's job are plain data (they travel to a worker)."""
    import pickle

    profile = get_profile("demo-liferay")
    pickle.loads(pickle.dumps((profile.article, profile.listing.other_news)))


def test_a_crawl_process_runs_below_interactive_work() -> None:
    """luutru/crawling.py: a crawl lowers its own CPU priority (LUUTRU_CRAWL_NICE), so
    `luutru serve` on the same machine answers first; 0 leaves it alone."""
    code = (
        "import os\n"
        "from luutru.crawling import _lower_priority\n"
        "before = os.nice(0)\n"
        "_lower_priority({'LUUTRU_CRAWL_NICE': '0'})\n"
        "assert os.nice(0) == before, 'nice 0 changed the priority'\n"
        "_lower_priority({})\n"
        "from crawler.settings import LUUTRU_CRAWL_NICE\n"
        "assert LUUTRU_CRAWL_NICE == 10\n"
        "assert os.nice(0) == min(19, before + 10), os.nice(0)\n"
    )
    output_of(code)


_WARMED = """
import sys
from crawler import offload
if {warm}:
    offload.warm(offload.EXTRACTION_WARM_UP, 1)
    started = offload._pool is not None and len(offload._pool._processes) == 1
    assert started, "no worker started ahead of the first page"
assert "crawler.spiders.page_facts" not in sys.modules  # named, not imported here
probe = "'crawler.spiders.page_facts' in __import__('sys').modules"
print(offload.submit(eval, (probe,), 1).result(timeout=120))
"""


@pytest.mark.parametrize("warm", [True, False])
def test_warming_starts_a_worker_that_has_the_extraction_loaded(warm: bool) -> None:
    """A crawl starts its workers before Scrapy's own start-up (luutru/crawling.py), so
    their imports are not paid by the first articles; without it a worker imports the
    extraction at its first page."""
    code = _WARMED.format(warm=warm)
    assert output_of(code, timeout=180).strip() == str(warm)


def test_the_warm_up_page_is_an_article() -> None:
    from crawler.spiders import page_facts as module

    facts = module.page_facts(module._SAMPLE, "http://warm-up.invalid/tin/1", ArticleRules(),
                              "utf-8", "div.other a")  # fmt: skip
    assert facts.extracted.title.startswith("Hội nghị")
    assert facts.other_news == ["/tin/2"]
    module.warm_up()


def test_a_warmed_worker_keeps_its_imports_out_of_the_collectors_sight() -> None:
    """After its warm-up a worker freezes what it loaded (gc.freeze): the collector no
    longer walks it at every pass."""
    code = (
        "import gc\n"
        "from crawler import offload\n"
        "offload.warm(offload.EXTRACTION_WARM_UP, 1)\n"
        "print(offload.submit(gc.get_freeze_count, (), 1).result(timeout=120))\n"
    )
    assert int(output_of(code, timeout=180).strip()) > 10_000


def test_a_warm_up_that_fails_leaves_the_pool_working() -> None:
    offload.warm("crawler.no_such_module:nothing", 1)
    future = offload.submit(os.getpid, (), 1)
    assert future is not None and future.result(timeout=60) != os.getpid()


def test_a_worker_imports_neither_scrapy_nor_twisted() -> None:
    """A worker runs page_facts (crawler/spiders/page_facts.py) only: the crawl's
    framework would cost each worker a fifth of a second of imports and ~20 MB."""
    probe = (
        "import sys, crawler.spiders.page_facts as p\n"
        "p.warm_up()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted'}))"
    )
    assert output_of(probe).strip() == "[]"


def test_the_crawl_process_leaves_the_article_extraction_to_its_workers() -> None:
    """The spider's modules load no BeautifulSoup nor the article extractor
    (crawler/extract/__init__.py loads its names on first use): the workers do that."""
    probe = (
        "import sys, crawler.spiders.portal, luutru.crawling\n"
        "print(sorted({'bs4', 'crawler.extract.article'} & set(sys.modules)))\n"
        "from crawler.extract import extract_article, is_soft_404\n"
        "print(callable(extract_article) and callable(is_soft_404), 'bs4' in sys.modules)"
    )
    assert output_of(probe).split("\n")[:2] == ["[]", "True True"]


def test_the_extraction_package_names_only_what_it_has() -> None:
    import crawler.extract

    with pytest.raises(AttributeError):
        crawler.extract.no_such_name  # noqa: B018


def _dies_in_a_fresh_pool_once(marker: str) -> str:
    """Dies in the first worker that runs it; the next one (a fresh pool) answers."""
    if multiprocessing.parent_process() is not None and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(3)
    return "đọc được"


def test_a_guarded_job_that_kills_its_workers_fails_and_never_runs_here() -> None:
    """A file that crashes its reader (PDFium is C) is tried in a second, fresh pool
    and then given up: never run in the crawl's own process, where it would crash it."""
    future = offload.submit_guarded(_dies_in_a_worker, ("bài",), 1)
    assert future is not None
    assert isinstance(future.exception(timeout=120), offload.WorkerCrashed)
    html, url = _page(REAL[0])
    after = offload.submit(page_facts, (html, url, ArticleRules(), None), 1)
    assert after is not None and after.result(timeout=60).extracted.title  # pool back


def test_a_guarded_job_is_tried_again_in_a_fresh_pool(tmp_path: Path) -> None:
    future = offload.submit_guarded(_dies_in_a_fresh_pool_once, (str(tmp_path / "m"),), 1)
    assert future is not None
    assert future.result(timeout=120) == "đọc được"
    assert (tmp_path / "m").exists()  # the first worker did die


def test_a_guarded_job_without_workers_runs_here() -> None:
    assert offload.submit_guarded(str.upper, ("x",), 0) is None


def test_an_attachment_whose_reader_crashed_is_failed_with_a_note() -> None:
    from crawler.spiders.attachment_fetch import _crashed

    got = _crashed("pdf")
    assert (got.kind, got.text, got.status) == ("pdf", None, "failed")
    assert "crashed" in got.note
