"""Canonical JSON and record hashes: the one definition both the logger and the verifier use.

The hash input is `DOMAIN` + the RFC 8785 (JCS) serialisation of the record without its `hash`
key. orjson with sorted keys produces the same bytes as JCS when keys are ASCII, there are no
floats and every integer is within +-2^53 (both emit raw UTF-8 and the same string escapes); for
anything else we fall back to the `rfc8785` package, which is correct but ~20x slower.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import orjson

DOMAIN = b"compliance-gate/audit-record/v1\n"
GENESIS = "0" * 64
SHA256 = "sha256"
HMAC_SHA256 = "hmac-sha256"
ALGORITHMS = frozenset({SHA256, HMAC_SHA256})

FLAT_TYPES = frozenset({str, int, bool, type(None)})
"""Value types of a flat record without floats: with ASCII keys, orjson's sorted output is its
RFC 8785 form."""
ORJSON_JCS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
"""orjson options for the RFC 8785 form (raises beyond +-2^53, where JCS writes a double)."""


def _orjson_is_jcs(value: Any) -> bool:
    """Only JSON types, no floats, ASCII keys (integers are range-checked by orjson itself)."""
    t = type(value)
    if t is str or t is bool or t is int or value is None:
        return True
    if t is dict:
        return all(k.isascii() and _orjson_is_jcs(v) for k, v in value.items())
    if t is list:
        return all(_orjson_is_jcs(v) for v in value)
    return False


def canonical_json(record: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of `record` (a JSON object as parsed from a line)."""
    flat = set(map(type, record.values())) <= FLAT_TYPES and "".join(record).isascii()
    if flat or _orjson_is_jcs(record):
        try:
            return orjson.dumps(record, option=ORJSON_JCS)
        except orjson.JSONEncodeError:
            pass  # an integer beyond 2^53: JCS writes it as a double
    import rfc8785

    return bytes(rfc8785.dumps(record))


def record_hash(record: Mapping[str, Any], algorithm: str, key: bytes | None = None) -> str:
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
