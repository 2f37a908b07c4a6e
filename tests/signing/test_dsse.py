"""DSSE: the PAE, strict parsing, and interoperability with securesystemslib's verifier."""

from __future__ import annotations

import base64
import json

import pytest
from attest_samples import sealed
from securesystemslib.dsse import Envelope as SslibEnvelope
from securesystemslib.exceptions import VerificationError as SslibVerificationError
from securesystemslib.signer import SSlibKey

from compliance_gate.signing import dsse, keys


def test_pae_matches_the_spec_example() -> None:
    """The pre-authentication encoding is byte-for-byte the DSSE spec's example."""
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_pae_counts_bytes_not_characters() -> None:
    """Lengths are in UTF-8 bytes."""
    assert dsse.pae("t\u00e9", "\u20ac".encode()) == b"DSSEv1 3 t\xc3\xa9 3 \xe2\x82\xac"


@pytest.mark.parametrize("algorithm", keys.ALGORITHMS)
def test_round_trip(algorithm: str) -> None:
    """A signed envelope parses back and verifies with the signer's public key only."""
    key, other = keys.generate(algorithm), keys.generate(algorithm)
    env = dsse.parse_envelope(sealed(key))
    assert dsse.verify_envelope(env, [other.public, key.public]).key.keyid == key.keyid
    with pytest.raises(dsse.Rejected) as info:
        dsse.verify_envelope(env, [other.public])
    assert info.value.condition == "signature"


def test_keyid_is_only_a_hint(ec_key: keys.PrivateKey) -> None:
    """A wrong or empty keyid does not stop a valid signature from verifying."""
    doc = json.loads(sealed(ec_key))
    for hint in ("", "f" * 64):
        doc["signatures"][0]["keyid"] = hint
        env = dsse.parse_envelope(json.dumps(doc).encode())
        assert dsse.verify_envelope(env, [ec_key.public]).key == ec_key.public


def _sslib_verify(data: bytes, key: keys.PrivateKey) -> None:
    SslibEnvelope.from_dict(json.loads(data)).verify([SSlibKey.from_crypto(key.key.public_key())], 1)


@pytest.mark.parametrize("algorithm", keys.ALGORITHMS)
def test_securesystemslib_verifies_our_envelopes(algorithm: str) -> None:
    """securesystemslib's independent DSSE implementation accepts what we sign."""
    key = keys.generate(algorithm)
    _sslib_verify(sealed(key), key)


def _flip(b64: str, i: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[i % len(raw)] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("algorithm", keys.ALGORITHMS)
@pytest.mark.parametrize("field", ["payload", "payloadType", "sig"])
def test_tampering_is_rejected_by_both(algorithm: str, field: str) -> None:
    """Changing any byte of payload, payloadType or signature fails our verifier and securesystemslib's."""
    key = keys.generate(algorithm)
    good = json.loads(sealed(key))
    length = {
        "payload": len(base64.b64decode(good["payload"])),
        "payloadType": len(good["payloadType"]),
        "sig": len(base64.b64decode(good["signatures"][0]["sig"])),
    }[field]
    for i in sorted({0, 1, length // 2, length - 1}):
        doc = json.loads(json.dumps(good))
        if field == "payload":
            doc["payload"] = _flip(doc["payload"], i)
        elif field == "payloadType":
            t = doc["payloadType"]
            doc["payloadType"] = t[:i] + chr(ord(t[i]) ^ 1) + t[i + 1 :]
        else:
            doc["signatures"][0]["sig"] = _flip(doc["signatures"][0]["sig"], i)
        data = json.dumps(doc).encode()
        with pytest.raises(dsse.Rejected):
            dsse.verify_envelope(dsse.parse_envelope(data), [key.public])
        with pytest.raises((SslibVerificationError, ValueError)):
            _sslib_verify(data, key)


def test_truncated_signature_is_rejected(ec_key: keys.PrivateKey) -> None:
    """A signature cut short is valid base64 but does not verify."""
    doc = json.loads(sealed(ec_key))
    sig = base64.b64decode(doc["signatures"][0]["sig"])
    doc["signatures"][0]["sig"] = base64.b64encode(sig[:-8]).decode()
    with pytest.raises(dsse.Rejected, match="signature: no signature verifies"):
        dsse.verify_envelope(dsse.parse_envelope(json.dumps(doc).encode()), [ec_key.public])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: b"not json at all", "not JSON"),
        (lambda d: [d], "not a JSON object"),
        (lambda d: {**d, "payload": 5}, "`payload` is missing"),
        (lambda d: {k: v for k, v in d.items() if k != "payloadType"}, "`payloadType` is missing"),
        (lambda d: {**d, "signatures": []}, "no signatures"),
        (lambda d: {**d, "signatures": [{"keyid": "x"}]}, "sig is missing"),
        (lambda d: {**d, "signatures": [{"keyid": 1, "sig": "AAAA"}]}, "keyid is not a string"),
        (lambda d: {**d, "payload": d["payload"][:-5] + "*" + d["payload"][-4:]}, "payload: not valid base64"),
        (lambda d: {**d, "payload": "A" + d["payload"].rstrip("=")[:4]}, "payload: not valid base64"),
        (lambda d: {**d, "signatures": [{"keyid": "", "sig": "MEUC\u00e9"}]}, "not valid base64"),
    ],
    ids=[
        "text",
        "list",
        "payload-type",
        "no-payloadType",
        "no-sigs",
        "no-sig",
        "keyid",
        "b64-char",
        "b64-length",
        "b64-unicode",
    ],
)
def test_malformed_envelopes(ec_key: keys.PrivateKey, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    """Each malformation is an `envelope` rejection naming what is wrong."""
    doc = mutate(json.loads(sealed(ec_key)))
    with pytest.raises(dsse.Rejected, match=message) as info:
        dsse.parse_envelope(doc if isinstance(doc, bytes) else json.dumps(doc).encode())
    assert info.value.condition == "envelope" and "\n" not in str(info.value)


def test_url_safe_and_unpadded_base64_are_accepted() -> None:
    """The DSSE spec allows URL-safe base64; padding is optional."""
    raw = bytes(range(250, 256)) + b"\xfb\xff"
    url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert dsse.b64decode(url, "x") == raw
