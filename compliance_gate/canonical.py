"""Canonical JSON (RFC 8785, JCS): the one byte form behind every digest and signed payload.

The policy digest, the in-toto statements of verdicts and sign-offs, the audit-log checkpoints,
the audit records' hashes and the digest of a queried report table are all computed over
`canonical_json(value)`: keys sorted by UTF-16 code units, no whitespace, raw UTF-8, numbers as
ECMAScript writes them (`24.0` is `24`, `1e16` is `10000000000000000`).

orjson with sorted keys writes the same bytes when every key is ASCII, there are no floats and
every integer is within +-2^53 (both emit raw UTF-8 and the same escapes); that is the common
case and ~20x faster, so it is tried first. Anything else goes through the `rfc8785` package.
An integer beyond +-2^53 (which JCS can only write as an inexact double) or a NaN/infinity has
no canonical form: `NotCanonical` says so instead of signing something a verifier would read
differently.

The exception is the signing key id, which is securesystemslib's definition (OLPC canonical JSON
of the public key), not ours: see `compliance_gate.signing.keys`.
"""

from __future__ import annotations

import hashlib
from typing import cast

import orjson
import rfc8785

from compliance_gate.errors import GateError
from compliance_gate.model import JSONValue

ORJSON_JCS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
"""orjson options for the RFC 8785 form (raises beyond +-2^53, where JCS writes a double)."""
FLAT_TYPES = frozenset({str, int, bool, type(None)})
"""Value types of a flat object without floats: with ASCII keys, orjson's sorted output is its
RFC 8785 form."""


class NotCanonical(GateError, ValueError):
    """The value has no RFC 8785 form (an integer beyond +-2^53, a NaN or an infinity)."""


def orjson_is_jcs(value: object) -> bool:
    """Only JSON types, no floats, ASCII keys (integers are range-checked by orjson itself)."""
    t = type(value)
    if t is str or t is bool or t is int or value is None:
        return True
    if t is dict:
        return all(
            type(k) is str and k.isascii() and orjson_is_jcs(v) for k, v in cast("dict[str, object]", value).items()
        )
    if t is list or t is tuple:
        return all(orjson_is_jcs(v) for v in cast("list[object]", value))
    return False


def canonical_json(value: JSONValue) -> bytes:
    """The RFC 8785 bytes of `value` (JSON types: dict with str keys, list/tuple, str, int,
    float, bool, None). Raises `NotCanonical` for a value JCS cannot represent exactly."""
    if orjson_is_jcs(value):
        try:
            return orjson.dumps(value, option=ORJSON_JCS)
        except orjson.JSONEncodeError:
            pass  # an integer beyond 2^53: let rfc8785 give the precise reason
    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.CanonicalizationError as exc:
        raise NotCanonical(f"no canonical JSON (RFC 8785) form: {exc}") from None


def sha256_digest(value: JSONValue) -> str:
    """`sha256:<hex>` of the canonical JSON of `value`."""
    return "sha256:" + hashlib.sha256(canonical_json(value)).hexdigest()
