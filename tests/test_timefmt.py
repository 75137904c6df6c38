"""Times shown to people (luutru/web/timefmt.py): Vietnam local time and a relative time
in Vietnamese or English, inside <time datetime="ISO 8601">."""

from __future__ import annotations

from datetime import datetime

import pytest
from jinja2 import Environment

from luutru.web.timefmt import install, when_markup, when_text

NOW = datetime.fromisoformat("2026-01-02T10:05:00+07:00")


@pytest.mark.parametrize(
    ("value", "iso"),
    [("2026-01-02T07:05:00+07:00", "2026-01-02T07:05:00+07:00"),
     ("2026-01-02T00:05:00Z", "2026-01-02T07:05:00+07:00"),  # UTC shown in Vietnam time
     ("2026-01-02T00:05:00+00:00", "2026-01-02T07:05:00+07:00"),
     ("2026-01-02T07:05:00", "2026-01-02T07:05:00+07:00")],  # naive means Vietnam time
)  # fmt: skip
def test_local_time_and_relative_time(value: str, iso: str) -> None:
    vi = str(when_markup(value, "vi", NOW))
    assert f'<time datetime="{iso}"' in vi
    assert "02/01/2026 07:05" in vi and "3 giờ trước" in vi
    assert when_text(value, "en", NOW) == "02/01/2026 07:05 (3 hours ago)"


def test_future_times_dates_and_unreadable_values() -> None:
    assert when_text("2026-01-04T10:05:00+07:00", "vi", NOW).endswith("(sau 2 ngày nữa)")
    assert when_text("2026-01-04T10:05:00+07:00", "en", NOW).endswith("(in 2 days)")
    assert str(when_markup("2024-05-01", "vi", NOW)) == (
        '<time datetime="2024-05-01">01/05/2024</time>'
    )
    assert str(when_markup("<b>x</b>", "vi", NOW)) == "&lt;b&gt;x&lt;/b&gt;"
    assert str(when_markup(None, "vi", NOW)) == ""


def test_filters_follow_the_page_language() -> None:
    env = Environment(autoescape=True)
    install(env)
    page = env.from_string("{{ at | when }}|{{ at | when_text }}")
    value = datetime.now().astimezone().isoformat()
    vi, en = page.render(at=value, lang="vi"), page.render(at=value, lang="en")
    assert "trước" in vi and "ago" in en and "<time datetime=" in vi
