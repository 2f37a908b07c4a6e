"""Masking: what may leave the gate of a sensitive value."""

from __future__ import annotations

import pytest

from compliance_gate.pii.cards import luhn_complete
from compliance_gate.redact import mask_pan, scrub

PAN = luhn_complete("453914" + "8" * 9)


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        (f"bad amount {PAN} in row 3", PAN, "453914******"),
        ("ssn 123-45-6789 given", "123-45-6789", "ssn"),
        ("key AKIA" + "Q7X3M9K2W8P4R6TZ" + " leaked", "Q7X3M9K2W8P4R6TZ", "AKI***"),
        ("file compliance_gate/engine.py line 12", "", "compliance_gate/engine.py line 12"),
    ],
)
def test_scrub_masks_numbers_and_tokens_keeps_prose(text: str, hidden: str, kept: str) -> None:
    """Unexpected messages lose digit runs and token-like words, and keep paths and words."""
    out = scrub(text)
    assert kept in out
    if hidden:
        assert hidden not in out


def test_mask_pan_shows_at_most_first_six_and_last_four() -> None:
    """PCI DSS 3.4.1: never more than the BIN and the last four digits."""
    masked = mask_pan(PAN)
    assert masked.startswith("453914") and masked.endswith(PAN[-4:]) and masked.count("*") == 6
