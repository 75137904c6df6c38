"""Near-duplicate detection: the same press release republished elsewhere with small edits.

Provincial portals copy each other's (and the ministries') releases, changing the heading,
the date line or a few words. We find those copies with MinHash signatures of word
3-shingles and an LSH index (both from ``datasketch``), then re-score every LSH candidate
with the signatures' estimated Jaccard similarity.

Pure module: plain ``str`` / ``bytes`` in and out. The lead stores :func:`signature` in a
BLOB column and rebuilds a :class:`NearDupIndex` from those blobs.

Choices
-------
* Tokens are ``\\w+`` runs over NFC, casefolded text, so a Vietnamese syllable with its
  diacritics ("nghị", "quyết") is one token and NFD input gives the same tokens as NFC.
* Digits-only tokens are KEPT. Government portals publish templated recurring reports
  ("tình hình kinh tế - xã hội tháng 10" vs "tháng 11") whose prose is near-identical and
  whose numbers are the actual content; dropping digits would call them duplicates.
  A republished copy changes only the date line (a handful of tokens), which costs a few
  shingles and stays well above the threshold.
* ``THRESHOLD = 0.8`` (Jaccard over 3-shingles). One edited word changes up to 3 shingles,
  so ``J = (n - 3k) / (n + 3k)`` for ``k`` edited words in ``n`` shingles: 0.8 tolerates
  ~3.7% of words edited (about 15 words in a 400-word release) - "small edits" - while
  unrelated articles on the same topic share at most their boilerplate (greeting lines,
  "Cổng thông tin điện tử tỉnh ...") and land far below 0.5. The estimate's standard
  error with 128 permutations is ~0.035 at J = 0.8.
* Texts under ``MIN_TOKENS`` tokens get no signature: for a two-line notice a single
  changed word swings the similarity wildly, and short notices ("Thông báo lịch tiếp
  công dân") are legitimately near-identical across portals.

Changing the tokenisation, ``NUM_PERM``, ``SEED`` or ``SCHEME`` invalidates stored
signatures: store ``SIGNATURE_FORMAT`` beside them and recompute when it differs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from hashlib import sha1
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# numpy and datasketch (which pulls in scipy: ~1 s) are imported on first use, not with
# the archive: reading commands never compute a signature.

NUM_PERM = 128
THRESHOLD = 0.8
SHINGLE_SIZE = 3
MIN_TOKENS = 20
# Fixed seed: datasketch derives the permutations from it with numpy's RandomState, so a
# signature computed in any process (or on any machine) is comparable with any other.
SEED = 1
# "affine32" (datasketch >= 2.0 default) is collision-free in the permutation step;
# pinned explicitly so a future default change cannot silently alter stored signatures.
SCHEME = "affine32"
# Little-endian 32-bit words on disk whatever the host byte order: NUM_PERM * 4 = 512 bytes.
_DTYPE = "<u4"
SIGNATURE_BYTES = NUM_PERM * 4
SIGNATURE_FORMAT = f"minhash-{SCHEME}-p{NUM_PERM}-s{SEED}-w{SHINGLE_SIZE}-v1"

# LSH banding is itself probabilistic: a pair at J = THRESHOLD collides in no band with
# noticeable probability. Banding for a lower threshold costs a few extra candidates (all
# re-scored anyway) and avoids missing true pairs just above the threshold.
_LSH_MARGIN = 0.1

_WORD = re.compile(r"\w+")


@cache
def _permutations() -> Any:
    """Built once: creating a MinHash draws NUM_PERM permutation parameters; reuse them."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def tokens(text: str) -> list[str]:
    """Word tokens (Vietnamese syllables, numbers) of NFC, casefolded ``text``."""
    # casefold after NFC can produce decomposed sequences for a few letters; NFC again.
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return _WORD.findall(folded)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """The set of word ``size``-shingles of ``text`` (empty below ``MIN_TOKENS`` tokens)."""
    words = tokens(text)
    if len(words) < MIN_TOKENS:
        return set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> bytes:
    """MinHash signature of ``text`` as ``SIGNATURE_BYTES`` bytes; ``b""`` for short texts."""
    grams = shingles(text)
    if not grams:
        return b""
    import numpy as np
    from datasketch import MinHash

    # datasketch's default hash (sha1_hash32: the first 4 digest bytes, little-endian),
    # computed here for all shingles at once: one C call per shingle and one array, not a
    # Python function with struct.unpack per shingle (3x faster, byte-identical
    # signatures: tests/test_neardup.py compares with datasketch's own). A minimum does
    # not depend on the order the hashes come in, so the set needs no sorting.
    digests = b"".join([sha1(g.encode("utf-8")).digest()[:4] for g in grams])
    hashes = np.frombuffer(digests, dtype="<u4").tolist()
    mh = MinHash(
        num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_permutations(), hashfunc=int
    )
    mh.update_batch(hashes)
    return np.asarray(mh.hashvalues, dtype=_DTYPE).tobytes()


def _lean(sig: bytes) -> LeanMinHash | None:
    """A datasketch sketch for a stored signature; None for the empty (short-text) one."""
    if not sig:
        return None
    if len(sig) != SIGNATURE_BYTES:
        raise ValueError(
            f"signature must be {SIGNATURE_BYTES} bytes ({SIGNATURE_FORMAT}), got {len(sig)}"
        )
    import numpy as np
    from datasketch import LeanMinHash

    values = np.frombuffer(sig, dtype=_DTYPE).astype(np.uint32)
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures; 0.0 if either is empty."""
    la, lb = _lean(a), _lean(b)
    if la is None or lb is None:
        return 0.0
    return float(la.jaccard(lb))


class NearDupIndex:
    """In-memory LSH index of signatures keyed by article / version id."""

    def __init__(self, threshold: float = THRESHOLD, max_size: int | None = None) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        # Oldest keys are evicted past max_size, so memory stays bounded however large the
        # archive grows (a republication is looked for among the newest versions).
        self.max_size = max_size
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=max(threshold - _LSH_MARGIN, 0.05), num_perm=NUM_PERM)
        self._sigs: dict[str, bytes] = {}

    def add(self, key: str, sig: bytes) -> None:
        """Index ``sig`` under ``key``. Empty signatures are ignored (never matched);
        re-adding a key replaces its signature."""
        lean = _lean(sig)
        if key in self._sigs:
            self._lsh.remove(key)
            del self._sigs[key]
        if lean is None:
            return
        self._lsh.insert(key, lean)
        self._sigs[key] = sig
        if self.max_size is not None:
            while len(self._sigs) > self.max_size:
                oldest = next(iter(self._sigs))  # dicts keep insertion order
                self._lsh.remove(oldest)
                del self._sigs[oldest]

    def query(self, sig: bytes, exclude: str | None = None) -> list[tuple[str, float]]:
        """Indexed keys whose similarity to ``sig`` is >= threshold, best first (ties by key)."""
        lean = _lean(sig)
        if lean is None:
            return []
        hits = []
        for key in self._lsh.query(lean):
            if key == exclude:
                continue
            score = similarity(sig, self._sigs[key])
            if score >= self.threshold:
                hits.append((key, score))
        hits.sort(key=lambda kv: (-kv[1], kv[0]))
        return hits

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: object) -> bool:
        return key in self._sigs


def clusters(pairs: Iterable[tuple[str, str, float]]) -> list[list[str]]:
    """Connected components of near-duplicate pairs (union-find).

    Each cluster is sorted; clusters are ordered by size (largest first), then first key.
    Transitive: A~B and B~C put A, B, C together even if A and C score below threshold,
    which is what "one release, many republications" looks like.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression keeps later finds O(1)-ish
            parent[x], x = root, parent[x]
        return root

    for a, b, _score in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            # Smaller key as root: deterministic, and independent of pair order.
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra

    groups: dict[str, list[str]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    out = [sorted(members) for members in groups.values() if len(members) > 1]
    out.sort(key=lambda c: (-len(c), c[0]))
    return out
