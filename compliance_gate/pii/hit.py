"""What a detector reports: a `Hit`, and the options every detector reads.

A `Hit` is internal to the gate: its `normalized` value (digits of a PAN, the compact IBAN, the
SSN digits, the lower-cased address) exists only so the caller can compute a keyed fingerprint.
It must never be printed, logged or stored. Everything else on a hit (`excerpt`,
`classification`) is safe to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

PAN = "CG-PII-PAN"
PAN_TEST = "CG-PII-PAN-TEST"
PAN_TABLE = "CG-PII-PAN-TABLE"
IBAN = "CG-PII-IBAN"
IBAN_TEST = "CG-PII-IBAN-TEST"
SSN = "CG-PII-SSN"
EMAIL = "CG-PII-EMAIL"
PHONE = "CG-PII-PHONE"
FIELD = "CG-PII-FIELD"
SAD = "CG-PII-SAD"
LOG = "CG-PII-LOG"
GUESSABLE = frozenset({PAN, PAN_TABLE, IBAN, SSN})
"""Values few enough to enumerate: from a card number's masked form (first 6, last 4) about 10^5
Luhn-valid candidates remain, and an SSN has under 10^9. Under the public default fingerprint key
(which anyone can compute with) they are fingerprinted by their masked form."""

ALL_DETECTORS = ("pan", "iban", "ssn", "email", "phone", "sensitive-field")
"""Detector names as the policy spells them (`checks.pii.detectors`)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One detection. `line`/`column` are 1-based; `normalized` is for fingerprints only."""

    rule: str
    line: int
    column: int
    normalized: str = field(repr=False)
    excerpt: str
    classification: str


@dataclass(frozen=True, slots=True)
class RawHit:
    """A hit located by offset, before line and column are computed."""

    offset: int
    rule: str
    normalized: str = field(repr=False)
    excerpt: str
    classification: str


class DetectorOptions(Protocol):
    """The options detectors read; the check's `PiiOptions` satisfies it."""

    @property
    def detectors(self) -> Sequence[str]: ...

    @property
    def email_allow_domains(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Detector options for callers outside the `pii` check (the audit-log check, tests)."""

    detectors: tuple[str, ...] = ALL_DETECTORS
    email_allow_domains: tuple[str, ...] = ()


def neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The characters before `text[start:end]` and after it; a space at either end of the text
    (not "": "" is `in` every string, so `before in "_."` would wrongly hold)."""
    return (text[start - 1] if start > 0 else " "), (text[end] if end < len(text) else " ")


def words(text: str) -> frozenset[str]:
    """A set of whitespace-separated words (keeps long data tables readable)."""
    return frozenset(text.split())
