"""Site profiles: bundled ones load, templates merge, bad profiles are refused by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.profile_model import ProfileError
from crawler.profiles import get_profile, load_profile_file, load_profiles

GOOD = """
id = "so-test"
extends = "aspnet"
name = "Sở Thử nghiệm"
province = "Hòa An"
department = "Sở Thử nghiệm"
start_urls = ["http://127.0.0.1:9/asp/Pages/Default.aspx"]
schedule = "0 6 * * *"
"""


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_profiles_load_with_demo_sites() -> None:
    profiles = load_profiles()
    assert {"demo-liferay", "demo-aspnet"} <= set(profiles)


def test_real_portal_profiles_are_marked_not_verified_offline() -> None:
    profiles = load_profiles()
    real = [p for p in profiles.values() if not p.id.startswith("demo-")]
    assert real, "at least one real portal profile is bundled"
    assert all(p.verified_offline is False for p in real)


def test_extends_merges_template_selectors(tmp_path: Path) -> None:
    profile = load_profile_file(write(tmp_path, GOOD))
    assert profile.article.body == "div.ms-rtestate-field"
    assert profile.listing.postback is True
    assert profile.cms == "aspnet"


def test_site_value_overrides_template(tmp_path: Path) -> None:
    profile = load_profile_file(write(tmp_path, GOOD + '\n[article]\nbody = "div.noidung"\n'))
    assert profile.article.body == "div.noidung"
    assert profile.article.title == "h1.tandan-title"  # the rest of the table still merges


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + '\n[article]\nbdoy = "div.x"\n')
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert err.value.key == "article.bdoy"
    assert str(path) in str(err.value)
    assert "unknown key" in str(err.value)


def test_bad_css_selector_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + '\n[article]\ntitle = "h1[["\n'))
    assert err.value.key == "article.title"


def test_bad_xpath_selector_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + '\n[listing]\nlinks = "xpath://a[@href"\n'))
    assert err.value.key == "listing.links"


# Valid and invalid for parsel alike, and the cases where the two could part: parsel's
# pseudo-elements, EXSLT prefixes, unknown functions, undefined prefixes, groups.
SELECTORS = [
    "h1",
    "div.content > p",
    "a[href*='id=']",
    "h1::text",
    "a::attr(href)",
    "a::attr('href')",
    "p:first-child",
    "li:nth-child(2n+1) a",
    "ul li, ol li",
    "h1, h2::text",
    "*",
    "div ::text",
    "h1[[",
    "a::attr()",
    "a::attr(href, x)",
    "a::foo",
    "h1::text p",
    "p:hover",
    "p:nosuch",
    "a:contains('x')",
    "",
    "   ",
    "a >",
    ">> a",
    "a::text::text",
    "a:not(.x)",
    "a:not(p a)",
    "xpath://a[@href]",
    "xpath://a[@href",
    "xpath://span[@class='x']//text()",
    "xpath://a[re:test(@href, 'id=[0-9]+')]",
    "xpath://a[has-class('x')]",
    "xpath://a[nofn()]",
    "xpath://foo:bar",
    "xpath:count(//a)",
    "xpath:",
    "xpath:///",
    "xpath://a/@href",
    "xpath://div[contains(@class, 'taglib-page-iterator')]//a[contains(@href, '_101_cur=')]",
]


@pytest.mark.parametrize("selector", SELECTORS)
def test_selector_check_agrees_with_parsel(selector: str) -> None:
    """crawler/selectors.py checks without importing parsel: its verdict must be parsel's."""
    from parsel import Selector

    from crawler.selectors import check_selector

    probe = Selector(text="<html></html>")
    try:
        if selector.startswith("xpath:"):
            probe.xpath(selector[len("xpath:") :])
        else:
            probe.css(selector)
        parsel_ok = True
    except Exception:
        parsel_ok = False
    try:
        check_selector(selector)
        ours_ok = True
    except ValueError as exc:
        assert "does not compile" in str(exc)
        ours_ok = False
    assert ours_ok == parsel_ok


def _selectors_of(table: str, values: dict[str, Any]) -> list[str]:
    from crawler.profiles import _SELECTOR_KEYS

    found = [values[key] for key in _SELECTOR_KEYS[table] if values.get(key)]
    return found + list(values.get("drop", [])) if table == "article" else found


def test_every_bundled_selector_and_regex_compiles() -> None:
    """Loading the bundled profiles compiles none of their selectors and regexes (it
    would import lxml, cssselect and RE2 into `luutru health`): this test is what that
    trust rests on. Selectors as parsel compiles them, regexes as the crawl does."""
    import tomllib

    from parsel import Selector

    from crawler import patterns
    from crawler.profiles import BUNDLED_SITES

    probe = Selector(text="<html></html>")
    checked = 0
    for path in sorted(BUNDLED_SITES.rglob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for table in ("listing", "article"):
            for selector in _selectors_of(table, data.get(table, {})):
                if selector.startswith("xpath:"):
                    probe.xpath(selector[len("xpath:") :])
                else:
                    probe.css(selector)
                checked += 1
        regexes = [*data.get("deny", [])]
        regexes += [data.get(t, {}).get("url_pattern") for t in ("listing", "article")]
        for regex in filter(None, regexes):
            patterns.check(regex)
            checked += 1
    assert checked > 45


def test_a_bundled_profile_copied_to_a_user_directory_is_checked(tmp_path: Path) -> None:
    from crawler.profiles import BUNDLED_SITES

    text = (BUNDLED_SITES / "demo-aspnet.toml").read_text(encoding="utf-8")
    (tmp_path / "demo-aspnet.toml").write_text(
        text.replace("[listing]", '[listing]\nlinks = "a[["', 1),
        encoding="utf-8",
    )
    errors: list[ProfileError] = []
    profiles = load_profiles(tmp_path, errors)
    assert "demo-aspnet" not in profiles
    assert [e.key for e in errors] == ["listing.links"]


def test_bad_regex_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + '\n[article]\nurl_pattern = "(?P<id>\\\\d+"\n'))
    assert err.value.key == "article.url_pattern"
    assert "does not compile" in err.value.problem


def test_url_pattern_needs_id_group(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + '\n[article]\nurl_pattern = "ItemID=\\\\d+"\n'))
    assert "(?P<id>" in err.value.problem


def test_missing_required_key(tmp_path: Path) -> None:
    for key in ("id", "name", "start_urls"):
        text = "\n".join(line for line in GOOD.splitlines() if not line.startswith(f"{key} ="))
        with pytest.raises(ProfileError) as err:
            load_profile_file(write(tmp_path, text))
        assert err.value.key == key


def test_id_name_and_start_urls_are_a_whole_profile(tmp_path: Path) -> None:
    text = (
        'id = "so-yte"\nname = "Sở Y tế"\nstart_urls = ["https://soyte.example.gov.vn/tin-tuc"]\n'
    )
    profile = load_profile_file(write(tmp_path, text))
    assert (profile.province, profile.department) == ("", "")
    assert profile.article.url_pattern == "" and profile.listing.links == ""
    assert profile.article.title == "" and profile.article.body == ""


def test_a_profile_without_schedule_gets_a_daily_one_of_its_own(tmp_path: Path) -> None:
    schedules = set()
    for site in ("so-yte", "so-noi-vu", "so-tttt", "so-gddt"):
        text = f'id = "{site}"\nname = "x"\nstart_urls = ["https://x.example/"]\n'
        schedule = load_profile_file(write(tmp_path, text)).schedule
        minute, hour, *rest = schedule.split()
        assert rest == ["*", "*", "*"] and 5 <= int(hour) <= 7 and 0 <= int(minute) < 60
        assert load_profile_file(write(tmp_path, text)).schedule == schedule  # stable
        schedules.add(schedule)
    assert len(schedules) > 1  # spread, not all at once


def test_wrong_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD + '\n[listing]\npostback = "yes"\n'))
    assert err.value.key == "listing.postback"
    assert "expected bool" in err.value.problem


def test_unknown_template(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as err:
        load_profile_file(write(tmp_path, GOOD.replace('"aspnet"', '"joomla"')))
    assert err.value.key == "extends"


def test_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile_file(write(tmp_path, "id = \n"))


def test_user_directory_overrides_bundled_profile(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace('"so-test"', '"demo-aspnet"'), "mine.toml")
    profile = get_profile("demo-aspnet", tmp_path)
    assert profile.name == "Sở Thử nghiệm"


def test_unknown_site_id_lists_known_ones() -> None:
    with pytest.raises(KeyError, match="demo-liferay"):
        get_profile("no-such-site")


def test_rebased_moves_start_urls_only() -> None:
    profile = get_profile("demo-aspnet").rebased("http://127.0.0.1:5555")
    assert profile.start_urls[0] == "http://127.0.0.1:5555/asp/Pages/TinTuc.aspx?CatID=1"
    assert all(u.startswith("http://127.0.0.1:5555/asp/") for u in profile.start_urls)


def test_broken_override_does_not_fall_back_to_the_bundled_profile(tmp_path: Path) -> None:
    broken = GOOD.replace('"so-test"', '"demo-aspnet"') + '\n[article]\ntitle = "h1[["\n'
    write(tmp_path, broken, "override.toml")
    with pytest.raises(ProfileError) as err:
        get_profile("demo-aspnet", tmp_path)
    assert err.value.key == "article.title"


# ---------------------------------------------------------------- hostile and broken files


MINIMAL = 'name = "x"\nstart_urls = ["https://x.example.gov.vn/tin-tuc"]\n'


def test_templates_extending_each_other_are_a_named_cycle(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "ta.toml").write_text('extends = "tb"\n', encoding="utf-8")
    (templates / "tb.toml").write_text('extends = "ta"\n', encoding="utf-8")
    site = write(tmp_path, f'id = "s"\nextends = "ta"\n{MINIMAL}')
    with pytest.raises(ProfileError) as err:
        load_profile_file(site, [templates])
    assert err.value.key == "extends"
    assert "cycle: site → ta → tb → ta" in err.value.problem


def test_a_profile_extending_itself_is_a_cycle_not_a_recursion_error(tmp_path: Path) -> None:
    site = write(tmp_path, f'id = "s"\nextends = "self"\n{MINIMAL}', name="self.toml")
    with pytest.raises(ProfileError) as err:
        load_profile_file(site, [tmp_path])
    assert "cycle" in err.value.problem


def test_a_broken_template_is_named_by_the_profile_that_uses_it(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "cms.toml").write_text("[article\ntitle = 'h1'\n", encoding="utf-8")
    write(tmp_path, f'id = "s"\nextends = "cms"\n{MINIMAL}')
    with pytest.raises(ProfileError) as err:
        get_profile("s", tmp_path)  # not "no site profile": the profile's own error
    assert str(err.value).startswith(str(tmp_path / "site.toml"))
    assert "cms.toml" in str(err.value) and "line 1" in str(err.value)


def test_a_windows_1258_file_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "legacy.toml"
    # "Giám đốc" in windows-1258: á, đ, ô and a combining acute accent as single bytes.
    path.write_bytes(f'id = "s"\n{MINIMAL}'.encode() + b'notes = "Gi\xe1m \xf0\xf4\xecc"\n')
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    message = str(err.value)
    assert message.startswith(str(path)) and "not UTF-8" in message and "line 4" in message


def test_toml_errors_name_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'id = "s"\nname = \n')
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert "line 2" in str(err.value) and "column" in str(err.value)


@pytest.mark.parametrize("pattern", [r"(?=admin)", r"(\w+)\1", "a" * 1001])
def test_regexes_beyond_re2_are_refused_at_load(tmp_path: Path, pattern: str) -> None:
    literal = pattern.replace("\\", "\\\\")  # a TOML basic string
    path = write(tmp_path, f'id = "s"\n{MINIMAL}deny = ["{literal}"]\n')
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert err.value.key == "deny[0]"


def test_a_catastrophic_regex_is_matched_in_linear_time(tmp_path: Path) -> None:
    """(a+)+$ hangs Python's re on a long URL; profile regexes run with RE2."""
    import time

    from crawler.urls import is_denied

    profile = load_profile_file(write(tmp_path, f'id = "s"\n{MINIMAL}deny = ["(a+)+$"]\n'))
    started = time.monotonic()
    assert not is_denied(profile, "https://x.example.gov.vn/" + "a" * 100_000 + "!")
    assert time.monotonic() - started < 1.0


def test_one_broken_profile_does_not_hide_the_others(tmp_path: Path) -> None:
    write(tmp_path, "id = [broken\n", name="broken.toml")
    write(tmp_path, f'id = "ok"\n{MINIMAL}', name="ok.toml")
    errors: list[ProfileError] = []
    profiles = load_profiles(tmp_path, errors)
    assert "ok" in profiles and len(errors) == 1 and "broken.toml" in errors[0].path
