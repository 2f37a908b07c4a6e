"""US SSNs: issuable ranges, the dashed form, bare digits with a context word, look-alikes."""

from __future__ import annotations

import pytest
from piiutil import make_ssn, rules

SSN = "CG-PII-SSN"
VALID = make_ssn(536, 22, 8174)
BARE = make_ssn(536, 22, 8174, sep="")

CORPUS: list[tuple[str, str, list[str]]] = [
    ("dashed", f"ssn = '{VALID}'", [SSN]),
    ("dashed in prose", f"customer {VALID} called", [SSN]),
    ("dashed area 899", make_ssn(899, 1, 1), [SSN]),
    ("bare with ssn", f"ssn: {BARE}", [SSN]),
    ("bare with SSN upper", f"SSN={BARE}", [SSN]),
    ("bare with social security", f"Social Security Number {BARE}", [SSN]),
    ("bare with social_security", f"social_security = {BARE}", [SSN]),
    ("bare with camel context", f"customerSsn = {BARE}", [SSN]),
    # negatives
    ("area 000", make_ssn(0, 22, 8174), []),
    ("area 666", make_ssn(666, 22, 8174), []),
    ("area 900", make_ssn(900, 22, 8174), []),
    ("area 999", make_ssn(999, 22, 8174), []),
    ("group 00", make_ssn(536, 0, 8174), []),
    ("serial 0000", make_ssn(536, 22, 0), []),
    ("woolworth wallet", make_ssn(78, 5, 1120), []),
    ("placeholder", make_ssn(123, 45, 6789), []),
    ("bare without context", f"amount = {BARE}", []),
    ("bare with context on another line", f"ssn:\n{BARE}", []),
    ("bare, context, but ten digits", f"ssn {BARE}1", []),
    ("glued letter", f"A{VALID}", []),
    ("glued digit after", f"{VALID}5", []),
    ("longer dashed id", f"1-{VALID}", []),
    ("more groups", f"{VALID}-12", []),
    ("decimal after", f"{VALID}.5", []),
    ("phone shaped", "536-222-8174", []),
    ("date", "2024-01-15", []),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CORPUS], ids=[c[0] for c in CORPUS])
def test_ssn_corpus(text: str, expected: list[str]) -> None:
    """Each corpus line yields exactly the expected SSN findings."""
    assert rules(text, "ssn") == expected


def test_ssn_excerpt_shows_no_digits() -> None:
    """An SSN finding's excerpt carries no digit of the number."""
    from compliance_gate.pii import ScanOptions, scan_text

    (hit,) = scan_text(f"x = '{VALID}'", ScanOptions(detectors=("ssn",)))
    assert not any(ch.isdigit() for ch in hit.excerpt)
