"""`luutru export --format wacz|cdxj|warc` (issue #15, parts 2 and 3), called as the
archive functions the command dispatches to: on a portal crawled twice (tests/warc_portal.py)
the WACZ passes `wacz validate`, its index is the one webrecorder's cdxj-indexer makes,
every article version replays under its canonical URL at its own time (replay resolved as
pywb and wabac.js do it, from the WACZ's own index and records — and through pywb itself
when it is installed), and a signed package verifies.

pywb is not a test dependency: it pins pyOpenSSL < 26.2, which would downgrade the
cryptography Scrapy runs on. Point LUUTRU_TEST_PYWB at a Python that has pywb to run the
pywb test (``python -m venv /tmp/pywb && /tmp/pywb/bin/pip install pywb``).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import io
import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from archive import wacz, waczsign
from archive.cdxj import index_lines, surt
from archive.store import Archive
from archive.warc import check_file, parse_record, read_record
from tests.warc_portal import Crawled, crawled_twice

CREATED = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"urn:uuid:00000000-0000-4000-8000-{next(counter):012d}"


def clock() -> datetime:
    return CREATED


def pem(curve: ec.EllipticCurve) -> bytes:
    """A new private key on ``curve``, as PEM."""
    return ec.generate_private_key(curve).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONUTF8": "1"},
    )  # fmt: skip


# --------------------------------------------------------------------------- SURT keys


def test_surt_keys_are_the_surt_package_s() -> None:
    ref = pytest.importorskip("surt")  # installed with wacz (the test extra)
    urls = [
        "http://www.Example.com:80/A/B/../c/./d//e/?b=2&a=1#frag",
        "https://WWW2.example.com:443/",
        "http://example.com",
        "http://example.com?x=1",
        "http://u:p@example.com:8080/p%41th/%7euser/?Q=%41&jsessionid=0123456789abcdef0123456789abcdef",
        "https://sotttt.hanoi.gov.vn/tin-tức/hội-nghị?id=5&CatID=1",
        "http://example.com/(S(abcdefghijklmnopqrstuvwx))/page.aspx?x=1",
        "http://bücher.de/x",
        "http://http://example.com/x",
        "http://example.com/?b&a=",
        "http://127.0.0.1:8765/asp/Pages/ChiTiet.aspx?ItemID=5&CatID=1",
    ]
    rnd = random.Random(15)
    alphabet = "abcXYZ019-._~%/?&=#:;+ ,ệđ"
    for _ in range(2000):
        path = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24)))
        www = rnd.choice(["www.", "", "WWW.", "www3."])
        urls.append(
            f"http://{www}so{rnd.randint(0, 9)}.gov.vn{rnd.choice(['', ':80', ':81'])}/{path}"
        )
    assert [surt(u) for u in urls] == [ref.surt(u) for u in urls]


# --------------------------------------------------------------------------- the portal


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    return crawled_twice(tmp_path_factory.mktemp("wacz-portal"))


@pytest.fixture(scope="module")
def package(crawled: Crawled, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("wacz") / "Hoa An 2026.wacz"
    with Archive.open(crawled.data) as archive:
        result = wacz.write_wacz(
            archive, crawled.data / "warc", out, created=CREATED, record_id_factory=ids(),
            clock=clock,
        )  # fmt: skip
        versions = {
            (a["url"], v["number"]): (a, v)
            for a in archive.articles()
            for v in archive.versions(a["article_id"])
        }
    with zipfile.ZipFile(out) as zf:
        files = {info.filename: (info, zf.read(info)) for info in zf.infolist()}
    return {
        "path": out, "result": result, "files": files, "versions": versions,
        "data": crawled.data,
    }  # fmt: skip


def capture(package: dict[str, Any], version: dict[str, Any]) -> Any:
    """The version's capture record, read from the crawled archive."""
    pointer = (version["warc_file"], version["warc_offset"], version["warc_length"])
    return read_record(package["data"] / "warc", pointer)


def pages(package: dict[str, Any]) -> list[dict[str, Any]]:
    lines = package["files"]["pages/pages.jsonl"][1].decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def warc_bytes(package: dict[str, Any]) -> tuple[str, bytes]:
    [name] = [n for n in package["files"] if n.startswith("archive/")]
    return name.removeprefix("archive/"), package["files"][name][1]


@pytest.mark.slow
def test_wacz_validate_passes(package: dict[str, Any]) -> None:
    pytest.importorskip("wacz")
    result = run("-m", "wacz", "validate", "-f", str(package["path"]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout


@pytest.mark.slow
def test_layout_digests_and_compression(package: dict[str, Any]) -> None:
    files = package["files"]
    name, _ = warc_bytes(package)
    assert name == "hoa-an-2026.warc.gz"  # a frictionless resource name
    assert set(files) == {
        f"archive/{name}", wacz.INDEX_PATH, "pages/pages.jsonl", "datapackage.json",
        "datapackage-digest.json",
    }  # fmt: skip
    # replay reads records by byte range: the WARC and the index are stored, not deflated
    for stored in (f"archive/{name}", wacz.INDEX_PATH):
        assert files[stored][0].compress_type == zipfile.ZIP_STORED
    manifest = json.loads(files["datapackage.json"][1])
    assert manifest["profile"] == "data-package" and manifest["wacz_version"] == "1.1.1"
    assert manifest["created"] == "2026-12-01T08:30:00Z"
    listed = {r["path"]: r for r in manifest["resources"]}
    assert set(listed) == set(files) - {"datapackage.json", "datapackage-digest.json"}
    for path, resource in listed.items():
        data = files[path][1]
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    digest = json.loads(files["datapackage-digest.json"][1])
    assert digest["path"] == "datapackage.json" and "signedData" not in digest
    assert digest["hash"] == "sha256:" + hashlib.sha256(files["datapackage.json"][1]).hexdigest()


@pytest.mark.slow
def test_one_page_per_article_version_under_its_canonical_url(package: dict[str, Any]) -> None:
    header, *entries = pages(package)
    assert header["format"] == "json-pages-1.0" and header["id"] == "pages"
    assert len(entries) == len(package["versions"]) == package["result"].pages
    assert len({e["id"] for e in entries}) == len(entries)
    edited = 0
    for entry in entries:
        _, version = package["versions"][(entry["url"], int(entry["id"].rsplit("@v", 1)[1]))]
        assert entry["title"] == version["title"]
        assert entry["ts"] == capture(package, version).date  # the capture's WARC-Date
        edited += version["number"] > 1
    assert edited >= 6  # edits made second versions


@pytest.mark.slow
def test_the_index_is_cdxj_indexer_s(package: dict[str, Any], tmp_path: Path) -> None:
    cdxj_indexer = pytest.importorskip("cdxj_indexer.main")  # installed with wacz
    name, data = warc_bytes(package)
    warc = tmp_path / name
    warc.write_bytes(data)
    out = io.StringIO()
    cdxj_indexer.CDXJIndexer(out, [str(warc)], sort=True).process_all()
    theirs = [line for line in out.getvalue().splitlines() if line]
    ours = package["files"][wacz.INDEX_PATH][1].decode("utf-8").splitlines()
    assert len(ours) == package["result"].index_lines == len(theirs) > 100
    for mine, ref in zip(ours, theirs, strict=True):
        key, ts, fields = mine.split(" ", 2)
        parsed = json.loads(fields)
        record_digest = parsed.pop("recordDigest")  # ours adds what py-wacz adds
        assert f"{key} {ts} {json.dumps(parsed)}" == ref
        start, length = int(parsed["offset"]), int(parsed["length"])
        assert record_digest == "sha256:" + hashlib.sha256(data[start : start + length]).hexdigest()


def _lookup(index: list[str], url: str, ts: str | None = None, **want: str) -> list[dict]:
    """Index entries of ``url``, closest to ``ts`` first (a replay tool's lookup)."""
    key = surt(url)
    found = []
    for line in index:
        k, stamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        if k == key and all(entry.get(f) == v for f, v in want.items()):
            found.append((stamp, entry))
    found.sort(key=lambda x: abs(int(x[0]) - int(ts)) if ts else -int(x[0]))
    return [e for _, e in found]


def _load(data: bytes, entry: dict) -> Any:
    start = int(entry["offset"])
    return parse_record(gzip.decompress(data[start : start + int(entry["length"])]))


@pytest.mark.slow
def test_every_version_replays_under_its_canonical_url(package: dict[str, Any]) -> None:
    """pywb's and wabac.js's resolution, step by step, on the WACZ alone: look the page's
    URL up, load the record, check it is of that URL; a revisit is resolved through its
    WARC-Refers-To-Target-URI and -Date to a non-revisit with the same digest."""
    _, data = warc_bytes(package)
    index = package["files"][wacz.INDEX_PATH][1].decode("utf-8").splitlines()
    via_alias = 0
    for entry in pages(package)[1:]:
        ts = entry["ts"].replace("-", "").replace(":", "").replace("T", "")[:14]
        [hit, *_] = _lookup(index, entry["url"], ts)
        record = _load(data, hit)
        assert record.target_uri == entry["url"]  # wabac.js refuses any other record
        if record.rec_type == "revisit":
            via_alias += 1
            uri = record.warc_header("WARC-Refers-To-Target-URI")
            when = record.warc_header("WARC-Refers-To-Date").replace("-", "").replace(":", "")
            [orig, *_] = _lookup(index, uri, when.replace("T", "")[:14], mime="text/html",
                                 digest=record.payload_digest)  # fmt: skip
            record = _load(data, orig)
            assert record.target_uri == uri and record.rec_type == "response"
        _, version = package["versions"][(entry["url"], int(entry["id"].rsplit("@v", 1)[1]))]
        assert record.payload == capture(package, version).payload  # the bytes captured
        assert record.http_status == 200
    assert via_alias >= 20  # articles fetched under an alias replay under the canonical URL


@pytest.mark.slow
def test_exports_are_byte_identical_between_runs(crawled: Crawled, tmp_path: Path) -> None:
    outs = []
    with Archive.open(crawled.data) as archive:
        for n in (1, 2):
            out = tmp_path / str(n) / "a.wacz"
            out.parent.mkdir()
            wacz.write_wacz(archive, crawled.data / "warc", out, created=CREATED,
                            record_id_factory=ids(), clock=clock)  # fmt: skip
            outs.append(out.read_bytes())
    assert outs[0] == outs[1]


@pytest.mark.slow
def test_cdxj_alone_is_the_package_index(
    crawled: Crawled, package: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "Hoa An 2026.cdxj"
    with Archive.open(crawled.data) as archive:
        n = wacz.write_cdxj(archive, crawled.data / "warc", out, record_id_factory=ids(),
                            clock=clock)  # fmt: skip
    assert out.read_bytes() == package["files"][wacz.INDEX_PATH][1]
    assert n == package["result"].index_lines


@pytest.mark.slow
def test_cdxj_points_into_the_warc_export_of_the_same_selection(
    crawled: Crawled, tmp_path: Path
) -> None:
    """`--format cdxj -o x.cdxj` and `--format warc --all-versions -o x.warc.gz`, run one
    after the other, make a pywb collection: the index's offsets are the WARC's."""
    warc, cdxj = tmp_path / "x.warc.gz", tmp_path / "x.cdxj"
    with Archive.open(crawled.data) as archive:
        wacz.write_cdxj(archive, crawled.data / "warc", cdxj)
        wacz.write_warc(archive, crawled.data / "warc", warc, all_versions=True)
        first = warc.read_bytes()
        wacz.write_warc(archive, crawled.data / "warc", warc, all_versions=True)
    assert warc.read_bytes() == first  # the same selection, the same bytes
    assert check_file(warc) == []
    lines = cdxj.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(index_lines(warc))
    for line in lines:
        entry = json.loads(line.split(" ", 2)[2])
        assert entry["filename"] == "x.warc.gz"
        start, length = int(entry["offset"]), int(entry["length"])
        assert (
            parse_record(gzip.decompress(first[start : start + length])).target_uri == entry["url"]
        )


@pytest.mark.slow
def test_site_and_since_select(crawled: Crawled, tmp_path: Path) -> None:
    with Archive.open(crawled.data) as archive:
        one = wacz.write_wacz(archive, crawled.data / "warc", tmp_path / "one.wacz", site="h-php")
        none = wacz.write_wacz(archive, crawled.data / "warc", tmp_path / "none.wacz",
                               since="2099-01-01")  # fmt: skip
    with zipfile.ZipFile(tmp_path / "one.wacz") as zf:
        urls = [json.loads(x)["url"] for x in zf.read("pages/pages.jsonl").splitlines()[1:]]
    assert one.pages == len(urls) > 10 and all("/php/" in u for u in urls)
    assert none.pages == 0 and none.records == 0
    assert run("-m", "wacz", "validate", "-f", str(tmp_path / "one.wacz")).returncode == 0


@pytest.mark.slow
def test_a_signed_package_verifies(crawled: Crawled, tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_bytes(pem(ec.SECP384R1()))
    out = tmp_path / "signed.wacz"
    with Archive.open(crawled.data) as archive:
        result = wacz.write_wacz(archive, crawled.data / "warc", out, site="demo-aspnet",
                                 signing_key=tmp_path / "key.pem")  # fmt: skip
    assert result.signed
    with zipfile.ZipFile(out) as zf:
        digest = json.loads(zf.read("datapackage-digest.json"))
        manifest = json.loads(zf.read("datapackage.json"))
    signed = digest["signedData"]
    assert signed["hash"] == digest["hash"] and signed["created"] == manifest["created"]
    assert waczsign.verify(signed)
    assert not waczsign.verify({**signed, "hash": "sha256:" + "0" * 64})  # another package
    other = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert not waczsign.verify({**signed, "publicKey": base64.b64encode(other).decode()})
    validated = run("-m", "wacz", "validate", "-f", str(out))
    assert validated.returncode == 0, validated.stdout


# What ReplayWeb.page (wabac.js, src/wacz/certutils.ts) runs to check an anonymous signature.
WEBCRYPTO_VERIFY = """async (s) => {
  const b64 = (x) => Uint8Array.from(atob(x), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "spki", b64(s.publicKey), {name: "ECDSA", namedCurve: "P-384"}, true, ["verify"]);
  const verify = (hash) => crypto.subtle.verify(
    {name: "ECDSA", hash: "SHA-256"}, key, b64(s.signature), new TextEncoder().encode(hash));
  return [await verify(s.hash), await verify(s.hash + "0")];
}"""


class _BlankPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!DOCTYPE html><title>blank</title>")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.slow
def test_the_signature_verifies_in_a_browser_as_replayweb_page_checks_it(
    crawled: Crawled, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("LUUTRU_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but no Chromium (apt-get install chromium)")
        pytest.skip("no Chromium")
    key = tmp_path / "key.pem"
    key.write_bytes(pem(ec.SECP384R1()))
    out = tmp_path / "signed.wacz"
    with Archive.open(crawled.data) as archive:
        wacz.write_wacz(archive, crawled.data / "warc", out, site="h-wp", signing_key=key)
    with zipfile.ZipFile(out) as zf:
        signed = json.loads(zf.read("datapackage-digest.json"))["signedData"]
    # WebCrypto exists in secure contexts only: a page from 127.0.0.1 is one.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BlankPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            assert page.evaluate(WEBCRYPTO_VERIFY, signed) == [True, False]
            browser.close()
    finally:
        server.shutdown()


def test_signing_keys_must_be_p384(tmp_path: Path) -> None:
    with pytest.raises(waczsign.SigningKeyError, match="P-384"):
        waczsign.load_signing_key(pem(ec.SECP256R1()))
    with pytest.raises(waczsign.SigningKeyError, match="cannot read"):
        waczsign.load_signing_key(tmp_path / "missing.pem")


# --------------------------------------------------------------------------- pywb itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_pywb_replays_every_live_article_under_its_canonical_url(
    crawled: Crawled, package: dict[str, Any], tmp_path: Path
) -> None:
    python = os.environ.get("LUUTRU_TEST_PYWB")
    if not python:
        if os.environ.get("CI") == "true":  # .ci/run installs it: missing there is a failure
            pytest.fail("LUUTRU_TEST_PYWB is not set (.ci/run makes a pywb venv)")
        pytest.importorskip("pywb", reason="pywb not installed (LUUTRU_TEST_PYWB)")
        python = sys.executable

    def pywb(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from pywb.manager.manager import main; main(sys.argv[1:])"
        return subprocess.run([python, "-c", code, *args], cwd=tmp_path, capture_output=True,
                              text=True, check=False)  # fmt: skip

    assert pywb("init", "c").returncode == 0
    added = pywb("add", "--unpack-wacz", "c", str(package["path"]))
    assert added.returncode == 0 and "does not contain" not in added.stderr, added.stderr
    port = _free_port()
    code = "import sys; from pywb.apps.cli import wayback; wayback(sys.argv[1:])"
    server = subprocess.Popen(
        [python, "-c", code, "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/c/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        live = [a for a, v in package["versions"].values() if a["status"] == "live"]
        checked = set()
        for article in live:
            if article["url"] in checked:
                continue
            checked.add(article["url"])
            replay = f"http://127.0.0.1:{port}/c/id_/{article['url']}"
            body = urllib.request.urlopen(replay, timeout=10).read().decode("utf-8", "replace")
            assert article["title"] in html.unescape(body), article["url"]
        assert len(checked) > 80
    finally:
        server.terminate()
        server.wait(timeout=10)


# --------------------------------------------------------------------------- command line


def test_the_command_line_writes_wacz_and_cdxj(crawled: Crawled, tmp_path: Path) -> None:
    """`luutru export --format wacz|cdxj`: -o required, the configuration's signing key used,
    a bad key one line and exit 2."""
    data = tmp_path / "data"
    shutil.copytree(crawled.data, data)
    out = tmp_path / "all.wacz"
    no_file = run("-m", "luutru", "export", "--format", "wacz", "--data", str(data))
    assert no_file.returncode == 2 and "needs -o FILE" in no_file.stderr
    key = tmp_path / "key.pem"
    key.write_bytes(pem(ec.SECP384R1()))
    (data / "luutru.toml").write_text(f'[export]\nwacz_signing_key = "{key}"\n', encoding="utf-8")
    signed = run("-m", "luutru", "export", "--format", "wacz", "-o", str(out), "--data", str(data))
    assert signed.returncode == 0, signed.stderr
    assert "pages to" in signed.stderr
    with zipfile.ZipFile(out) as zf:
        digest = json.loads(zf.read("datapackage-digest.json"))
    assert digest["signedData"]["signature"]  # signed with the configured key
    index = tmp_path / "all.cdxj"
    cdxj = run("-m", "luutru", "export", "--format", "cdxj", "-o", str(index), "--data", str(data))
    assert cdxj.returncode == 0, cdxj.stderr
    with zipfile.ZipFile(out) as zf:
        packaged = zf.read(wacz.INDEX_PATH).decode("utf-8").splitlines()
    alone = index.read_text("utf-8").splitlines()
    # The same captures under the same keys (record ids and dates differ between runs).
    assert [line.split(" ", 1)[0] for line in alone] == [p.split(" ", 1)[0] for p in packaged]
    key.write_bytes(pem(ec.SECP256R1()))
    wrong = run("-m", "luutru", "export", "--format", "wacz", "-o", str(out), "--data", str(data))
    assert wrong.returncode == 2 and "P-384" in wrong.stderr
    assert "Traceback" not in wrong.stderr
