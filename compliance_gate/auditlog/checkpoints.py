"""Signed checkpoints: `{stream, seq, hash}` heads of a log, kept outside the log.

A checkpoint is a DSSE envelope (the same envelope format and keys as the verdict; ECDSA P-256
or Ed25519) whose payload is

    {"_type": CHECKPOINT_TYPE, "created": "<UTC>", "log": "<name>",
     "heads": [{"stream": "payments-api", "seq": 41, "hash": "<hex>", "hash_alg": "sha256"}]}

An unkeyed chain can be rebuilt end to end by whoever can write the log, and the tail can be cut
off without a trace; a head signed by a key the log writer does not hold detects both
(`CG-AUDIT-CHECKPOINT-MISMATCH`, `CG-AUDIT-TRUNCATED`). The verifier trusts only checkpoints that
verify with the pinned public key; a checkpoint signed by any other key is itself a finding.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compliance_gate.canonical import canonical_json
from compliance_gate.errors import VerificationError
from compliance_gate.model import JSONValue
from compliance_gate.signing import dsse
from compliance_gate.signing.keys import PrivateKey, PublicKey

CHECKPOINT_TYPE = "https://compliance-gate.invalid/audit-checkpoint/v1"
PAYLOAD_TYPE = "application/vnd.compliance-gate.audit-checkpoint+json"
_HEX = re.compile(r"[0-9a-f]{64}")


class CheckpointProblem(ValueError):
    """A checkpoint that cannot be trusted: malformed, or not signed by the pinned key."""


@dataclass(frozen=True, slots=True)
class Head:
    stream: str
    seq: int
    hash: str
    hash_alg: str = "sha256"


def sign_checkpoint(heads: Sequence[Head], key: PrivateKey, log: str, created: dt.datetime | None = None) -> bytes:
    """The envelope JSON for `heads`, signed with `key` (a `signing.keys.PrivateKey`)."""
    when = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload: dict[str, JSONValue] = {
        "_type": CHECKPOINT_TYPE,
        "created": when,
        "log": log,
        "heads": [{"stream": h.stream, "seq": h.seq, "hash": h.hash, "hash_alg": h.hash_alg} for h in heads],
    }
    body = canonical_json(payload)
    return dsse.sign(body, PAYLOAD_TYPE, [key]).to_json()


def read_checkpoint(data: bytes, source: str, keys: Sequence[PublicKey]) -> list[Head]:
    """Verify the envelope with the pinned `keys` (`signing.keys.PublicKey`) and return its heads."""
    try:
        envelope = dsse.parse_envelope(data, source)
        verified = dsse.verify_envelope(envelope, keys)
    except VerificationError as exc:
        raise CheckpointProblem(str(exc).removeprefix("verification failed: ")) from None
    if verified.payload_type != PAYLOAD_TYPE:
        raise CheckpointProblem(f"{source}: payloadType {verified.payload_type!r} is not {PAYLOAD_TYPE}")
    try:
        doc = json.loads(verified.payload)
    except ValueError:
        raise CheckpointProblem(f"{source}: the signed payload is not JSON") from None
    if not isinstance(doc, dict) or doc.get("_type") != CHECKPOINT_TYPE or not isinstance(doc.get("heads"), list):
        raise CheckpointProblem(f"{source}: the signed payload is not an audit checkpoint")
    return [_head(h, source, i) for i, h in enumerate(doc["heads"])]


def _head(item: Any, source: str, index: int) -> Head:
    ok = (
        isinstance(item, dict)
        and isinstance(item.get("stream"), str)
        and type(item.get("seq")) is int
        and item["seq"] >= 0
        and isinstance(item.get("hash"), str)
        and _HEX.fullmatch(item["hash"]) is not None
    )
    if not ok:
        raise CheckpointProblem(f"{source}: heads[{index}] needs stream, seq >= 0 and a 64-hex hash")
    return Head(item["stream"], item["seq"], item["hash"], str(item.get("hash_alg", "sha256")))


def pins_by_stream(heads: Iterable[Head]) -> Mapping[str, Mapping[int, str]]:
    """Group heads as `{stream: {seq: hash}}` for the chain verifier."""
    out: dict[str, dict[int, str]] = {}
    for h in heads:
        out.setdefault(h.stream, {})[h.seq] = h.hash
    return out
