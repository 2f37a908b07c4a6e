"""DSSE envelopes (Dead Simple Signing Envelope, v1.0.2): sign, parse strictly, verify.

What is signed is the pre-authentication encoding, with lengths in bytes:

    PAE(type, body) = b"DSSEv1 " + len(type) + b" " + type + b" " + len(body) + b" " + body

The JSON form is `{"payload": b64, "payloadType": str, "signatures": [{"keyid", "sig": b64}]}`.
We write standard base64 with padding and accept standard or URL-safe, padded or not; anything
else (stray characters, a non-string, a missing field) is a malformed envelope. After
verification only the verified payload bytes may be used: nothing else in the envelope is signed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compliance_gate.errors import UsageError, VerificationError
from compliance_gate.model import JSONValue
from compliance_gate.signing.keys import PrivateKey, PublicKey

MAX_ENVELOPE_BYTES = 256 * 1024 * 1024  # a 50k-finding verdict is ~17 MB
MAX_SIGNATURES = 16
_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2}")


class Rejected(VerificationError):
    """A verification condition failed; `condition` names it, the message says why."""

    def __init__(self, condition: str, detail: str) -> None:
        self.condition = condition
        super().__init__(f"verification failed: {condition}: {detail}")


@dataclass(frozen=True, slots=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    payload: bytes
    payload_type: str
    signatures: tuple[Signature, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "payload": base64.b64encode(self.payload).decode(),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()} for s in self.signatures],
        }

    def to_json(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2) + "\n").encode()


@dataclass(frozen=True, slots=True)
class Verified:
    """The payload a pinned key vouches for, and which key that was."""

    payload: bytes
    payload_type: str
    key: PublicKey


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(t), t, len(payload), payload)


def sign(payload: bytes, payload_type: str, keys: Sequence[PrivateKey]) -> Envelope:
    message = pae(payload_type, payload)
    return Envelope(payload, payload_type, tuple(Signature(k.keyid, k.sign(message)) for k in keys))


def read_file(path: Path) -> bytes:
    """An envelope file's bytes; an unreadable file is a usage error (exit 2), not a rejection."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the envelope ({exc.strerror})") from None


def parse_envelope(data: bytes, source: str = "envelope") -> Envelope:
    """Parse the JSON form; raise `Rejected("envelope", ...)` naming what is wrong."""

    def bad(why: str) -> Rejected:
        return Rejected("envelope", f"{source}: {why}")

    if len(data) > MAX_ENVELOPE_BYTES:
        raise bad(f"larger than {MAX_ENVELOPE_BYTES} bytes")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"not JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict):
        raise bad("not a JSON object")
    for name, kind in (("payload", str), ("payloadType", str), ("signatures", list)):
        if not isinstance(doc.get(name), kind):
            raise bad(f"`{name}` is missing or not a {kind.__name__}")
    sigs = doc["signatures"]
    if not sigs:
        raise bad("no signatures")
    if len(sigs) > MAX_SIGNATURES:
        raise bad(f"more than {MAX_SIGNATURES} signatures")
    parsed: list[Signature] = []
    for i, s in enumerate(sigs):
        if not isinstance(s, dict) or not isinstance(s.get("sig"), str):
            raise bad(f"signatures[{i}].sig is missing or not a string")
        keyid = s.get("keyid", "")
        if not isinstance(keyid, str):
            raise bad(f"signatures[{i}].keyid is not a string")
        parsed.append(Signature(keyid, b64decode(s["sig"], f"{source}: signatures[{i}].sig")))
    payload = b64decode(doc["payload"], f"{source}: payload")
    return Envelope(payload, doc["payloadType"], tuple(parsed))


def b64decode(text: str, what: str) -> bytes:
    """Strict base64 (standard or URL-safe; padding optional); raise `Rejected` otherwise."""
    if not _B64.fullmatch(text):
        raise Rejected("envelope", f"{what}: not valid base64")
    body = text.rstrip("=")
    if len(body) % 4 == 1:
        raise Rejected("envelope", f"{what}: not valid base64 (truncated)")
    padded = body + "=" * (-len(body) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise Rejected("envelope", f"{what}: not valid base64") from None


def verify_envelope(envelope: Envelope, keys: Sequence[PublicKey]) -> Verified:
    """Return the payload if any signature verifies with any pinned key.

    Every signature is tried against every pinned key: the envelope's keyid is an unsigned hint,
    so it only orders the attempts. Raises `Rejected("signature", ...)` otherwise.
    """
    if not keys:
        raise Rejected("signature", "no pinned public key to verify with")
    message = pae(envelope.payload_type, envelope.payload)
    for sig in envelope.signatures:
        for key in sorted(keys, key=lambda k: k.keyid != sig.keyid):
            if key.verify(sig.sig, message):
                return Verified(envelope.payload, envelope.payload_type, key)
    pinned = ", ".join(k.keyid[:16] for k in keys)
    hints = ", ".join(s.keyid[:16] or "(none)" for s in envelope.signatures)
    raise Rejected(
        "signature",
        f"no signature verifies with the pinned key(s) [{pinned}] (envelope key id hints: [{hints}])",
    )
