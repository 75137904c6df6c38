"""Offline by construction, polite by default, per-site settings applied."""

from __future__ import annotations

from crawler.profiles import get_profile
from crawler.spiders.portal import PortalSpider
from luutru.crawling import build_settings
from tests.fresh_python import output_of


def test_tldextract_never_reaches_for_the_public_suffix_list() -> None:
    # In a fresh interpreter, as a crawl would start: importing the project before Scrapy's
    # cookie middleware must leave tldextract with no URL to download from.
    code = (
        "import crawler, scrapy.downloadermiddlewares.cookies as c;"
        "print(c._split_domain.suffix_list_urls)"
    )
    assert output_of(code).strip() == "()"


def test_polite_defaults() -> None:
    settings = build_settings("unused")
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert 503 in settings.getlist("RETRY_HTTP_CODES")
    assert not settings.getbool("TELNETCONSOLE_ENABLED")


def project_crawler(**overrides: object) -> object:
    """A crawler with the project's settings module (no reactor needed to build it)."""
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    import crawler.settings as module

    settings = Settings()
    settings.setmodule(module, priority="project")
    settings.setdict(overrides, priority="cmdline")
    return Crawler(PortalSpider, settings)  # settings stay mutable until the crawl starts


def test_user_agent_names_luutru_and_the_contact_url() -> None:
    crawler = project_crawler(LUUTRU_CONTACT_URL="https://archive.example/contact")
    PortalSpider.from_crawler(crawler, profile=get_profile("demo-aspnet"))
    user_agent = crawler.settings.get("USER_AGENT")
    assert user_agent.startswith("luutru/")
    assert "https://archive.example/contact" in user_agent


def test_profile_settings_table_applies_to_its_crawl() -> None:
    profile = get_profile("demo-aspnet")
    assert profile.settings["DOWNLOAD_DELAY"] == 0
    crawler = project_crawler()
    PortalSpider.from_crawler(crawler, profile=profile)
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0
    assert crawler.settings.getfloat("AUTOTHROTTLE_START_DELAY") == 0.05


def test_the_feeds_add_on_leaves_scrapys_exporters_to_a_crawl_that_exports() -> None:
    """Every crawl loads the add-on (ADDONS); only one with -o/-O needs the exporters."""
    probe = "import sys, crawler.feeds; print('scrapy.exporters' in sys.modules)"
    assert output_of(probe).strip() == "False"
    from crawler import settings

    assert settings.FEED_EXPORTERS["csv"] == "crawler.feed_csv.ArticleCsvItemExporter"


def test_a_crawl_does_not_even_import_the_extensions_it_turns_off() -> None:
    """crawler/lean_extensions.py: Scrapy's remote control (aiohttp) and telnet console
    are off in crawler/settings.py; building a crawl imports neither."""
    probe = (
        "import sys\n"
        "from scrapy.settings import Settings\n"
        "from scrapy.utils.reactor import install_reactor\n"
        "from scrapy.utils.test import get_crawler\n"
        "install_reactor('twisted.internet.asyncioreactor.AsyncioSelectorReactor')\n"
        "from crawler.spiders.portal import PortalSpider\n"
        "settings = Settings()\n"
        "settings.setmodule('crawler.settings', priority='project')\n"
        "crawler = get_crawler(PortalSpider, settings.copy_to_dict())\n"
        "names = [type(e).__name__ for e in crawler.extensions.middlewares]\n"
        "assert 'CoreStats' in names, names\n"
        "print(sorted({'aiohttp', 'scrapy.extensions.remote_control',\n"
        "              'scrapy.extensions.telnet'} & set(sys.modules)))\n"
    )
    assert output_of(probe).strip() == "[]"


def test_an_extension_turned_back_on_is_still_loaded() -> None:
    from scrapy.settings import Settings

    from crawler.lean_extensions import LeanExtensions

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("TELNETCONSOLE_ENABLED", True, priority="cmdline")
    LeanExtensions().update_settings(settings)
    base = settings.getdict("EXTENSIONS_BASE")
    assert "scrapy.extensions.telnet.TelnetConsole" in base
    assert "scrapy.extensions.remote_control.RemoteControl" not in base
    assert "scrapy.extensions.corestats.CoreStats" in base
