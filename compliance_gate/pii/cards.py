"""Payment card numbers (PANs): CG-PII-PAN, CG-PII-PAN-TEST and CG-PII-PAN-TABLE.

**What it finds.** 12-19 digit numbers whose brand prefix and length match a card network and
whose Luhn check digit is right, written contiguously (`4000056655665556`) or grouped by one
consistent space or hyphen in the groupings cards are printed in (4-4-4-4, 4-4-4-4-3, 4-4-4-1 for
13-digit Visa, 4-6-5 for Amex, 4-6-4 for Diners). Numbers on the versioned list of published
network/PSP test cards (`testvalues.py`) are CG-PII-PAN-TEST instead. When one file holds
card numbers (off that list) of three or more networks, they are CG-PII-PAN-TABLE: a table of
generated numbers for a brand-detection or validation test looks like that, a customer's card
copied into a fixture does not; the policy rates the rule per path tier (the default policy:
blocking in production code, info in tests).

**Why it matters.** A real PAN in source, fixtures, configs or logs puts the repository (and
every clone and CI cache of it) in PCI DSS scope (3.2, 3.4). Findings show at most the first 6
and last 4 digits (3.4.1).

**Example.** `CARD = "4000 0566 5566 5556"` (a Visa number: brand 4, 16 digits, Luhn ok).

**Instead.** Use a token from the payment provider, or a network test card in tests only.

**Not findings** (known false positives of other scanners): digits glued to a letter, digit,
underscore or `*` (`ORD4000056655665556`, masked `400005******5556`), fractions and exponents
(`0.4000056655665556`, `1e-4000056655665556`), numbers after `+` (phone numbers), dashed
identifiers (UUIDs, `1234-...`), 13-digit epoch-millisecond timestamps and any prefix that no
network issues (checked before Luhn: Luhn alone passes one random number in ten). Luhn is also
the check digit of other identifiers: a number whose line (or one of the two before it) names a
French SIRET/SIREN (INSEE) or a device's IMEI/MEID is that identifier, not a card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from compliance_gate.pii.hit import PAN, PAN_TABLE, PAN_TEST, RawHit, neighbours
from compliance_gate.pii.testvalues import TEST_CARDS
from compliance_gate.redact import mask_pan


@dataclass(frozen=True, slots=True)
class Brand:
    """A card network: prefix ranges (inclusive, equal width) and the lengths it issues."""

    name: str
    prefixes: tuple[tuple[str, str], ...]
    lengths: frozenset[int]


BRANDS: tuple[Brand, ...] = (
    Brand("visa", (("4", "4"),), frozenset({13, 16, 19})),
    Brand("mastercard", (("51", "55"), ("2221", "2720")), frozenset({16})),
    Brand("amex", (("34", "34"), ("37", "37")), frozenset({15})),
    Brand("discover", (("6011", "6011"), ("644", "649"), ("65", "65")), frozenset(range(16, 20))),
    Brand("jcb", (("3528", "3589"),), frozenset(range(16, 20))),
    Brand("diners", (("300", "305"), ("36", "36"), ("38", "39")), frozenset({14, 15, 16})),
    Brand("unionpay", (("62", "62"),), frozenset(range(16, 20))),
)

FIRST_DIGITS = "23456"
"""No network issues card numbers starting with 0, 1, 7, 8 or 9 (epoch timestamps start with 1)."""
CANDIDATE_TAIL = (
    r"(?:[0-9]{11,18}"
    r"|[0-9]{3}(?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4}(?:(?P=sep)[0-9]{3})?"
    r"|[0-9]{3}(?P<sep2>[ -])[0-9]{6}(?P=sep2)[0-9]{4,5}"
    r"|[0-9]{3}(?P<sep3>[ -])[0-9]{4}(?P=sep3)[0-9]{4}(?P=sep3)[0-9])"
)
"""Regex source for a PAN candidate after its first digit: contiguous, 4-4-4-4(-3), 4-6-4/5, 4-4-4-1.
`scan` compiles one pattern per first digit (a literal first character is the regex engine's
fastest search); boundaries, brand and Luhn are checked in `pan_hit`."""

_GLUE = frozenset("_*")
_OTHER_LUHN_IDS = re.compile(r"(?<![a-z])(siret|siren|insee|imeisv|imei|meid)(?![a-z])")
"""Identifiers that carry a Luhn check digit too (French company numbers, device ids)."""
_OTHER_ID_LENGTHS = {
    "siret": (14,),
    "siren": (9,),
    "insee": (13, 14, 15),  # the NIR (13 + key) and, in docs, the SIRET INSEE issues
    "imei": (15,),
    "imeisv": (16,),
    "meid": (14, 18),
}
"""Digit counts of each identifier: a number of another length is not that identifier."""
_CARD_LABEL = re.compile(r"(?:card|pan|ccn?|cc_?num\w*|credit\w*)[\s\"':=]*$")
"""A card label right before the number: it is what the line says it is, whatever else it names."""
TABLE_NETWORKS = 3
"""Card numbers of this many networks in one file make a table of generated numbers."""
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def brand_of(digits: str) -> Brand | None:
    """The network whose prefix range and lengths fit `digits`, if any."""
    n = len(digits)
    for brand in BRANDS:
        if n not in brand.lengths:
            continue
        for low, high in brand.prefixes:
            if low <= digits[: len(low)] <= high:
                return brand
    return None


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        total += _DOUBLED[d] if i & 1 else d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    """`partial` plus the check digit that makes it pass Luhn (for tests and benchmarks)."""
    for d in "0123456789":
        if luhn_ok(partial + d):
            return partial + d
    raise AssertionError("unreachable: one check digit always fits")


def glued(text: str, start: int, end: int, sep: str | None) -> bool:
    """True if the candidate is part of a larger token (see the module's "Not findings")."""
    before, after = neighbours(text, start, end)
    if before.isalnum() or after.isalnum() or before in _GLUE or after in _GLUE:
        return True
    two_before = text[start - 2] if start > 1 else " "
    if before in ".+" or (before == "-" and (two_before.isalnum() or two_before in ".+")):
        return True  # a fraction, a phone number, an exponent or a dashed identifier
    if after in ".-" and text[end + 1 : end + 2].isdigit():
        return True  # the integer part of a float, or a dashed identifier
    if sep is None:
        return False
    # more groups on either side: an inconsistent grouping, not a card as printed
    return (before == sep and two_before.isdigit()) or (after == sep and text[end + 1 : end + 5].isdigit())


def pan_hit(text: str, start: int, end: int, sep: str | None) -> RawHit | None:
    """Classify the candidate `text[start:end]`; None if it is not a card number."""
    if glued(text, start, end, sep):
        return None
    digits = text[start:end] if sep is None else text[start:end].replace(sep, "")
    brand = brand_of(digits)
    if brand is None or not luhn_ok(digits):
        return None
    if digits in TEST_CARDS:
        return RawHit(start, PAN_TEST, digits, mask_pan(digits), brand.name)
    if _names_other_identifier(text, start, len(digits)):
        return None
    return RawHit(start, PAN, digits, mask_pan(digits), brand.name)


def _names_other_identifier(text: str, start: int, length: int) -> bool:
    """Is the number a SIRET, SIREN, NIR, IMEI or MEID: its line, or one of the two before it,
    names such an identifier of exactly its length, and no card label stands right before it?
    (A card number beside a device's IMEI is still a card number.)"""
    window = start
    for _ in range(3):
        window = text.rfind("\n", 0, max(window - 1, 0)) + 1
    before = text[window:start].lower()
    if _CARD_LABEL.search(before[-40:]):
        return False
    return any(length in _OTHER_ID_LENGTHS[m.group(1)] for m in _OTHER_LUHN_IDS.finditer(before))


def mark_tables(hits: Sequence[RawHit]) -> list[RawHit]:
    """Card numbers of a file holding numbers of `TABLE_NETWORKS` or more networks (off the test
    list) become CG-PII-PAN-TABLE."""
    networks = {h.classification for h in hits if h.rule == PAN}
    if len(networks) < TABLE_NETWORKS:
        return list(hits)
    return [replace(h, rule=PAN_TABLE) if h.rule == PAN else h for h in hits]
