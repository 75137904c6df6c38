"""Signing a WACZ (WACZ Signing and Verification 0.1.0, the *anonymous* signature).

``datapackage-digest.json`` carries ``signedData``: the hash of ``datapackage.json``,
``created`` (the package's own), ``software``, and an ECDSA signature of the hash string
(its UTF-8 bytes, SHA-256) with the public key that verifies it. This is what
ArchiveWeb.page writes and ReplayWeb.page (wabac.js) checks: a P-384 key, the key as
base64 SubjectPublicKeyInfo DER, the signature as base64 raw ``r || s`` (WebCrypto's
form, not DER). Who owns the key is settled outside the file (publish the public key);
the domain-certificate variant needs a CA and a timestamp server and is not done here.

Make a key once with ``openssl ecparam -name secp384r1 -genkey -noout -out wacz-key.pem``.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

_CURVE = ec.SECP384R1  # the curve ReplayWeb.page imports anonymous keys with
_SIZE = 48  # bytes of r and of s on P-384


class SigningKeyError(ValueError):
    """The configured key cannot sign a WACZ (unreadable, not EC, not P-384)."""


def load_signing_key(key: str | bytes | Path) -> ec.EllipticCurvePrivateKey:
    """A P-384 private key from a PEM file path or PEM text (PKCS#8 or SEC1)."""
    if isinstance(key, Path) or (isinstance(key, str) and "-----BEGIN" not in key):
        try:
            data = Path(key).read_bytes()
        except OSError as exc:
            raise SigningKeyError(f"cannot read the signing key {key}: {exc}") from exc
    else:
        data = key.encode("ascii") if isinstance(key, str) else key
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"not a PEM private key without password: {exc}") from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(private.curve, _CURVE):
        raise SigningKeyError("the WACZ signing key must be an ECDSA P-384 (secp384r1) key")
    return private


def sign(key: ec.EllipticCurvePrivateKey, digest: str, created: str, software: str) -> dict:
    """``signedData`` for ``datapackage-digest.json``: ``digest`` is the ``sha256:…``
    hash of datapackage.json, ``created`` its ``created`` (the validator compares them)."""
    der = key.sign(digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(_SIZE, "big") + s.to_bytes(_SIZE, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "hash": digest,
        "created": created,
        "software": software,
        "signature": base64.b64encode(raw).decode("ascii"),
        "publicKey": base64.b64encode(public).decode("ascii"),
    }


def verify(signed: dict[str, Any]) -> bool:
    """Whether ``signed["signature"]`` is ``signed["publicKey"]``'s signature of
    ``signed["hash"]`` (the anonymous-signature check of the spec)."""
    try:
        public = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        raw = base64.b64decode(signed["signature"])
    except (KeyError, ValueError, TypeError):
        return False
    if not isinstance(public, ec.EllipticCurvePublicKey) or len(raw) != 2 * _SIZE:
        return False
    r, s = int.from_bytes(raw[:_SIZE], "big"), int.from_bytes(raw[_SIZE:], "big")
    der = encode_dss_signature(r, s)
    try:
        public.verify(der, str(signed.get("hash", "")).encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
