from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from crawler.extract.vietnamese.dates import ArticleDate, find_article_date, parse_vietnamese_date


def iso(text: str, fmt: str | None = None) -> tuple[str, str | None] | None:
    found = parse_vietnamese_date(text, fmt)
    return (found.date_iso, found.datetime_iso) if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ngày cập nhật 24/01/2021", ("2021-01-24", None)),
        ("Ngày đăng 06/01/2016", ("2016-01-06", None)),
        ("(Ngày 20/02/2012)", ("2012-02-20", None)),
        ("24-01-2021", ("2021-01-24", None)),
        ("24.01.2021", ("2021-01-24", None)),
        ("ngày 24 tháng 01 năm 2021", ("2021-01-24", None)),
        ("Ngày 5 tháng 3 năm 2020", ("2020-03-05", None)),
        ("5/3/2020", ("2020-03-05", None)),
    ],
)
def test_date_only_forms(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cập nhật lúc 08:30 SA, Thứ Hai, 25/01/2021", "2021-01-25T08:30:00+07:00"),
        ("Cập nhật lúc 08:30 CH, Thứ Hai, 25/01/2021", "2021-01-25T20:30:00+07:00"),
        ("21/07/2022 | 10:00 AM", "2022-07-21T10:00:00+07:00"),
        ("Ngày đăng 06/01/2016 | 03:30 PM", "2016-01-06T15:30:00+07:00"),
        ("Thứ Hai, 25/01/2021 08:30", "2021-01-25T08:30:00+07:00"),
        ("01/11/2024 - 09:50", "2024-11-01T09:50:00+07:00"),
        ("Ngày đăng 06/01/2016 | 03:30 PM | View count: 426", "2016-01-06T15:30:00+07:00"),
        ("24/01/2021 8h30", "2021-01-24T08:30:00+07:00"),
        ("24/01/2021 20:15", "2021-01-24T20:15:00+07:00"),
    ],
)
def test_date_time_forms(text, expected):
    found = iso(text)
    assert found is not None
    assert found[1] == expected
    assert found[0] == expected[:10]


@pytest.mark.parametrize(
    ("clock", "hour"),
    [
        ("12:05 SA", 0),
        ("12:05 AM", 0),
        ("12:05 CH", 12),
        ("12:05 PM", 12),
        ("01:00 CH", 13),
        ("11:59 PM", 23),
        ("11:59 AM", 11),
        ("1:07 pm", 13),
    ],
)
def test_twelve_hour_clock(clock, hour):
    found = parse_vietnamese_date(f"{clock}, 25/01/2021")
    assert found is not None
    assert found.time == dt.time(hour, int(clock[clock.index(":") + 1 : clock.index(":") + 3]))


def test_pm_with_24h_hour_is_tolerated():
    assert iso("25/01/2021 15:30 PM")[1] == "2021-01-25T15:30:00+07:00"


def test_impossible_time_keeps_date():
    assert iso("25/01/2021 25:61") == ("2021-01-25", None)


def test_date_digits_not_read_as_time():
    assert iso("24.01.2021") == ("2021-01-24", None)


def test_nfd_and_nbsp_noise():
    noisy = "Ngày\u00a0cập nhật:\u00a0 24/01/2021\u00a0&nbsp;08:30\u200b"
    text = unicodedata.normalize("NFD", noisy)
    assert iso(text) == ("2021-01-24", "2021-01-24T08:30:00+07:00")


def test_entities_decoded():
    assert iso("Ng&agrave;y &#273;&#259;ng 06/01/2016") == ("2016-01-06", None)


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2021",
        "30/02/2020",
        "00/01/2021",
        "12/13/2021",
        "01/24/2021",
        "ngày 32 tháng 1 năm 2021",
    ],
)
def test_impossible_dates(text):
    assert parse_vietnamese_date(text) is None


@pytest.mark.parametrize("text", ["Chiều ngày (15/1)", "Ngày 21/7", "(15/1)", "tháng 7/2022"])
def test_partial_dates_rejected(text):
    assert parse_vietnamese_date(text) is None


@pytest.mark.parametrize(
    "junk", ["", "   ", "abc", "Thứ Hai", "123456789", "99/99/9999", "08:30 SA", None, 42, "\x00"]
)
def test_garbage_is_none(junk):
    assert parse_vietnamese_date(junk) is None


def test_date_format_first():
    found = parse_vietnamese_date("2021/24/01 08:30", "%Y/%d/%m %H:%M")
    assert found == ArticleDate(dt.date(2021, 1, 24), dt.time(8, 30))


def test_date_format_falls_back_to_builtin():
    assert iso("Ngày đăng 06/01/2016", "%Y-%m-%d") == ("2016-01-06", None)


def test_date_format_without_time():
    assert iso("2016|01|06", "%Y|%m|%d") == ("2016-01-06", None)


def test_iso_timestamp_converted_to_vietnam_time():
    assert iso("2021-01-24T20:00:00Z") == ("2021-01-25", "2021-01-25T03:00:00+07:00")


def test_first_full_date_wins():
    assert iso("Ngày 21/7 (đăng 22/07/2022), sửa 23/07/2022") == ("2022-07-22", None)


def test_find_article_date_first_parsing_text():
    found = find_article_date(["Các tin khác", "Ngày 21/7", "Ngày đăng 06/01/2016", "01/01/2020"])
    assert found is not None and found.date_iso == "2016-01-06"
    assert find_article_date([]) is None
    assert find_article_date(["x", "y"]) is None


def test_datetime_iso_offset_and_none():
    assert ArticleDate(dt.date(2021, 1, 24)).datetime_iso is None
    when = ArticleDate(dt.date(2021, 6, 1), dt.time(23, 59, 42))
    assert when.datetime_iso == "2021-06-01T23:59:00+07:00"
    assert when.date_iso == "2021-06-01"
