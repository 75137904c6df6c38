"""archive/fold.py: Vietnamese folding for search, length-preserving on NFC text."""

from __future__ import annotations

import unicodedata

import pytest

from archive.fold import exact_key, fold, nfc, tokens

SAMPLES = [
    "Sở Lao động - Thương binh và Xã hội",
    "ĐẢNG ỦY KHỐI CƠ QUAN, Đảng ủy xã Ưng Hòe",
    "Quyết định số 123/QĐ-UBND ngày 05/6/2025 — “trích yếu” İstanbul ß ﬁ 😀",
    "q\u0301 combining mark with no precomposed form",
]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_length_preserving_on_nfc(text: str, form: str) -> None:
    source = unicodedata.normalize(form, text)
    assert len(fold(source)) == len(nfc(source))
    assert len(exact_key(source)) == len(nfc(source))


def test_offsets_map_onto_the_original() -> None:
    original = nfc("Hội nghị Đảng ủy về LAO ĐỘNG, thương binh")
    folded = fold(original)
    start = folded.index("lao dong")
    assert original[start : start + len("lao dong")] == "LAO ĐỘNG"
    start = folded.index("dang uy")
    assert original[start : start + 7] == "Đảng ủy"


def test_fold_values() -> None:
    assert fold("Lao động") == "lao dong"
    assert fold("Đảng ủy") == "dang uy"
    assert fold(unicodedata.normalize("NFD", "Đảng ủy")) == "dang uy"
    assert fold("Ưng Hòe Ơn Ấp") == "ung hoe on ap"
    assert fold(None) == "" and fold("") == ""


def test_exact_key_keeps_diacritics() -> None:
    assert exact_key("Lao ĐỘNG") == "lao động"
    assert exact_key(unicodedata.normalize("NFD", "Lão")) == "lão"
    assert exact_key("lao động") != exact_key("lão động")


def test_tokens_like_fts5() -> None:
    assert tokens(fold("covid-19, a_b (Đà Nẵng)")) == ["covid", "19", "a", "b", "da", "nang"]


def test_long_texts_and_batches_fold_as_short_ones() -> None:
    """Long texts go through a numpy lookup array, batches through one joined string:
    both give what the per-character tables give, for every BMP character and beyond."""
    from archive.fold import _tables, exact_keys, fold_many, tone_placement

    every = "".join(chr(c) for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF)
    text = nfc(every + "😀𝔘 Đảng ủy" * 300)
    assert len(text) > 2_000
    assert fold(text) == text.translate(_tables()[0])
    assert exact_key(text) == tone_placement(text.translate(_tables()[1]))
    texts = [*SAMPLES, None, "", text, "a\x00b"]
    assert fold_many(texts) == [fold(t) for t in texts]
    assert exact_keys(texts) == [exact_key(t) for t in texts]
    lone = "x\ud800" * 1_500  # a lone surrogate (surrogateescape input) is kept
    assert fold(lone) == lone and exact_key(lone.upper()) == lone


def test_the_lookup_arrays_map_every_bmp_character_as_the_tables() -> None:
    """The numpy path (UTF-16 code units through a 16-bit array) gives what the tables
    give for every BMP character it takes, and characters beyond the BMP pass through;
    a text holding one of the seven whose fold is beyond the BMP, or a lone surrogate,
    goes the table's way and is still right."""
    from archive.fold import _arrays, _code_units, _tables, _translate

    wide = _arrays()[2]
    assert len(wide) == 7 and all(ord(_tables()[0][ord(ch)]) > 0xFFFF for ch in wide)
    every = "".join(
        chr(c) for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF and chr(c) not in wide
    )
    text = every + "😀𝔘 Đảng ủy" * 300
    assert _code_units(text) is not None  # the numpy path is the one tested here
    for which in (0, 1):
        assert _translate(text, which) == text.translate(_tables()[which])
    with_wide = text + wide
    assert _code_units(with_wide) is None
    assert fold(with_wide) == nfc(with_wide).translate(_tables()[0])


def test_folding_and_keying_a_batch_at_once_is_each_done_alone() -> None:
    from archive.fold import _arrays, exact_keys, fold_and_key_many, fold_many

    long = "Ủy ban nhân dân tỉnh Hòa Bình, khỏe mạnh 😀 " * 80
    batches = [
        [*SAMPLES, None, "", long, "thủy"],  # one long pass
        ["Hòa", "ngắn"],  # short: the tables filled on sight
        [long, "a\x00b"],  # a NUL: one by one
        [long, _arrays()[2][0]],  # a wide fold
        [long, "x\ud800"],  # a lone surrogate
        [],
    ]
    for texts in batches:
        assert fold_and_key_many(texts) == (fold_many(texts), exact_keys(texts))
        assert fold_and_key_many(texts)[1] == [exact_key(t) for t in texts]


def test_a_batch_places_tones_as_the_pattern_does() -> None:
    """The batch path moves tones with numpy (fold.py ``_placed_new``); random texts of
    pairs, letters, marks, separators, NUL and characters beyond the BMP key exactly as
    ``exact_key`` (the pattern) keys each one."""
    import random

    from archive.fold import fold_and_key_many

    rng = random.Random(5)
    alphabet = [*"òóõỏọùúũủụÒÙỦaeyAEYn _-.,\u0301\u0323\x00đ漢²", "😀", "𝔘", "hòa", "Ủy"]
    for n in range(80):
        letters = alphabet if n % 2 else [a for a in alphabet if a not in ("😀", "𝔘")]
        texts = [
            "".join(rng.choice(letters) for _ in range(rng.randrange(1, 400)))
            for _ in range(rng.randrange(1, 30))
        ]
        texts = [t.replace("\x00", "") for t in texts] if rng.random() < 0.8 else texts
        assert fold_and_key_many(texts)[1] == [exact_key(t) for t in texts]


def test_tone_placement_moves_exactly_the_open_pairs() -> None:
    """Every toned o/u before a, e, y (any case), at a word's end and before more
    letters: the tone moves onto the second vowel of "oa", "oe", "uy" only."""
    from archive.fold import tone_placement

    for base in "oOuU":
        for tone in "\u0300\u0301\u0303\u0309\u0323":
            vowel = nfc(base + tone)
            for second in "aeyAEY":
                pair = vowel + second
                moves = (base.lower(), second.lower()) in {("o", "a"), ("o", "e"), ("u", "y")}
                expected = base + nfc(second + tone) if moves else pair
                assert tone_placement("h" + pair) == "h" + expected
                assert tone_placement(pair + " x") == expected + " x"
                assert tone_placement("h" + pair + "n") == "h" + pair + "n"  # not the end


def test_short_texts_fold_by_the_table_filled_on_sight() -> None:
    """Short texts map through tables filled as characters are seen: every BMP character
    maps as in the whole tables, surrogates and characters beyond the BMP stay."""
    from archive.fold import _NUMPY_FROM, _tables, _translate

    every = [chr(c) for c in range(1, 0x10000)] + ["😀", "𝔘", "𐐀"]
    step = _NUMPY_FROM // 2
    for which in (0, 1):
        for lo in range(0, len(every), step):
            chunk = "".join(every[lo : lo + step])
            assert _translate(chunk, which) == chunk.translate(_tables()[which])
    assert fold("𐐀") == "𐐀"  # Deseret capital: lowercase exists, kept as documented


def test_token_pattern_finds_what_token_re_finds() -> None:
    """The quick ``\\w+`` is chosen only where it cannot differ from TOKEN_RE: texts with
    "_" (a separator for FTS5, a word character for \\w) or combining marks (inside a
    token for FTS5, not \\w) keep TOKEN_RE."""
    import random

    from archive.fold import TOKEN_RE, token_pattern

    assert token_pattern("lao động") is not TOKEN_RE
    assert token_pattern("a_b") is TOKEN_RE and tokens("a_b") == ["a", "b"]
    assert token_pattern("q\u0301x") is TOKEN_RE and tokens("q\u0301x") == ["q\u0301x"]
    rng = random.Random(3)
    alphabet = list("ab _-.,đĐàạ\u0301\u0323 12３٣²ⅷ\u200b\u00a0\nЖ漢😀ǅ")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        for keyed in (text, fold(text), exact_key(text)):
            assert token_pattern(keyed).findall(keyed) == TOKEN_RE.findall(keyed), keyed
