"""Vietnamese function syllables, for telling running prose from navigation and lists.

Vietnamese is written one syllable per token, so "stop-word density" here is the share of
syllables that are function words. Prose ("Sở đã tổ chức hội nghị để triển khai các
nhiệm vụ …") runs at 25–40 %; menus, headings and lists of names ("Trang chủ", "Tin tức
sự kiện", "Văn bản pháp quy") sit far below. jusText uses the same measure per language.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _words(
    """
    và của các là được cho có với những trong này đã để theo không một từ tại về khi đến
    sẽ cũng như thì mà do nhằm ra vào lên nên nhưng hoặc hay đó đây nào vì bởi nếu trên
    dưới sau trước giữa đang vẫn còn rất nhiều mỗi cả chỉ ở làm bị phải cần thể lại chưa
    đều ấy qua hơn nhất thêm cùng bằng tới đối việc sự người năm ngày tháng đồng thời
    nhau luôn ngay rằng gì ai họ chúng tôi ta mình đi điều này nhờ tuy dù song tức
    """
)
_SYLLABLE = re.compile(r"\w+")


def syllables(text: str) -> list[str]:
    return _SYLLABLE.findall(text.casefold())


def stopword_density(text: str) -> float:
    """Share of syllables of ``text`` that are function words (0 for empty text)."""
    words = syllables(text)
    if not words:
        return 0.0
    return sum(1 for w in words if w in STOPWORDS) / len(words)
