"""The prefilter clears only lines on which the exact scan finds nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_leaks import PAN, SECRET

from compliance_gate.auditlog.leaks import KeyCheck, scan_lines
from compliance_gate.auditlog.prefilter import suspect_lines
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.pii.hit import ALL_DETECTORS, ScanOptions

HEX = "0123456789abcdef" * 4
VALUES = [
    PAN,
    " ".join(PAN[i : i + 4] for i in range(0, 16, 4)),
    "-".join(PAN[i : i + 4] for i in range(0, 16, 4)),
    "3782 822463 10005",
    luhn_complete("452201511283"),
    luhn_complete("601100000000000000"),
    "536-22-8174",
    "536228174",
    "DE44500105175407324931",
    "GB82 WEST 1234 5698 7654 32",
    "415-555-2671",
]
"""Card numbers of 13-19 digits, grouped or not, SSNs, IBANs, a phone number."""
ATOMS = [
    *VALUES,
    *(f'"{value}"' for value in VALUES),
    "ssn",
    "Social Security",
    "a.person@corp-mail.io",
    "x@example.com",
    "AKIA" + "ABCDEFGHIJKLMNOP",
    "ghp_" + "A" * 36,
    "xoxb-1234567890",
    "sk_live_" + "a" * 20,
    "eyJ" + "a" * 9 + ".eyJ" + "b" * 9 + "." + "c" * 9,
    "-----BEGIN RSA PRIVATE KEY-----",
    "+44 161 496 0123",
    "(415) 555-2671",
    '"password": "',
    SECRET,
    'hash": "',
    'hash":"',
    HEX,
    'timestamp": "2026-11-21T08:00:00.000Z"',
    "4",
    "45",
    "0",
    "12",
    '"',
    ":",
    " ",
    "-",
    ".",
    "_",
    "*",
    "+",
    "x",
    "Z",
    "é",
    "İ",
    "\\",
    "\t",
    "\r",
    "\ufffd",
    "٣",
]
LINE = st.lists(st.sampled_from(ATOMS) | st.text(max_size=3), max_size=14).map(
    lambda parts: "".join(parts).replace("\n", " ")
)


@settings(max_examples=400, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=8))
def test_every_text_hit_is_on_a_suspect_line(lines: list[str]) -> None:
    """Card numbers, IBANs, SSNs, e-mail, phones and token shapes are never cleared."""
    raw = [line.encode() for line in lines]
    numbers = list(range(1, len(raw) + 1))
    hits = {
        leak.line
        for leak in scan_lines(raw, numbers, ScanOptions(), True)
        if not leak.classification.startswith("secret field")
    }
    assert hits <= suspect_lines(b"\n".join(raw), frozenset(ALL_DETECTORS), True)


KEYS = [
    "password",
    "db_password",
    "clientSecret",
    "api-key",
    "x",
    "note",
    "Access_Token",
    "token",
    "cvv",
    "private_key",
    "AUTHORIZATION",
    "passwd",
    "secret_hash",
    "İpassword",
    "k",
]
FIELD_VALUES = st.sampled_from([SECRET, "", "***", "[REDACTED]", "a", 1, None, 2.5]) | st.text(max_size=6)
JSON = st.recursive(
    FIELD_VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), JSON, min_size=1, max_size=5), st.booleans())
def test_secret_fields_only_under_keys_that_look_like_secrets(record: dict[str, Any], compact: bool) -> None:
    """A flat record whose keys are not secret-looking never has a secret field in its text."""
    line = json.dumps(record, separators=(",", ":") if compact else None, ensure_ascii=compact).encode()
    hits = [leak for leak in scan_lines([line], [1], None, True) if leak.classification.startswith("secret field")]
    flat = all(type(v) in (str, int, bool, type(None)) for v in record.values())
    if hits and flat:
        assert KeyCheck(None, True).secret_named(record)
