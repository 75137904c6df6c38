"""Near-duplicate detection over Vietnamese press releases (archive.neardup)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from archive.lsh import NearDupIndex
from archive.neardup import (
    MIN_TOKENS,
    SIGNATURE_BYTES,
    THRESHOLD,
    clusters,
    signature,
    similarity,
    tokens,
)

ROOT = Path(__file__).resolve().parents[1]

RELEASE = """\
Hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội năm 2027
Cập nhật ngày 25/11/2026 08:30
Sáng ngày 24/11, Ủy ban nhân dân tỉnh tổ chức Hội nghị triển khai nhiệm vụ phát triển \
kinh tế - xã hội năm 2027. Đồng chí Chủ tịch Ủy ban nhân dân tỉnh chủ trì hội nghị; \
tham dự có lãnh đạo các sở, ban, ngành, Ủy ban nhân dân các huyện, thị xã, thành phố.
Theo báo cáo, năm 2026 tốc độ tăng trưởng tổng sản phẩm trên địa bàn ước đạt 7,8%, \
thu ngân sách nhà nước vượt dự toán được giao; công tác cải cách hành chính, chuyển đổi \
số tiếp tục được đẩy mạnh, tỷ lệ hồ sơ trực tuyến toàn trình đạt trên 60%. Các chương \
trình mục tiêu quốc gia về xây dựng nông thôn mới, giảm nghèo bền vững được triển khai \
đồng bộ, đời sống vật chất và tinh thần của nhân dân tiếp tục được cải thiện.
Phát biểu chỉ đạo, đồng chí Chủ tịch yêu cầu các cấp, các ngành tập trung tháo gỡ khó \
khăn cho sản xuất kinh doanh, đẩy nhanh tiến độ giải ngân vốn đầu tư công, nâng cao \
chất lượng nguồn nhân lực và bảo đảm an sinh xã hội. Đồng thời, tăng cường kỷ luật, \
kỷ cương hành chính, xử lý nghiêm cán bộ, công chức né tránh, đùn đẩy trách nhiệm.
Hội nghị đã thống nhất các chỉ tiêu chủ yếu năm 2027, trong đó phấn đấu tăng trưởng \
tổng sản phẩm trên địa bàn đạt từ 8% trở lên, thu nhập bình quân đầu người tăng khá, \
tỷ lệ hộ nghèo giảm từ 1 đến 1,5% theo chuẩn nghèo đa chiều.
"""

# Republished by a department: new heading, new date line, a few words edited.
REPUBLISHED = (
    RELEASE.replace(
        "Hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội năm 2027\n"
        "Cập nhật ngày 25/11/2026 08:30",
        "Tỉnh triển khai nhiệm vụ năm 2027\nNgày đăng: 26/11/2026",
    )
    .replace("Sáng ngày 24/11", "Sáng 24/11")
    .replace("tập trung tháo gỡ", "khẩn trương tháo gỡ")
)

# Same topic, same boilerplate lines, different content.
UNRELATED = """\
Hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội năm 2027
Cập nhật ngày 25/11/2026 08:30
Chiều ngày 24/11, Sở Kế hoạch và Đầu tư phối hợp với Hiệp hội Doanh nghiệp tỉnh tổ chức \
tọa đàm gặp gỡ các nhà đầu tư nhằm lắng nghe ý kiến về môi trường kinh doanh. Nhiều \
doanh nghiệp phản ánh thủ tục giao đất, cho thuê đất còn kéo dài, chi phí logistics cao \
và nguồn lao động có tay nghề chưa đáp ứng nhu cầu mở rộng sản xuất.
Đại diện Sở cho biết sẽ tổng hợp đầy đủ các kiến nghị, báo cáo Ủy ban nhân dân tỉnh xem \
xét, đồng thời rà soát quy hoạch các khu công nghiệp, cụm công nghiệp để thu hút dự án \
công nghệ cao, thân thiện môi trường. Tỉnh cũng sẽ thành lập tổ công tác đặc biệt hỗ trợ \
nhà đầu tư hoàn thiện hồ sơ, rút ngắn thời gian cấp giấy chứng nhận đăng ký đầu tư.
Các doanh nghiệp đánh giá cao sự cầu thị của chính quyền và mong muốn cơ chế đối thoại \
định kỳ được duy trì hằng quý, qua đó kịp thời tháo gỡ vướng mắc phát sinh.
"""


def test_tokens_keep_vietnamese_syllables_and_casefold() -> None:
    assert tokens("Ủy ban Nhân dân TỈNH, ngày 24/11") == [
        "ủy",
        "ban",
        "nhân",
        "dân",
        "tỉnh",
        "ngày",
        "24",
        "11",
    ]


def test_signature_shape() -> None:
    sig = signature(RELEASE)
    assert isinstance(sig, bytes)
    assert len(sig) == SIGNATURE_BYTES
    assert similarity(sig, sig) == 1.0


def test_republished_copy_is_found() -> None:
    a, b = signature(RELEASE), signature(REPUBLISHED)
    assert a != b
    assert similarity(a, b) >= THRESHOLD

    index = NearDupIndex()
    index.add("tinh:1", a)
    index.add("so:7", b)
    index.add("tinh:2", signature(UNRELATED))
    assert len(index) == 3
    hits = index.query(a, exclude="tinh:1")
    assert [key for key, _ in hits] == ["so:7"]
    assert hits[0][1] >= THRESHOLD
    # Without exclude the article finds itself first, at 1.0.
    assert index.query(a)[0] == ("tinh:1", 1.0)


def test_unrelated_article_with_shared_boilerplate_not_found() -> None:
    a, c = signature(RELEASE), signature(UNRELATED)
    assert similarity(a, c) < 0.3
    index = NearDupIndex()
    index.add("tinh:2", c)
    assert index.query(a) == []


def test_nfd_and_nfc_give_identical_signature() -> None:
    nfd = unicodedata.normalize("NFD", RELEASE)
    assert nfd != RELEASE
    assert signature(nfd) == signature(unicodedata.normalize("NFC", RELEASE))


def test_signature_deterministic_across_processes() -> None:
    code = (
        "import sys; from archive.neardup import signature; "
        "sys.stdout.write(signature(sys.stdin.read()).hex())"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            input=RELEASE,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] == signature(RELEASE).hex()


def test_short_text_gives_no_match() -> None:
    short = "Thông báo lịch tiếp công dân của Chủ tịch Ủy ban nhân dân tỉnh tháng 12"
    assert len(tokens(short)) < MIN_TOKENS
    assert signature(short) == b""
    assert similarity(b"", b"") == 0.0
    index = NearDupIndex()
    index.add("a", signature(short))
    index.add("b", signature(RELEASE))
    assert len(index) == 1
    assert index.query(signature(short)) == []


def test_readding_key_replaces_signature() -> None:
    index = NearDupIndex()
    index.add("k", signature(RELEASE))
    index.add("k", signature(UNRELATED))
    assert len(index) == 1
    assert index.query(signature(RELEASE)) == []
    assert index.query(signature(UNRELATED))[0][0] == "k"


def test_bad_signature_length_rejected() -> None:
    with pytest.raises(ValueError):
        similarity(b"\x00" * 10, signature(RELEASE))


def test_clusters_are_transitive_and_ordered() -> None:
    pairs = [
        ("c", "b", 0.9),  # a~b~c only through b
        ("b", "a", 0.85),
        ("x", "y", 0.95),
        ("z", "z", 1.0),  # self pair: no cluster of one
    ]
    assert clusters(pairs) == [["a", "b", "c"], ["x", "y"]]
    assert clusters([]) == []
    # Same components whatever the pair order.
    assert clusters(reversed(pairs)) == clusters(pairs)
    # Equal sizes: ordered by first key.
    assert clusters([("q", "r", 0.9), ("d", "e", 0.9)]) == [["d", "e"], ["q", "r"]]


def test_index_is_bounded_and_forgets_the_oldest() -> None:
    from archive.lsh import NearDupIndex
    from archive.neardup import signature

    texts = [" ".join(f"từ{i}x{j}" for j in range(40)) for i in range(5)]
    index = NearDupIndex(max_size=3)
    for i, text in enumerate(texts):
        index.add(str(i), signature(text))
    assert len(index) == 3 and "0" not in index and "1" not in index
    assert index.query(signature(texts[4]))[0][0] == "4"
    assert index.query(signature(texts[0])) == []  # evicted: no longer found


def test_signature_is_datasketch_own_minhash() -> None:
    """The batched numpy path stores exactly what datasketch's MinHash computes from the
    same shingle hashes (its permutations, its pre-mix, its minimums)."""
    import numpy as np
    from datasketch import MinHash

    from archive.neardup import NUM_PERM, SCHEME, SEED, shingle_hashes

    for text in (RELEASE, RELEASE + " Tin bổ sung lúc 17 giờ.", RELEASE.upper()):
        mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)
        mh.update_batch(shingle_hashes(text).tolist())
        expected = np.asarray(mh.hashvalues, dtype="<u4").tobytes()
        assert signature(text)[-len(expected) :] == expected
        assert len(signature(text)) == SIGNATURE_BYTES


TRICKY = (
    "Ủy ban_nhân dân: 24/11/2026, 7,8% — «trích yếu» STRASSE straße ﬁnal 😀 x😀y "
    "Ủy ban_nhân dân: 24/11/2026 q\u0301 İstanbul ΣΊΣΥΦΟΣ " * 3
)


@pytest.mark.parametrize("text", [RELEASE, TRICKY, unicodedata.normalize("NFD", TRICKY)])
def test_shingle_hashes_follow_the_word_tokens(text: str) -> None:
    """One hash per 3-shingle of ``tokens(text)``, in order: equal shingles, equal hashes;
    different shingles, different hashes (no collision in a text this small)."""
    from archive.neardup import shingle_hashes

    words = tokens(text)
    grams = [" ".join(words[i : i + 3]) for i in range(len(words) - 2)]
    hashes = shingle_hashes(text).tolist()
    assert len(hashes) == len(grams)
    by_gram = dict(zip(grams, hashes, strict=True))
    assert [by_gram[g] for g in grams] == hashes
    assert len(set(hashes)) == len(by_gram)


def test_batch_signatures_equal_one_by_one() -> None:
    """Texts signed together never share a shingle across their boundary."""
    from archive.neardup import signatures

    texts = [RELEASE, "ngắn", "", UNRELATED, REPUBLISHED, "nul\x00 inside " + RELEASE]
    assert signatures(texts) == [signature(t) for t in texts]
    assert signatures(texts)[1:3] == [b"", b""]
    assert signatures([]) == []


def test_index_finds_what_datasketch_lsh_finds() -> None:
    """The index's own banding gives exactly the hits of datasketch's ``MinHashLSH`` with
    ``LeanMinHash.jaccard`` re-scoring (the implementation it replaced): same candidates,
    same scores, over signatures that share some bands and not others, with evictions."""
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH

    from archive.lsh import _LSH_MARGIN
    from archive.neardup import NUM_PERM, SCHEME, SEED

    rng = np.random.default_rng(7)
    bases = rng.integers(0, 2**32, size=(12, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    values = []
    for i in range(300):  # variants of a few bases: every similarity from 0.3 to 1
        v = bases[i % len(bases)].copy()
        changed = rng.choice(NUM_PERM, size=int(rng.integers(0, 90)), replace=False)
        v[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint64)
        values.append(v)
    sigs = [b"mh2\x00" + v.astype("<u4").tobytes() for v in values]
    index = NearDupIndex(max_size=200)
    lsh = MinHashLSH(threshold=THRESHOLD - _LSH_MARGIN, num_perm=NUM_PERM)
    leans: dict[str, LeanMinHash] = {}
    compared = 0
    for i, (sig, v) in enumerate(zip(sigs, values, strict=True)):
        key = str(i)
        index.add(key, sig)
        leans[key] = LeanMinHash(seed=SEED, hashvalues=v, scheme=SCHEME)
        lsh.insert(key, leans[key])
        if len(leans) > 200:
            oldest = next(iter(leans))
            lsh.remove(oldest)
            del leans[oldest]
        expected = [(k, float(leans[key].jaccard(leans[k]))) for k in lsh.query(leans[key])]
        expected = sorted((k, s) for k, s in expected if k != key and s >= THRESHOLD)
        expected.sort(key=lambda kv: (-kv[1], kv[0]))
        assert index.query(sig, exclude=key) == expected
        compared += len(expected)
    assert compared > 100  # the comparison saw many hits, not only empty lists


def _variants(n: int, seed: int) -> list[bytes]:
    """Signatures of a few bases, each with some values changed: similarities 0.3-1."""
    import numpy as np

    rng = np.random.default_rng(seed)
    bases = rng.integers(0, 2**32, size=(8, 128), dtype=np.uint64).astype(np.uint32)
    out = []
    for i in range(n):
        v = bases[i % len(bases)].copy()
        changed = rng.choice(128, size=int(rng.integers(0, 90)), replace=False)
        v[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint64)
        out.append(b"mh2\x00" + v.astype("<u4").tobytes())
    return out


def test_batches_add_and_query_as_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """``add_many`` / ``query_many`` (what a batch's write uses) leave the index as ``add``
    one at a time would, evictions and keys given again included, and answer the same."""
    from archive import lsh
    from archive.lsh import NearDupIndex

    sigs = _variants(260, seed=3)
    items = [(str(i), sig) for i, sig in enumerate(sigs)]
    # keys given again (a new signature, an empty one) inside a batch and across batches
    items[50:50] = [("7", sigs[200]), ("60", b""), ("61", sigs[0])]
    items += [("5", sigs[101]), ("5", sigs[102])]
    one, many = NearDupIndex(max_size=150), NearDupIndex(max_size=150)
    for key, sig in items:
        one.add(key, sig)
    for lo in range(0, len(items), 37):
        many.add_many(items[lo : lo + 37])
    assert list(many._sigs.items()) == list(one._sigs.items())
    assert many._buckets == one._buckets
    queries = [(sig, str(i % 50) if i % 3 else None) for i, sig in enumerate(sigs)]
    queries.append((b"", None))
    expected = [one.query(sig, exclude=exclude) for sig, exclude in queries]
    assert many.query_many(queries) == expected
    assert sum(map(len, expected)) > 100  # many hits compared, not only empty lists
    monkeypatch.setattr(lsh, "_SCORED_AT_ONCE", 7)  # candidates scored in many groups
    assert many.query_many(queries) == expected


def test_an_evicted_signature_leaves_no_bucket_behind() -> None:
    from archive.lsh import NearDupIndex

    index = NearDupIndex(max_size=10)
    index.add_many([(str(i), sig) for i, sig in enumerate(_variants(40, seed=5))])
    assert len(index) == 10
    keys_in_buckets = {k for buckets in index._buckets for b in buckets.values() for k in b}
    assert keys_in_buckets == set(index._sigs) == {str(i) for i in range(30, 40)}


def test_permutations_are_datasketchs_without_importing_it() -> None:
    import numpy as np
    from datasketch import MinHash

    from archive import neardup

    theirs = MinHash(num_perm=neardup.NUM_PERM, seed=neardup.SEED, scheme=neardup.SCHEME)
    assert np.array_equal(neardup._permutations(), theirs.permutations)


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.7, 0.75, 0.8, 0.9])
def test_banding_is_the_one_minhashlsh_chooses(threshold: float) -> None:
    from datasketch import MinHashLSH

    from archive import neardup
    from archive.lsh import optimal_banding

    theirs = MinHashLSH(threshold=threshold, num_perm=neardup.NUM_PERM)
    assert optimal_banding(threshold) == (theirs.b, theirs.r)


def test_signing_and_banding_do_not_import_scipy() -> None:
    """SciPy (through datasketch) cost a crawl's writer ~1 s of CPU holding the GIL."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from archive import neardup\n"
        "sig = neardup.signatures(['một hai ba bốn năm sáu bảy tám chín mười ' * 20])[0]\n"
        "from archive.lsh import NearDupIndex\n"
        "index = NearDupIndex()\n"
        "index.add('a', sig)\n"
        "assert index.query(sig) == [('a', 1.0)]\n"
        "assert 'scipy' not in sys.modules and 'datasketch' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# sha256 of the stored signature bytes of each text, computed when the scheme was last
# changed (2adce9b). Archives keep signatures for good: a faster way of computing them
# must give the same bytes, or new versions would no longer match the stored ones.
PINNED_SIGNATURES = {
    "release": "94710388b157c2cd",
    "tricky": "d87fca3f5ed04e6f",
    "tricky_nfd": "d87fca3f5ed04e6f",
    "unrelated": "e7f8b331ff95b867",
    "republished": "00241415e3fa95b5",
    "long_words": "c838f1087f09a2a0",
}


def test_signatures_stay_the_stored_scheme() -> None:
    import hashlib

    from archive.neardup import signatures

    texts = {
        "release": RELEASE,
        "tricky": TRICKY,
        "tricky_nfd": unicodedata.normalize("NFD", TRICKY),
        "unrelated": UNRELATED,
        "republished": REPUBLISHED,
        # a 70,000-character word: its hash needs powers past the tables' first block
        "long_words": "x " * 3000 + "y" * 70000 + " z" * 50,
    }
    got = {name: hashlib.sha256(signatures([t])[0]).hexdigest()[:16] for name, t in texts.items()}
    assert got == PINNED_SIGNATURES
    together = signatures(list(texts.values()))  # one batch, one array of code points
    pinned = list(PINNED_SIGNATURES.values())
    assert [hashlib.sha256(s).hexdigest()[:16] for s in together] == pinned


@pytest.mark.parametrize("base_name", ["_R", "_R_INV"])
def test_powers_from_tables_equal_pow(base_name: str) -> None:
    """Powers as products of two table entries (and a third factor past 2^24) are the
    powers modulo 2^64 that a running product gives."""
    import numpy as np

    from archive import minhash

    base = int(getattr(minhash, base_name))
    block = minhash._POWER_BLOCK
    exponents = np.array(
        [0, 1, block - 1, block, block + 1, block * block - 1, block * block,
         block * block + 5, 3 * block * block + 12_345, 123_456_789, 7],
        dtype=np.int64,
    )  # fmt: skip
    assert minhash._powers(base, exponents).tolist() == [
        pow(base, int(e), 1 << 64) for e in exponents
    ]
    n = 3 * block + 17
    assert minhash._first_powers(base, n).tolist() == [pow(base, i, 1 << 64) for i in range(n)]
