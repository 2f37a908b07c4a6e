"""The fast canonical form equals RFC 8785, and hashes depend on algorithm and key."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_gate.auditlog.canonical import canonical_json, record_hash

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
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_matches_rfc8785(record: dict[str, Any]) -> None:
    """For any JSON object (unicode keys, floats, nesting) the bytes equal the rfc8785 package's."""
    assert canonical_json(record) == rfc8785.dumps(record)


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
