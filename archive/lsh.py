"""The near-duplicate index: signatures of archive/neardup.py kept in memory and banded
for locality-sensitive hashing, so a new version's near-duplicates are found among
thousands without comparing it with each.

datasketch's ``MinHashLSH`` scheme, done here in numpy for a batch at a time: the optimal
banding for the threshold (tested equal to datasketch's choice), a candidate is a key
whose signature equals the query's on every value of at least one band, and every
candidate is re-scored with the share of equal values (``LeanMinHash.jaccard``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cache
from typing import Any

from archive.neardup import (
    NUM_PERM,
    SIGNATURE_BYTES,
    SIGNATURE_DTYPE,
    SIGNATURE_FORMAT,
    SIGNATURE_TAG,
    THRESHOLD,
    is_current,
)

# LSH banding is itself probabilistic: a pair at J = THRESHOLD collides in no band with
# noticeable probability. Banding for a lower threshold costs a few extra candidates (all
# re-scored anyway) and avoids missing true pairs just above the threshold.
_LSH_MARGIN = 0.1


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

        values = np.frombuffer(b"".join(sigs), dtype=SIGNATURE_DTYPE).reshape(len(sigs), -1)
        bands = values[:, len(SIGNATURE_TAG) // 4 :][:, : self._b * self._r]
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
        queries = np.frombuffer(b"".join(sigs), dtype=SIGNATURE_DTYPE).reshape(len(sigs), width)
        keys = [key for keys in found for key in keys]
        others = np.frombuffer(b"".join([self._sigs[k] for k in keys]), dtype=SIGNATURE_DTYPE)
        others = others.reshape(len(keys), width)
        owner = np.repeat(np.arange(len(sigs)), [len(keys) for keys in found])
        skip = len(SIGNATURE_TAG) // 4
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
