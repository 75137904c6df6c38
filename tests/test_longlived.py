"""crawler/longlived.py: a crawl keeps what it built to start out of the cyclic
collector's passes while its spider is open, and hands it back when the spider closes."""

from __future__ import annotations

import gc

from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.longlived import FreezeStartup


def test_an_open_spider_freezes_the_start_up_and_a_closed_one_hands_it_back() -> None:
    gc.unfreeze()
    ext = FreezeStartup()
    try:
        ext.spider_opened(None)
        assert gc.get_freeze_count() > 10_000  # this test process's imports, at least
        ext.spider_closed(None, "finished")
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


def test_the_project_turns_it_on() -> None:
    crawler = get_crawler(settings_dict={"EXTENSIONS": project_settings.EXTENSIONS})
    crawler._apply_settings()
    found = [type(e) for e in crawler.extensions.middlewares]
    assert FreezeStartup in found
