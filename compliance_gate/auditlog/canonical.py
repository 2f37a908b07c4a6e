"""Record hashes: the one definition both the logger and the verifier use.

The hash input is `DOMAIN` + the RFC 8785 (JCS) serialisation of the record without its `hash`
key (`compliance_gate.canonical`, the gate's one canonical JSON; its orjson fast path covers
flat ASCII records, the `rfc8785` package the rest).
"""

from __future__ import annotations

import hashlib
import hmac

from compliance_gate.canonical import canonical_json
from compliance_gate.model import JSONObject

DOMAIN = b"compliance-gate/audit-record/v1\n"
GENESIS = "0" * 64
SHA256 = "sha256"
HMAC_SHA256 = "hmac-sha256"
ALGORITHMS = frozenset({SHA256, HMAC_SHA256})


def record_hash(record: JSONObject, algorithm: str, key: bytes | None = None) -> str:
    """Hex digest of `record` without its `hash` key; `key` is required for HMAC-SHA-256."""
    body = {k: v for k, v in record.items() if k != "hash"} if "hash" in record else record
    data = DOMAIN + canonical_json(body)
    if algorithm == SHA256:
        return hashlib.sha256(data).hexdigest()
    if algorithm == HMAC_SHA256:
        if key is None:
            raise ValueError("hmac-sha256 needs a key")
        return hmac.digest(key, data, "sha256").hex()
    raise ValueError(f"unknown chain algorithm {algorithm!r}")
