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

import itertools
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
_DTYPE = "<u4"
_MAGIC = b"mh2\x00"
SIGNATURE_BYTES = len(_MAGIC) + NUM_PERM * 4
SIGNATURE_FORMAT = f"minhash-{SCHEME}-p{NUM_PERM}-s{SEED}-w{SHINGLE_SIZE}-v2"

# LSH banding is itself probabilistic: a pair at J = THRESHOLD collides in no band with
# noticeable probability. Banding for a lower threshold costs a few extra candidates (all
# re-scored anyway) and avoids missing true pairs just above the threshold.
_LSH_MARGIN = 0.1

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
    return [b"" if v is None else _MAGIC + v.astype(_DTYPE).tobytes() for v in values]


def signature(text: str) -> bytes:
    """MinHash signature of ``text`` as ``SIGNATURE_BYTES`` bytes; ``b""`` for short texts."""
    return signatures([text])[0]


def is_current(sig: bytes | None) -> bool:
    """Whether a stored signature was computed by this scheme (else: compute it again)."""
    return not sig or (len(sig) == SIGNATURE_BYTES and sig.startswith(_MAGIC))


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

    values = np.frombuffer(sig, dtype=_DTYPE, offset=len(_MAGIC)).astype(np.uint32)
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures; 0.0 if either is empty."""
    la, lb = _lean(a), _lean(b)
    if la is None or lb is None:
        return 0.0
    return float(la.jaccard(lb))


def optimal_banding(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(b bands, r rows) minimising the equally weighted false positive and false negative
    areas, as datasketch's ``MinHashLSH`` chooses them (tested equal), with Gauss-Legendre
    quadrature in numpy instead of ``scipy.integrate.quad`` (SciPy costs ~1 s to import)."""
    import numpy as np

    nodes, weights = np.polynomial.legendre.leggauss(64)
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bs = np.array([p[0] for p in pairs], dtype=float)[:, None]
    rs = np.array([p[1] for p in pairs], dtype=float)[:, None]

    def area(lo: float, hi: float, positive: bool) -> Any:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2  # the nodes mapped onto [lo, hi]
        collide = 1 - (1 - s**rs) ** bs
        return ((collide if positive else 1 - collide) * weights).sum(axis=1) * (hi - lo) / 2

    error = 0.5 * area(0.0, threshold, True) + 0.5 * area(threshold, 1.0, False)
    return pairs[int(np.argmin(error))]


@cache
def _banding(threshold: float) -> tuple[int, int]:
    """(b bands, r values each) of the optimal banding for ``threshold``."""
    return optimal_banding(threshold)


@cache
def _band_multipliers(r: int) -> Any:
    """Odd 64-bit multipliers (the splitmix64 sequence from 1) of a band's hash: a bucket
    key is the band's r values as one number, sum(value * multiplier) modulo 2^64."""
    import numpy as np

    out, state = [], 0
    for _ in range(r):
        state = (state + 0x9E3779B97F4A7C15) & (1 << 64) - 1
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (1 << 64) - 1
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (1 << 64) - 1
        out.append((z ^ (z >> 31)) | 1)
    return np.array(out, dtype=np.uint64)


# Candidates compared in one numpy pass at most (8 MiB of signatures): a notice republished
# every week gives each new copy hundreds of candidates.
_SCORED_AT_ONCE = 16_384


class NearDupIndex:
    """In-memory LSH index of signatures keyed by article / version id.

    datasketch's ``MinHashLSH`` banding, bucket by bucket: a candidate is a key whose
    signature equals the query's on every value of at least one band. Here a band's
    bucket key is a 64-bit hash of its values, computed for a whole batch of signatures in
    numpy (datasketch hashes a byte-swapped copy of the same values: the same equality,
    so the same candidates; two unequal bands share a key with odds of about 2^-64, and
    such a candidate is re-scored and dropped like any other below the threshold), with
    no sketch object per signature; candidates are re-scored together in numpy (the share
    of equal values, as ``LeanMinHash.jaccard``). Was a third of a batched write's CPU;
    then, band by band in Python (a bytes slice and a dict lookup each), 15 % of it."""

    def __init__(self, threshold: float = THRESHOLD, max_size: int | None = None) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        # Oldest keys are evicted past max_size, so memory stays bounded however large the
        # archive grows (a republication is looked for among the newest versions).
        self.max_size = max_size
        self._b, self._r = _banding(max(threshold - _LSH_MARGIN, 0.05))
        # A bucket is a list (nearly all hold one key: a set would be 3x its memory).
        self._buckets: list[dict[int, list[str]]] = [{} for _ in range(self._b)]
        self._sigs: dict[str, bytes] = {}

    @staticmethod
    def _check(sig: bytes) -> None:
        if not is_current(sig):
            raise ValueError(
                f"signature must be {SIGNATURE_BYTES} bytes ({SIGNATURE_FORMAT}), got {len(sig)}"
            )

    def _band_keys(self, sigs: Sequence[bytes]) -> list[list[int]]:
        """The bucket key of every band of each (checked, non-empty) signature."""
        if not sigs:
            return []
        import numpy as np

        values = np.frombuffer(b"".join(sigs), dtype=_DTYPE).reshape(len(sigs), -1)
        bands = values[:, len(_MAGIC) // 4 :][:, : self._b * self._r]
        bands = bands.reshape(len(sigs), self._b, self._r).astype(np.uint64)
        with np.errstate(over="ignore"):  # modulo 2^64, on purpose
            keys = (bands * _band_multipliers(self._r)).sum(axis=2, dtype=np.uint64)
        return keys.tolist()

    def _remove_many(self, keys: Sequence[str]) -> None:
        sigs = [self._sigs.pop(key) for key in keys]
        for key, band_keys in zip(keys, self._band_keys(sigs), strict=True):
            for band_key, buckets in zip(band_keys, self._buckets, strict=True):
                bucket = buckets[band_key]
                bucket.remove(key)
                if not bucket:
                    del buckets[band_key]

    def add(self, key: str, sig: bytes) -> None:
        """Index ``sig`` under ``key``. Empty signatures are ignored (never matched);
        re-adding a key replaces its signature."""
        self.add_many([(key, sig)])

    def add_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        """``add`` of each (key, signature), in order, in one pass."""
        for _key, sig in items:
            self._check(sig)
        latest: dict[str, bytes] = {}
        for key, sig in items:  # a key given twice: its last signature, at its last place
            latest.pop(key, None)
            latest[key] = sig
        replaced = [key for key in latest if key in self._sigs]
        if replaced:
            self._remove_many(replaced)
        adding = {key: sig for key, sig in latest.items() if sig}
        self._sigs.update(adding)
        for key, band_keys in zip(adding, self._band_keys(list(adding.values())), strict=True):
            for band_key, buckets in zip(band_keys, self._buckets, strict=True):
                bucket = buckets.get(band_key)
                if bucket is None:
                    buckets[band_key] = [key]
                else:
                    bucket.append(key)
        if self.max_size is not None and len(self._sigs) > self.max_size:
            # dicts keep insertion order: the oldest first
            excess = len(self._sigs) - self.max_size
            self._remove_many(list(itertools.islice(self._sigs, excess)))

    def query(self, sig: bytes, exclude: str | None = None) -> list[tuple[str, float]]:
        """Indexed keys whose similarity to ``sig`` is >= threshold, best first (ties by key)."""
        return self.query_many([(sig, exclude)])[0]

    def query_many(
        self, queries: Sequence[tuple[bytes, str | None]]
    ) -> list[list[tuple[str, float]]]:
        """``query(sig, exclude)`` for each (signature, key to leave out), in one pass."""
        for sig, _exclude in queries:
            self._check(sig)
        signed = [(sig, exclude) for sig, exclude in queries if sig]
        found = [
            self._candidates(band_keys, exclude)
            for band_keys, (_sig, exclude) in zip(
                self._band_keys([sig for sig, _exclude in signed]), signed, strict=True
            )
        ]
        scored: list[list[tuple[str, float]]] = []
        start = size = 0
        for end, keys in enumerate(found, start=1):  # in groups: bounded memory
            size += len(keys)
            if size >= _SCORED_AT_ONCE or end == len(found):
                scored += self._scored([sig for sig, _e in signed[start:end]], found[start:end])
                start, size = end, 0
        answers = iter(scored)
        return [next(answers) if sig else [] for sig, _exclude in queries]

    def _candidates(self, band_keys: list[int], exclude: str | None) -> list[str]:
        """The keys sharing a band with a signature, sorted (ties are ordered by key)."""
        candidates: set[str] = set()
        for band_key, buckets in zip(band_keys, self._buckets, strict=True):
            bucket = buckets.get(band_key)
            if bucket:
                candidates.update(bucket)
        candidates.discard(exclude)  # type: ignore[arg-type]
        return sorted(candidates)

    def _scored(self, sigs: list[bytes], found: list[list[str]]) -> list[list[tuple[str, float]]]:
        """The candidates of each signature at or above the threshold, best first: every
        candidate of the batch compared in one numpy pass (most fall short)."""
        out: list[list[tuple[str, float]]] = [[] for _ in sigs]
        if not any(found):
            return out
        import numpy as np

        width = SIGNATURE_BYTES // 4
        queries = np.frombuffer(b"".join(sigs), dtype=_DTYPE).reshape(len(sigs), width)
        keys = [key for keys in found for key in keys]
        others = np.frombuffer(b"".join([self._sigs[k] for k in keys]), dtype=_DTYPE)
        others = others.reshape(len(keys), width)
        owner = np.repeat(np.arange(len(sigs)), [len(keys) for keys in found])
        skip = len(_MAGIC) // 4
        # what ``similarity`` (datasketch's jaccard) computes: equal values / NUM_PERM
        equal = others[:, skip:] == queries[owner, skip:]
        scores = np.count_nonzero(equal, axis=1) / float(NUM_PERM)
        for i in np.flatnonzero(scores >= self.threshold).tolist():
            out[owner[i]].append((keys[i], float(scores[i])))
        for hits in out:
            hits.sort(key=lambda kv: (-kv[1], kv[0]))
        return out

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
