"""Vietnamese-aware text folding for search: diacritics, đ/Đ, case, NFC/NFD.

``fold`` turns text into the form the diacritic-insensitive index holds ("Đảng ủy" →
"dang uy"); ``exact_key`` only lowercases (the exact-diacritics index). Both normalise to
NFC first and are then *length-preserving*: each NFC character maps to exactly one
character, so an offset found in ``fold(t)`` is the same offset in ``nfc(t)``. Search uses
that to highlight matches on the original words, diacritics and capitals included.

Old and new tone placement ("hòa"/"hoà", "thủy"/"thuỷ", "khỏe"/"khoẻ"): both spellings are
correct Vietnamese and portals mix them, so ``exact_key`` puts the tone where the new
rules do (on the second vowel of an open "oa", "oe", "uy" syllable) before anything is
indexed or searched; it is a swap of marks between two characters, so keying stays
length-preserving. ``fold`` drops tones anyway.

Why not SQLite's ``remove_diacritics``: it does not fold đ/Đ (a letter of its own in
Unicode, not d + a mark), so "dang uy" would never find "Đảng ủy".
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

# Letters with no canonical decomposition that Vietnamese readers still type without
# their "diacritic" (đ is the one that matters; the others are cheap to add).
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}

# Token characters as FTS5 unicode61 sees them (categories L*, N*, Co, plus combining
# marks, which stay inside a token). Python's \w also matches "_" (a separator for FTS5)
# and misses combining marks, hence the explicit class.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
TOKEN_RE = re.compile(rf"(?:[^\W_]|[{_MARKS}])+")
# Where a text holds no "_" and no combining mark, \w+ finds exactly TOKEN_RE's tokens,
# three to four times faster (one character class, no alternation).
_PLAIN_TOKEN_RE = re.compile(r"\w+")
_NOT_PLAIN = re.compile(rf"[_{_MARKS}]")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _lower1(ch: str) -> str:
    """Lowercase ``ch`` if that keeps it one character (İ → "i̇" would not)."""
    low = ch.lower()
    return low if len(low) == 1 else ch


def _fold1(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = unicodedata.normalize("NFD", ch)[0]
    # A lone combining mark NFC could not compose stays as it is: dropping it would break
    # the one-to-one offset mapping (and FTS5 keeps it inside its token anyway).
    return _lower1(base)


class _OnSight(dict[int, str]):
    """A str.translate table that maps each BMP character the first time it is seen.

    Why: the whole table takes ~30 ms to build, a tenth of ``luutru search``'s start,
    which folds a query of a few words. A seen character stays in the table (unchanged
    ones map to themselves, which str.translate reads faster than a miss); characters
    beyond the BMP are kept as they are, as in ``_tables``."""

    def __init__(self, one: Callable[[str], str]) -> None:
        super().__init__()
        self._one = one

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = ch if code > 0xFFFF or 0xD800 <= code <= 0xDFFF else self._one(ch)
        self[code] = out
        return out


_ON_SIGHT = (_OnSight(_fold1), _OnSight(_lower1))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], dict[int, str]]:
    """str.translate tables over the whole BMP (built once, ~30 ms; what the numpy arrays
    of long texts are made from): only changed characters."""
    folded: dict[int, str] = {}
    lowered: dict[int, str] = {}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        ch = chr(code)
        f = _fold1(ch)
        if f != ch:
            folded[code] = f
        low = _lower1(ch)
        if low != ch:
            lowered[code] = low
    return folded, lowered


# Tone marks (combining, as NFD gives them) and the open syllables whose tone moves.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_PAIRS = {"o": "ae", "u": "y"}  # òa → oà, òe → oè, ùy → uỳ


def _old_tone_table() -> dict[str, tuple[str, str]]:
    """{composed vowel with a tone: (bare vowel, tone)} for o/u (any case)."""
    table = {}
    for base in "oOuU":
        for tone in _TONES:
            table[unicodedata.normalize("NFC", base + tone)] = (base, tone)
    return table


_OLD_TONE = _old_tone_table()


def _new_pairs() -> dict[str, str]:
    """{old-style pair: new-style pair}, every case: "òa" → "oà", "ÙY" → "UỲ"."""
    pairs = {}
    for vowel, (base, tone) in _OLD_TONE.items():
        for second in _PAIRS[base.lower()]:
            for cased in (second, second.upper()):
                pairs[vowel + cased] = base + unicodedata.normalize("NFC", cased + tone)
    return pairs


_NEW_PAIRS = _new_pairs()
# A toned o/u and the vowel after it, ending its word (not before another letter or mark):
# one character class first, which the regex engine scans for quickly. "òy", "ùa" … match
# too and are left as they are. The replacement is a dict lookup (a batch of versions goes
# through ``_placed_new`` instead, which does the same with numpy).
_OLD_PAIR = re.compile(rf"[{''.join(_OLD_TONE)}][aeyAEY](?![^\W_]|[{_MARKS}])")


def _new_placement(match: re.Match[str]) -> str:
    pair = match[0]
    return _NEW_PAIRS.get(pair, pair)


def tone_placement(text: str) -> str:
    """NFC ``text`` with old-style tone placement made new-style ("hòa" → "hoà",
    "Ủy" → "Uỷ"); same length, other text unchanged."""
    return _OLD_PAIR.sub(_new_placement, text)


@lru_cache(maxsize=1)
def _tone_arrays() -> tuple[Any, Any, Any, Any, Any]:
    """For ``_placed_new``, over UTF-16 code units: which are a lowercase toned o/u; which
    end a word for ``_OLD_PAIR``'s look-ahead (not a letter, digit or mark; surrogates do
    not: the pattern decides there); the lowercase pairs whose tone moves (first << 16 |
    second, sorted) and their new first and second characters."""
    import numpy as np

    after = re.compile(rf"(?![^\W_]|[{_MARKS}])")
    ends = np.array(
        [not 0xD800 <= c <= 0xDFFF and bool(after.match(chr(c))) for c in range(0x10000)]
    )
    lowered = sorted((p, n) for p, n in _NEW_PAIRS.items() if p == p.lower())
    toned = np.zeros(0x10000, dtype=bool)
    toned[[ord(p[0]) for p, _n in lowered]] = True
    keys = np.array([ord(p[0]) << 16 | ord(p[1]) for p, _n in lowered], dtype=np.uint32)
    firsts = np.array([ord(n[0]) for _p, n in lowered], dtype=np.uint16)
    seconds = np.array([ord(n[1]) for _p, n in lowered], dtype=np.uint16)
    return toned, ends, keys, firsts, seconds


def _placed_new(units: Any) -> Any:
    """``tone_placement`` on lowercased UTF-16 code units (changed in place and returned),
    all at once: a batch's tens of thousands of pairs without a Python call each. None,
    units unchanged, when a pair is followed by a surrogate (a character beyond the BMP,
    letter or not: the pattern decides)."""
    import numpy as np

    toned, ends, keys, firsts, seconds = _tone_arrays()
    at = np.flatnonzero(toned[units[:-1]])  # a toned o/u with a character after it
    pairs = units[at].astype(np.uint32) << 16 | units[at + 1]
    moving = np.isin(pairs, keys)
    at, pairs = at[moving], pairs[moving]
    after = np.zeros(at.size, dtype=np.uint16)  # 0 past the end: a word ends there
    inside = at + 2 < units.size
    after[inside] = units[at[inside] + 2]
    if ((after >= 0xD800) & (after <= 0xDFFF)).any():
        return None
    at, pairs = at[ends[after]], pairs[ends[after]]
    which = np.searchsorted(keys, pairs)
    units[at], units[at + 1] = firsts[which], seconds[which]
    return units


@lru_cache(maxsize=1)
def _arrays() -> tuple[Any, Any, str]:
    """The two tables as numpy lookup arrays over the UTF-16 code units (identity for the
    surrogates, so characters beyond the BMP pass through as pairs, as in the tables),
    and the BMP characters whose fold is beyond the BMP (seven CJK compatibility
    ideographs): a text holding one is not done this way."""
    import numpy as np

    out = []
    wide = ""
    for table in _tables():
        lut = np.arange(0x10000, dtype=np.uint16)
        for code, ch in table.items():
            if ord(ch) > 0xFFFF:
                wide += chr(code)
            else:
                lut[code] = ord(ch)
        out.append(lut)
    return out[0], out[1], wide


# Below this length str.translate (a dict lookup per character) is quicker than the trip
# through numpy; above it a lookup array maps every character at once (~10x faster).
_NUMPY_FROM = 2_000


def _code_units(text: str) -> Any:
    """``text`` as a numpy array of UTF-16 code units, or None when the lookup arrays
    cannot map it (a lone surrogate, or one of ``_arrays``' wide characters). UTF-16, not
    32: half the bytes to encode, and a lookup array of 128 KB that stays in cache."""
    import numpy as np

    if any(ch in text for ch in _arrays()[2]):
        return None
    try:
        return np.frombuffer(text.encode("utf-16-le"), dtype=np.uint16)
    except UnicodeEncodeError:  # a lone surrogate: the dict path keeps it as it is
        return None


def _mapped(codes: Any, which: int) -> str:
    # decoded straight from the array's buffer: .tobytes() first would copy it
    return codecs.utf_16_le_decode(_arrays()[which][codes])[0]


def _translate(text: str, which: int) -> str:
    """``text.translate(_tables()[which])``: by numpy for long texts, else a table filled
    as characters are seen."""
    if len(text) >= _NUMPY_FROM:
        codes = _code_units(text)
        if codes is not None:
            return _mapped(codes, which)
    return text.translate(_ON_SIGHT[which])


def _joined(texts: Sequence[str | None]) -> tuple[list[str], str | None]:
    """The NFC texts, and them joined by NUL (which every table maps to itself) unless
    one holds a NUL."""
    parts = [nfc(t) if t else "" for t in texts]
    joined = "\x00".join(parts)
    return parts, joined if joined.count("\x00") == max(len(parts) - 1, 0) else None


def _translate_many(texts: Sequence[str | None], which: int) -> list[str]:
    """``_translate`` of each NFC text, all in one pass (texts holding a NUL are done one
    by one)."""
    parts, joined = _joined(texts)
    if joined is None:
        return [_translate(t, which) for t in parts]
    return _translate(joined, which).split("\x00") if parts else []


def fold(text: str | None) -> str:
    """NFC, then per character: strip the marks, đ/Đ → d, lowercase. Same length as
    ``nfc(text)``. Characters outside the BMP (emoji, rare CJK) are kept as they are."""
    if not text:
        return ""
    return _translate(nfc(text), 0)


def exact_key(text: str | None) -> str:
    """NFC, lowercased per character (diacritics kept, tones placed the new way: "Hòa" →
    "hoà"). Same length as ``nfc(text)``."""
    if not text:
        return ""
    return tone_placement(_translate(nfc(text), 1))


def fold_many(texts: Sequence[str | None]) -> list[str]:
    """``[fold(t) for t in texts]``, in one pass (what indexing a batch of versions does)."""
    return _translate_many(texts, 0)


def exact_keys(texts: Sequence[str | None]) -> list[str]:
    """``[exact_key(t) for t in texts]``, in one pass."""
    # tone_placement text by text: over the joined batch it took twice as long
    return [tone_placement(key) for key in _translate_many(texts, 1)]


def fold_and_key_many(texts: Sequence[str | None]) -> tuple[list[str], list[str]]:
    """``(fold_many(texts), exact_keys(texts))``, the texts normalised, joined and encoded
    once for both (what indexing a batch of versions does)."""
    parts, joined = _joined(texts)
    codes = _code_units(joined) if joined is not None and len(joined) >= _NUMPY_FROM else None
    if joined is None or codes is None:
        return fold_many(parts), exact_keys(parts)
    folded = _mapped(codes, 0).split("\x00")
    keyed = _placed_new(_arrays()[1][codes])
    if keyed is None:
        return folded, [tone_placement(key) for key in _mapped(codes, 1).split("\x00")]
    return folded, codecs.utf_16_le_decode(keyed)[0].split("\x00")


def tokens(text: str) -> list[str]:
    """The words of an already folded/keyed text, as FTS5 unicode61 splits them."""
    return token_pattern(text).findall(text)


def token_pattern(text: str) -> re.Pattern[str]:
    """A pattern that finds ``text``'s tokens as TOKEN_RE does: TOKEN_RE itself, or the
    quicker ``\\w+`` where the two cannot differ."""
    return TOKEN_RE if _NOT_PLAIN.search(text) else _PLAIN_TOKEN_RE
