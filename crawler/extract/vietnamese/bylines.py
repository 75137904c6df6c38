"""Bylines and sources at the foot of Vietnamese articles.

Portals rarely mark the author up: it is a last paragraph such as "Ngô Thị Nguyệt Ánh",
"Tin, ảnh: Trần Văn Hùng" or "(Nguồn: Báo Hòa An)". Guessing must never turn a sentence or
a sidebar heading ("Các tin khác") into an author, so:

* a line with an explicit prefix ("Tác giả:", "Tin, ảnh:", "Bài:" …) only needs to *look*
  like a byline (short, no digits, not a sentence) — pen names such as "Minh Anh" pass;
* a bare line without prefix must be a personal name whose first syllable is a common
  Vietnamese family name (whitelist). Two-syllable pen names without a prefix are
  therefore missed on purpose: a false author is worse than a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from crawler.extract.vietnamese.text import normalize_text


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common Vietnamese family names (NFC). Covers the vast majority of the population.
FAMILY_NAMES = _words(
    """
    Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn
    Trịnh Mai Lương Tạ Cao Lâm Hà Chu Tô Quách Lưu Kiều Thái Văn Đào Trương Châu Phùng
    Triệu Tăng Vương Khúc La Lại Hứa Mạc Giang Nông Lò Thân Âu Diệp Đàm Đồng Tôn Tống
    Lục Lã Lữ Nghiêm Ông Phí Quan Tiêu Từ Viên Doãn Khổng Hầu Mã Kim Bạch Đậu Thạch
    Lăng Ninh Nhữ Hàn Cù Vi Hoàng Bế Sầm Lô Ma Y Cầm Lường Quàng Bạc Mẫn Khuất Thiều
    Đoàn Giáp Chế Chử Ưng Yên Uông Âu Lạc Liêu Tiết Văn Đới Trình Cung Biện Ân
    """
)
# Syllables that never occur in a personal name but do start headings and organisations.
# Common given names (Trang, Chính, Thoại, Quy, Tĩnh) are deliberately absent: "Trang chủ"
# is still refused by "Chủ", and a byline "Ngô Thị Trang" must pass.
NON_NAME_WORDS = _words(
    """
    Sở Ban Phòng Ủy Uỷ Đảng Tỉnh Huyện Xã Phường Cục Bộ Tin Tức Khác Kê Truy Cập Xem Thêm
    Chủ Hệ Điện Báo Tạp Chí Đài Cổng Ngày Tháng Hết Nguồn Ảnh Bài Các Những
    Một Của Và Với Trong Theo Về Đã Đang Sẽ Được Là Không Này Lượt Online Hôm Nay Hoạch
    Chương Điều Mục Thủ Tục Hành Đăng Nhập Tìm Kiếm Website Nội
    """
)
_WORDS_CASEFOLDED = frozenset(w.casefold() for w in NON_NAME_WORDS)
_FAMILY_CASEFOLDED = frozenset(w.casefold() for w in FAMILY_NAMES)

_PREFIXES = (
    r"tác\s+giả|người\s+viết|phóng\s+viên|thực\s+hiện|nhóm\s+pv|"
    r"tin\s*(?:,|và|&|-|–|/)\s*ảnh|bài\s*(?:,|và|&|-|–|/)\s*ảnh|tin\s+bài|tin|bài|pv"
)
_BYLINE = re.compile(rf"^(?:{_PREFIXES})\s*[:：]\s*(?P<value>.+)$", re.IGNORECASE)
_SOURCE = re.compile(
    r"^[(\[]?\s*nguồn(?:\s+(?:tin|bài|ảnh))?\s*[:：\-–]\s*(?P<value>.+?)\s*[)\]]?\.?$",
    re.IGNORECASE,
)
# "… (Nguồn: X)" or "… - Nguồn: X" at the end of a byline line.
_TRAILING_SOURCE = re.compile(
    r"\s*(?:[(\[]\s*|[-–|]\s*)?nguồn\s*[:：]\s*(?P<value>[^)\]]+?)\s*[)\]]?\.?$", re.IGNORECASE
)
# "Theo Hồ Hương" names the writer a piece is based on; "Theo TTXVN" a source. Only the
# first is a byline: the prefix is dropped when a personal name follows.
_THEO = re.compile(r"^theo\s+(?=[A-ZĐÂĂÊÔƠƯ]\w*\s+[A-ZĐÂĂÊÔƠƯ])", re.IGNORECASE)
_NOTE = re.compile(r"\s*\([^()]{1,40}\)\s*$")
_PV_ONLY = re.compile(r"^(?:nhóm\s+)?pv\.?$", re.IGNORECASE)
_MAX_BYLINE_WORDS = 6
_MAX_SOURCE_WORDS = 12


def _syllables(line: str) -> list[str]:
    line = normalize_text(line)
    if line.endswith("."):
        line = line[:-1].rstrip()
    return line.split()


def _name_shaped(words: list[str]) -> bool:
    """2–5 capitalised alphabetic syllables (accented capitals included), no stop word."""
    if not 2 <= len(words) <= 5:
        return False
    for word in words:
        if not word.isalpha() or not word[0].isupper():
            return False
        if not (word[1:].islower() or word.isupper() or len(word) == 1):
            return False  # "NguyễnVăn", "tRần"
        if word.casefold() in _WORDS_CASEFOLDED:
            return False
    return True


def is_person_name(line: str) -> bool:
    """True for a bare Vietnamese personal name such as "Ngô Thị Nguyệt Ánh".

    Needs 2–5 capitalised syllables, letters only (a trailing period is tolerated), a
    first syllable from the family-name whitelist and no administrative/heading word.
    """
    if not isinstance(line, str):
        return False
    words = _syllables(line)
    return _name_shaped(words) and words[0].casefold() in _FAMILY_CASEFOLDED


def looks_like_pen_name(line: str) -> bool:
    """A pen name without a family name ("Thanh Thúy", "Minh Anh", "NHẬT XUÂN"): 2–4
    capitalised syllables and no heading word. Too weak alone; trusted only with other
    evidence: an author box, or a last line set apart in bold, italics or to the right."""
    if not isinstance(line, str):
        return False
    words = _syllables(line)
    return len(words) <= 4 and _name_shaped(words)


def _looks_like_byline(value: str) -> bool:
    """Short, digit-free, not a sentence: what may follow an explicit "Tác giả:" prefix."""
    if not value or any(ch.isdigit() for ch in value):
        return False
    words = value.split()
    if len(words) == 1 and sum(ch.isalpha() for ch in value) < 2:
        return False  # "Tin: A" — an initial is not a byline ("PV" is handled apart)
    if value[-1] in "!?;:…" or len(words) > _MAX_BYLINE_WORDS:
        return False
    if value.endswith(".") and any(w[0].islower() for w in words if w[0].isalpha()):
        return False  # "Hội nghị kết thúc tốt đẹp." is a sentence, "Lê Minh." a name
    return value[0].isupper()


def _first_author(value: str) -> str:
    # "Tin, ảnh: X - Trung tâm Y" keeps X; parenthesised notes ("(tổng hợp)") go too.
    # The final period stays: _looks_like_byline needs it to recognise a sentence.
    return re.split(r"\s+[-–|]\s+|\s*\(", value, maxsplit=1)[0].strip()


def _accepted(value: str) -> str | None:
    if _PV_ONLY.match(value):
        return "PV"
    return value.rstrip(".").strip() if _looks_like_byline(value) else None


def clean_source(text: str | None) -> str | None:
    """The source name from "(Nguồn: Báo Hòa An)", "Nguồn: X" or a bare selected text."""
    value = normalize_text(text)
    match = _SOURCE.match(value)
    if match:
        value = match.group("value")
    value = value.strip("()[] ").rstrip(".").strip()
    if not value or len(value.split()) > _MAX_SOURCE_WORDS:
        return None
    return value


def clean_author(text: str | None) -> str | None:
    """Author from an explicit selector's text: prefixes stripped; sentences rejected."""
    value = normalize_text(text)
    match = _BYLINE.match(value)
    if match:
        value = match.group("value")
    value = _THEO.sub("", value)  # "Theo Hồ Hương": a byline, when a name follows
    value = _TRAILING_SOURCE.sub("", value).strip("()[] ")
    return _accepted(_first_author(value))


def _parse_line(
    line: str, styled: Callable[[], bool] = lambda: False
) -> tuple[str | None, str | None] | None:
    """(author, source) when ``line`` is a byline and/or source line, else None.
    ``styled()``: the line is set apart like a byline, so a pen name alone is enough (asked
    only of a bare line that is no person's name)."""
    line = normalize_text(line)
    if not line:
        return None
    source_match = _SOURCE.match(line)
    if source_match:
        source = clean_source(line)
        return (None, source) if source else None
    if _PV_ONLY.match(line):
        return ("PV", None)
    byline = _BYLINE.match(line)
    if byline:
        value = byline.group("value")
        source = None
        trailing = _TRAILING_SOURCE.search(value)
        if trailing:
            source = clean_source(trailing.group("value"))
            value = value[: trailing.start()]
        author = _accepted(_first_author(value))
        return (author, source) if author else None
    # A bare name, possibly followed by "(Nguồn: X)" or a note ("Hà Thu (tổng hợp)").
    source = None
    trailing = _TRAILING_SOURCE.search(line)
    if trailing and trailing.start() > 0:
        source = clean_source(trailing.group("value"))
        line = line[: trailing.start()]
    line = _NOTE.sub("", line)
    if is_person_name(line) or (looks_like_pen_name(line) and styled()):
        return (line.rstrip(".").strip(), source)
    return None


def split_author_source(
    paragraphs: list[str], styled: Container[str] = frozenset()
) -> tuple[list[str], str | None, str | None]:
    """Remove byline/source lines from the end of ``paragraphs``.

    Looks at the last non-empty paragraph and, when that one was a byline or source, at the
    one before it (author and source may come in either order). ``styled``: paragraphs
    set apart like a byline (bold, italic, right-aligned), where a pen name counts. Returns
    ``(remaining paragraphs, author, source)``; only trailing lines are ever removed.
    """
    rest = [p for p in paragraphs if p and p.strip()]
    # Trailing ornaments ("×" of a closed pop-up, "***", "---") are not text: not a reason
    # to stop looking for the byline above them.
    while rest and not any(ch.isalnum() for ch in rest[-1]):
        rest.pop()
    author: str | None = None
    source: str | None = None
    for _ in range(2):
        if not rest:
            break
        line = rest[-1]
        parsed = _parse_line(line, lambda line=line: line in styled)
        if parsed is None:
            break
        line_author, line_source = parsed
        if (line_author and author) or (line_source and source):
            break  # a second byline of the same kind: leave it in the text
        author = author or line_author
        source = source or line_source
        rest.pop()
    return rest, author, source
