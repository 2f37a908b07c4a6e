"""Masking: what may leave the gate of a sensitive value."""

from __future__ import annotations

import pytest

from compliance_gate.pii.cards import luhn_complete
from compliance_gate.redact import mask_label, mask_labels, mask_pan, scrub

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


def _pan() -> str:
    return luhn_complete("453914880343646")


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("docs/receipt_{pan}.txt", "docs/receipt_453914******{last4}.txt"),
        ("EUR.by_status.{pan}", "EUR.by_status.453914******{last4}"),
        ("stream-{dashed}", "stream-453914******{last4}"),
        ("owner 078-05-1120", "owner ***-**-****"),
        ("--since v{pan}: no such revision", "--since v453914******{last4}: no such revision"),
        ("p.yaml:2 {pan}: unknown key", "p.yaml:2 453914******{last4}: unknown key"),
        ("migrations/0001_initial.py", "migrations/0001_initial.py"),
        ("sha256:0123456789012345678abcdef", "sha256:0123456789012345678abcdef"),
        ("V20240101120000__add.sql", "V20240101120000__add.sql"),
        ("order 1234567890123", "order 1234567890123"),
    ],
)
def test_mask_label_masks_what_a_finding_would(label: str, shown: str) -> None:
    """Card numbers (Luhn-valid, plain or grouped), IBANs and SSNs are masked; hex ids around digits are not."""
    pan = _pan()
    fill = {"pan": pan, "dashed": "-".join(pan[i : i + 4] for i in range(0, 16, 4)), "last4": pan[-4:]}
    assert mask_label(label.format(**fill)) == shown.format(**fill)


def test_mask_labels_reaches_keys_and_nested_values() -> None:
    """Mapping keys, tuples and dataclass fields are all masked; enums and numbers are left alone."""
    from compliance_gate.model import Finding, Severity

    pan = _pan()
    f = Finding("pii", "R", Severity.HIGH, f"m {pan}", path=f"a/{pan}", properties={pan: [pan, 3]})
    masked = mask_labels(f)
    assert pan not in repr(masked) and masked.severity is Severity.HIGH and masked.properties
    assert list(masked.properties.values()) == [[mask_label(pan), 3]]
