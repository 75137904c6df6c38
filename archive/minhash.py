"""MinHash signatures of many texts at once, in numpy (the scheme of archive/neardup.py).

Why: hashing each word 3-shingle in Python (a SHA-1 call and a few string operations per
shingle, about 700 shingles per article) was most of an archive write's CPU. Here a whole
batch of texts is one array of code points; words, their hashes, the shingle hashes and
the minimums under every permutation are array operations, a few per batch.

The steps, for texts already casefolded and NFC (``neardup.tokens`` does the same):

* words: maximal runs of ``\\w`` characters, exactly as ``re.findall(r"\\w+")`` cuts them;
* word hash: a polynomial hash of the code points modulo 2^64, then the splitmix64
  finaliser (so similar words get unrelated hashes);
* shingle hash: three consecutive word hashes of one text, combined with odd multipliers
  (order matters) and folded to 32 bits;
* MinHash: datasketch's "affine32" scheme (the MurmurHash3 finaliser, then ``a * h + b``
  modulo 2^32 with datasketch's permutations), the minimum per permutation.
  tests/test_neardup.py checks the result against datasketch's own ``MinHash`` fed with
  the same shingle hashes.

Pure: numpy in, numpy out; imports nothing of ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

_WORD = re.compile(r"\w+")
_R = np.uint64(0x100000001B3)  # odd: invertible modulo 2^64
_R_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
# Shingles per permutation step: a 128 x 8k array of uint32 (4 MiB). Measured: 16k
# (8 MiB, past the cache) took 30 % longer; 2k as long as 16k (more steps).
_CHUNK = 1 << 13
# Powers of the word hash's multiplier as products of two table entries (2 x 4,096 x 8
# bytes for each of the multiplier and its inverse).
_POWER_SHIFT = 12
_POWER_BLOCK = 1 << _POWER_SHIFT
_POWER_MASK = _POWER_BLOCK - 1


@cache
def _word_chars() -> Any:
    """Which BMP code points ``\\w`` matches (characters beyond the BMP: looked up apart)."""
    return np.array([_WORD.match(chr(c)) is not None for c in range(0x10000)], dtype=bool)


def _is_word(codes: Any) -> Any:
    if not len(codes) or int(codes.max()) < 0x10000:  # the usual case: one lookup
        return _word_chars()[codes]
    bmp = codes < 0x10000
    mask = np.zeros(len(codes), dtype=bool)
    mask[bmp] = _word_chars()[codes[bmp]]
    for c in np.unique(codes[~bmp]).tolist():  # rare: emoji, rare CJK
        mask[codes == c] = _WORD.match(chr(c)) is not None
    return mask


@cache
def _power_table(base: int) -> tuple[Any, Any]:
    """(base^0 .. base^(B-1), base^0, base^B .. base^((B-1)B)) modulo 2^64, B =
    ``_POWER_BLOCK``: a power below B^2 is one product of an entry of each (multiplying
    modulo 2^64 is associative), where a running product over the text (``cumprod``,
    sequential) took a fifth of a batch's signing."""
    with np.errstate(over="ignore"):
        low = _running(np.uint64(base), _POWER_BLOCK)
        return low, _running(low[-1] * np.uint64(base), _POWER_BLOCK)


def _running(factor: Any, n: int) -> Any:
    """factor^0 .. factor^(n-1) modulo 2^64."""
    out = np.full(n, factor, dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(out)


def _powers(base: int, exponents: Any) -> Any:
    """``base ** exponents`` modulo 2^64, element-wise (int64 exponents, ascending or not)."""
    low, mid = _power_table(base)
    with np.errstate(over="ignore"):
        out = mid[(exponents >> _POWER_SHIFT) & _POWER_MASK] * low[exponents & _POWER_MASK]
        top = exponents >> (2 * _POWER_SHIFT)
        if len(top) and int(top.max()) > 0:  # texts past B^2 (16 M) code points: rare
            step = mid[-1] * low[-1] * np.uint64(base)  # base^(B^2)
            out *= _running(step, int(top.max()) + 1)[top]
        return out


def _first_powers(base: int, n: int) -> Any:
    """``base ** arange(n)`` modulo 2^64."""
    if n > _POWER_BLOCK * _POWER_BLOCK:
        return _powers(base, np.arange(n, dtype=np.int64))
    low, mid = _power_table(base)
    blocks = -(-n // _POWER_BLOCK)
    with np.errstate(over="ignore"):
        return (mid[:blocks, None] * low[None, :]).reshape(-1)[:n]


def _splitmix(h: Any) -> Any:
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _fmix32(h: Any) -> Any:
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix for the affine32 scheme)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def words_and_shingles(texts: Sequence[str]) -> tuple[Any, Any, Any]:
    """(words per text, shingle hashes of all texts in order, the text of each shingle).
    Texts must not contain NUL (it separates them here)."""
    joined = "\x00".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    n = len(codes)
    word = _is_word(codes)
    edges = np.diff(word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    text_of_word = np.searchsorted(np.flatnonzero(codes == 0), starts)
    counts = np.bincount(text_of_word, minlength=len(texts))
    with np.errstate(over="ignore"):  # arithmetic modulo 2^64, on purpose
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(codes.astype(np.uint64) * _first_powers(int(_R), n), out=prefix[1:])
        lengths = (ends - starts).astype(np.uint64)
        hashes = _splitmix((prefix[ends] - prefix[starts]) * _powers(int(_R_INV), starts) + lengths)
        same = text_of_word[2:] == text_of_word[:-2]  # a shingle never spans two texts
        mixed = (hashes[:-2] * _MIX[0] + hashes[1:-1] * _MIX[1] + hashes[2:])[same]
    shingles = ((mixed >> np.uint64(32)) ^ (mixed & np.uint64(0xFFFFFFFF))).astype(np.uint32)
    return counts, shingles, text_of_word[:-2][same]


def signatures(texts: Sequence[str], permutations: Any, min_words: int) -> list[Any]:
    """The MinHash values (uint32, one per permutation) of each text; None for a text of
    fewer than ``min_words`` words. ``permutations``: datasketch's (a, b) arrays."""
    if not texts:
        return []
    counts, shingles, owner = words_and_shingles(texts)
    a = np.asarray(permutations[0], dtype=np.uint32)
    b = np.asarray(permutations[1], dtype=np.uint32)
    keep = counts[owner] >= min_words
    shingles, owner = shingles[keep], owner[keep]
    out: list[Any] = [None] * len(texts)
    if not len(shingles):
        return out
    mins = np.full((len(a), len(texts)), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    mixed = _fmix32(shingles)
    a, b = a[:, None], b[:, None]
    # One buffer for every step: a fresh 4 MiB array per step cost a third of the step in
    # page faults.
    buffer = np.empty((len(a), min(_CHUNK, len(mixed))), dtype=np.uint32)
    for lo in range(0, len(mixed), _CHUNK):
        # permutations x shingles: the minimum of each text is a reduction along rows
        step = mixed[None, lo : lo + _CHUNK]
        part = buffer[:, : step.shape[1]]
        np.multiply(a, step, out=part)  # wraps modulo 2^32, as datasketch's
        part += b
        who = owner[lo : lo + _CHUNK]
        firsts = np.flatnonzero(np.diff(who, prepend=-1))  # owners are in text order
        reduced = np.minimum.reduceat(part, firsts, axis=1)
        cols = who[firsts]
        mins[:, cols] = np.minimum(mins[:, cols], reduced)
    mins = mins.T
    for i in np.flatnonzero(counts >= min_words).tolist():
        out[i] = mins[i]
    return out
