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


@cache
def _word_chars() -> Any:
    """Which BMP code points ``\\w`` matches (characters beyond the BMP: looked up apart)."""
    return np.array([_WORD.match(chr(c)) is not None for c in range(0x10000)], dtype=bool)


def _is_word(codes: Any) -> Any:
    bmp = codes < 0x10000
    mask = np.zeros(len(codes), dtype=bool)
    mask[bmp] = _word_chars()[codes[bmp]]
    if not bmp.all():  # rare: emoji, rare CJK
        for c in np.unique(codes[~bmp]).tolist():
            mask[codes == c] = _WORD.match(chr(c)) is not None
    return mask


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
        powers = np.full(n + 1, _R, dtype=np.uint64)
        powers[0] = 1
        powers = np.cumprod(powers)
        inverse = np.full(n + 1, _R_INV, dtype=np.uint64)
        inverse[0] = 1
        inverse = np.cumprod(inverse)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(codes.astype(np.uint64) * powers[:n], out=prefix[1:])
        lengths = (ends - starts).astype(np.uint64)
        hashes = _splitmix((prefix[ends] - prefix[starts]) * inverse[starts] + lengths)
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
    for lo in range(0, len(mixed), _CHUNK):
        # permutations x shingles: the minimum of each text is a reduction along rows
        part = a * mixed[None, lo : lo + _CHUNK] + b  # wraps modulo 2^32, as datasketch's
        who = owner[lo : lo + _CHUNK]
        firsts = np.flatnonzero(np.diff(who, prepend=-1))  # owners are in text order
        reduced = np.minimum.reduceat(part, firsts, axis=1)
        cols = who[firsts]
        mins[:, cols] = np.minimum(mins[:, cols], reduced)
    mins = mins.T
    for i in np.flatnonzero(counts >= min_words).tolist():
        out[i] = mins[i]
    return out
