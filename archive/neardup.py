"""Near-duplicate detection: the same press release republished elsewhere with small edits.

Provincial portals copy each other's (and the ministries') releases, changing the heading,
the date line or a few words. We find those copies with MinHash signatures of word
3-shingles and an LSH index (both from ``datasketch``), then re-score every LSH candidate
with the signatures' estimated Jaccard similarity.

Pure module: plain ``str`` / ``bytes`` in and out. The lead stores :func:`signature` in a
BLOB column and rebuilds an LSH index (archive/lsh.py) from those blobs.

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
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasketch import LeanMinHash

# numpy and datasketch (which pulls in scipy: ~1 s) are imported on first use, not with
# the archive: reading commands never compute a signature.

NUM_PERM = 128
THRESHOLD = 0.8
SHINGLE_SIZE = 3
MIN_TOKENS = 20
# A new version is linked to at most this many near-duplicates (the most similar first):
# a notice republished every week would otherwise add a link to each earlier copy, rows
# growing with the square of the copies. Clusters are joined through these links, so a
# cluster still holds every copy; only a version that bridges two groups of copies
# unlike each other, all its links going to one of them, leaves the groups apart.
MAX_LINKS = 20
# Fixed seed: datasketch derives the permutations from it with numpy's RandomState, so a
# signature computed in any process (or on any machine) is comparable with any other.
SEED = 1
# "affine32" (datasketch >= 2.0 default) is collision-free in the permutation step;
# pinned explicitly so a future default change cannot silently alter stored signatures.
SCHEME = "affine32"
# On disk: a 4-byte scheme tag, then little-endian 32-bit words whatever the host byte
# order: 4 + NUM_PERM * 4 = 516 bytes. v1 (untagged, 512 bytes) hashed each shingle with
# SHA-1 (datasketch's default): ~1 µs per shingle, most of a write's CPU. v2 hashes words
# and shingles of a whole batch in numpy (archive/minhash.py). Signatures of
# the two schemes are not comparable: archive/history.py re-signs v1 ones when it loads
# them into the index.
SIGNATURE_DTYPE = "<u4"
SIGNATURE_TAG = b"mh2\x00"
SIGNATURE_BYTES = len(SIGNATURE_TAG) + NUM_PERM * 4
SIGNATURE_FORMAT = f"minhash-{SCHEME}-p{NUM_PERM}-s{SEED}-w{SHINGLE_SIZE}-v2"

_WORD = re.compile(r"\w+")


@cache
def _permutations() -> Any:
    """datasketch's affine32 permutation parameters for (NUM_PERM, SEED), drawn as its
    ``MinHash._init_permutations`` draws them (tested equal): importing datasketch pulls in
    SciPy, ~1 s of a crawl's writer thread holding the GIL, for two arrays."""
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return np.array([a, b])


def tokens(text: str) -> list[str]:
    """Word tokens (Vietnamese syllables, numbers) of NFC, casefolded ``text``."""
    return _WORD.findall(_prepared(text))


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """The set of word ``size``-shingles of ``text`` (empty below ``MIN_TOKENS`` tokens)."""
    words = tokens(text)
    if len(words) < MIN_TOKENS:
        return set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _prepared(text: str) -> str:
    """What is tokenised: NFC, casefolded (NUL separates texts in a batch: a space here)."""
    # casefold after NFC can produce decomposed sequences for a few letters; NFC again.
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return folded.replace("\x00", " ")


def shingle_hashes(text: str) -> Any:
    """The 32-bit hashes of the word 3-shingles of ``text``, in order (repeats kept)."""
    from archive import minhash

    return minhash.words_and_shingles([_prepared(text)])[1]


def signatures(texts: Sequence[str]) -> list[bytes]:
    """:func:`signature` of each text, computed together (archive/minhash.py)."""
    from archive import minhash

    values = minhash.signatures([_prepared(t) for t in texts], _permutations(), MIN_TOKENS)
    tag = SIGNATURE_TAG
    return [b"" if v is None else tag + v.astype(SIGNATURE_DTYPE).tobytes() for v in values]


def signature(text: str) -> bytes:
    """MinHash signature of ``text`` as ``SIGNATURE_BYTES`` bytes; ``b""`` for short texts."""
    return signatures([text])[0]


def is_current(sig: bytes | None) -> bool:
    """Whether a stored signature was computed by this scheme (else: compute it again)."""
    return not sig or (len(sig) == SIGNATURE_BYTES and sig.startswith(SIGNATURE_TAG))


def _lean(sig: bytes) -> LeanMinHash | None:
    """A datasketch sketch for a stored signature; None for the empty (short-text) one."""
    if not sig:
        return None
    if not is_current(sig):
        raise ValueError(
            f"signature must be {SIGNATURE_BYTES} bytes ({SIGNATURE_FORMAT}), got {len(sig)}"
        )
    import numpy as np
    from datasketch import LeanMinHash

    values = np.frombuffer(sig, dtype=SIGNATURE_DTYPE, offset=len(SIGNATURE_TAG)).astype(np.uint32)
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures; 0.0 if either is empty."""
    la, lb = _lean(a), _lean(b)
    if la is None or lb is None:
        return 0.0
    return float(la.jaccard(lb))


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
