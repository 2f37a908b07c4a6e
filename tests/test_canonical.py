"""One canonical JSON (RFC 8785) for digests and signed payloads: equal to the rfc8785 package,
fast where it can be, and refusing values that have no canonical form."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_gate.auditlog.canonical import record_hash
from compliance_gate.canonical import NotCanonical, canonical_json, sha256_digest

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_matches_rfc8785(value: Any) -> None:
    """For any JSON value (unicode keys, floats, nesting) the bytes equal the rfc8785 package's."""
    assert canonical_json(value) == rfc8785.dumps(value)


def test_numbers_and_text_in_their_canonical_form() -> None:
    """`24.0` is `24`, `1e16` has no exponent, text is raw UTF-8, keys sort by UTF-16 units."""
    doc = {"b": 24.0, "a": "café", "c": 1e16, "\U0001f600": 1, "\uffff": 2}
    assert canonical_json(doc) == '{"a":"café","b":24,"c":10000000000000000,"\U0001f600":1,"\uffff":2}'.encode()
    assert sha256_digest({"x": 1}).startswith("sha256:")


@pytest.mark.parametrize("value", [2**60, {"amount": -(2**60)}, float("nan"), [float("inf")]])
def test_values_without_a_canonical_form_are_refused(value: Any) -> None:
    """An integer beyond +-2^53 or a NaN/infinity is an error, never a guessed encoding."""
    with pytest.raises(NotCanonical, match="RFC 8785"):
        canonical_json(value)


def test_hash_depends_on_algorithm_and_key() -> None:
    """sha256 and HMAC differ, keys differ, the stored hash is excluded, HMAC needs a key."""
    rec = {"a": 1, "hash": "x"}
    plain = record_hash(rec, "sha256")
    assert plain == record_hash({"a": 1}, "sha256")
    assert record_hash(rec, "hmac-sha256", b"k1" * 8) not in (plain, record_hash(rec, "hmac-sha256", b"k2" * 8))
    with pytest.raises(ValueError):
        record_hash(rec, "hmac-sha256")
    with pytest.raises(ValueError):
        record_hash(rec, "md5")
