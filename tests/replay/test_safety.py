"""`safe_text`: card numbers hidden in ids are masked; provider ids never are."""

from __future__ import annotations

import pytest

from compliance_gate.pii.cards import luhn_complete
from compliance_gate.replay.safety import safe_text

PAN = luhn_complete("411111111111111")  # 16 digits, Visa prefix, Luhn-completed here


@pytest.mark.parametrize(
    "value",
    [
        "8332f05a-5829-6814-1737-f129c8c6a1b2",
        "85" + "12345678901234",
        "8812345678901234",
        "pi_3YSguT7m5XKFhbbkeZvWBjxf",
        "ch_4111111111111111x",
        "0123456789abcdef0123456789abcdef",
    ],
)
def test_provider_ids_are_left_alone(value: str) -> None:
    assert safe_text(value) == value


def test_uuid_whose_digits_spell_a_card_number_is_left_alone() -> None:
    """A Luhn-valid 16-digit run across a UUID's dashes, glued to hex letters, is an id."""
    u = f"abcdef01-{PAN[:4]}-{PAN[4:8]}-{PAN[8:12]}-{PAN[12:]}abcdef12"
    assert safe_text(u) == u


@pytest.mark.parametrize("template", ["{}", "pay_{}", "status {} here", "{}-refund"])
def test_a_card_number_on_its_own_is_masked(template: str) -> None:
    out = safe_text(template.format(PAN))
    assert PAN not in out and "******" in out
    grouped = " ".join(PAN[i : i + 4] for i in range(0, 16, 4))
    assert grouped not in safe_text(f"card {grouped}")
