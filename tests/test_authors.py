from __future__ import annotations

import unicodedata

import pytest

from crawler.extract.vietnamese.bylines import clean_author, is_person_name, split_author_source

BODY = ["Hội nghị diễn ra sáng nay.", "Các đại biểu thống nhất nội dung."]


@pytest.mark.parametrize(
    "name",
    [
        "Ngô Thị Nguyệt Ánh",
        "Trần Văn Hùng",
        "Lê Hà",
        "Đặng Thị Mỹ Hạnh Dung",
        "Nguyễn Văn An.",
        "Âu Dương Phong",
        "Ưng Hoàng Phúc",
        "NGUYỄN VĂN AN",
    ],
)
def test_person_names(name):
    assert is_person_name(name)


@pytest.mark.parametrize(
    "line",
    [
        "Các Tin Khác",
        "Thống Kê Truy Cập",
        "Sở Lao Động",
        "Ủy Ban Nhân Dân",
        "Ban Biên Tập",
        "Các tin khác",
        "Xem thêm",
        "Hết",
        "Trần",
        "Nguyễn Văn Thị Minh Anh Hồng",
        "Nguyễn Văn 3",
        "Nguyễn Văn An, Hà",
        "Minh Anh",
        "nguyễn văn an",
        "Hà Nội",
        "Lê Văn Sở",
        "Trần văn Hùng",
        "",
    ],
)
def test_not_person_names(line):
    assert not is_person_name(line)


def test_nfd_name():
    assert is_person_name(unicodedata.normalize("NFD", "Ngô Thị Nguyệt Ánh"))


def test_split_bare_name():
    rest, author, source = split_author_source([*BODY, "Ngô Thị Nguyệt Ánh"])
    assert (rest, author, source) == (BODY, "Ngô Thị Nguyệt Ánh", None)


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Tác giả: Minh Anh", "Minh Anh"),
        ("Tin, ảnh: Trần Văn Hùng", "Trần Văn Hùng"),
        ("Tin, ảnh: Trần Văn Hùng - Trung tâm Văn hóa", "Trần Văn Hùng"),
        ("Tin và ảnh: Thu Hà", "Thu Hà"),
        ("Tin: Hồng Nhung", "Hồng Nhung"),
        ("Bài, ảnh: Quang Huy", "Quang Huy"),
        ("Bài: Lê Minh.", "Lê Minh"),
        ("PV", "PV"),
        ("Tin: PV", "PV"),
    ],
)
def test_split_prefixed_author(line, author):
    rest, found, source = split_author_source([*BODY, line])
    assert found == author
    assert rest == BODY
    assert source is None


@pytest.mark.parametrize(
    "line",
    ["(Nguồn: Báo Hòa An)", "Nguồn: Báo Hòa An", "Nguồn: Báo Hòa An.", "[Nguồn: Báo Hòa An]"],
)
def test_split_source(line):
    assert split_author_source([*BODY, line]) == (BODY, None, "Báo Hòa An")


def test_split_author_then_source():
    lines = [*BODY, "Tin, ảnh: Trần Văn Hùng", "(Nguồn: Báo Hòa An)"]
    assert split_author_source(lines) == (BODY, "Trần Văn Hùng", "Báo Hòa An")


def test_split_source_then_author():
    lines = [*BODY, "Nguồn: Sở Y tế", "Ngô Thị Nguyệt Ánh"]
    assert split_author_source(lines) == (BODY, "Ngô Thị Nguyệt Ánh", "Sở Y tế")


def test_split_author_and_source_on_one_line():
    lines = [*BODY, "Tin, ảnh: Minh Anh (Nguồn: Báo Cao Bằng)"]
    assert split_author_source(lines) == (BODY, "Minh Anh", "Báo Cao Bằng")


def test_split_only_two_lines_looked_at():
    lines = [*BODY, "Ngô Thị Nguyệt Ánh", "Tin: Minh Anh", "Nguồn: Báo X"]
    rest, author, source = split_author_source(lines)
    assert (author, source) == ("Minh Anh", "Báo X")
    assert rest[-1] == "Ngô Thị Nguyệt Ánh"


@pytest.mark.parametrize(
    "line",
    [
        "Các tin khác",
        "Xem thêm",
        "Hết",
        "Các Tin Khác",
        "Hội nghị kết thúc lúc 11 giờ cùng ngày.",
        "Trân trọng cảm ơn!",
        "Tin: Hôm nay các đại biểu đã thảo luận về rất nhiều nội dung quan trọng.",
        "Bài: 123",
        "Minh Anh",
        "Ảnh: Trần Văn Hùng",
    ],
)
def test_non_author_last_line_kept(line):
    rest, author, source = split_author_source([*BODY, line])
    assert author is None and source is None
    assert rest == [*BODY, line]


def test_empty_paragraphs_ignored():
    assert split_author_source(["", *BODY, "  ", "Lê Văn Tám", ""]) == (BODY, "Lê Văn Tám", None)
    assert split_author_source([]) == ([], None, None)


def test_only_trailing_lines_removed():
    lines = ["Ngô Thị Nguyệt Ánh", *BODY]
    assert split_author_source(lines) == (lines, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tác giả: Ngô Thị Nguyệt Ánh", "Ngô Thị Nguyệt Ánh"),
        ("  Minh\u00a0Anh ", "Minh Anh"),
        (unicodedata.normalize("NFD", "Bài: Đỗ Thị Ngọc"), "Đỗ Thị Ngọc"),
        ("Tin, ảnh: Trần Văn Hùng - TTVH huyện", "Trần Văn Hùng"),
        ("(Phạm Hùng)", "Phạm Hùng"),
        ("PV.", "PV"),
        ("Hôm nay các đại biểu đã thảo luận về nhiều nội dung.", None),
        ("Lượt xem: 426", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_author(text, expected):
    assert clean_author(text) == expected


@pytest.mark.parametrize(
    "text", ["Hội nghị kết thúc tốt đẹp.", "Tin: Buổi lễ diễn ra trang trọng.", "Xin cảm ơn!"]
)
def test_short_sentences_are_not_authors(text):
    assert clean_author(text) is None
    assert split_author_source(["A.", text]) == (["A.", text], None, None)


@pytest.mark.parametrize("name", ["Ngô Trang", "Đỗ Ngọc Trang", "Lê Văn Chính", "Phạm Quy"])
def test_given_names_that_look_like_words_are_names(name: str) -> None:
    assert is_person_name(name)


def test_home_link_is_not_a_name() -> None:
    assert not is_person_name("Trang Chủ")
