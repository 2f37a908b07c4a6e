"""International bank account numbers: CG-PII-IBAN and CG-PII-IBAN-TEST.

**What it finds.** A two-letter country code and two check digits followed by the account part,
written compactly (`DE44500105175407324931`) or in the printed groups of four
(`DE44 5001 0517 5407 3249 31`), with the length and account structure its country registered
(ISO 13616 registry: DE 22 digits, GB 4 letters and 14 digits, NO 15...) and a mod-97 checksum
of 1. Validation is python-stdnum's (`stdnum.iban`, registry included); national check digits
inside the account part are not required. Documentation IBANs (`DE89370400440532013000`,
`GB82WEST12345698765432`...) are CG-PII-IBAN-TEST.

**Why it matters.** An IBAN with a name is personal data (GDPR) and is enough to set up a direct
debit; it has no place in source, fixtures or logs.

**Instead.** Generate IBANs in tests (any country's documentation example is on the test list),
and keep real ones in the system of record.

Country code and check digits must be upper case (so that ordinary identifiers are not read as
IBANs); the rest may be either case. Excerpts keep the country code and the last two characters.
"""

from __future__ import annotations

from stdnum import iban as stdnum_iban

from compliance_gate.pii.hit import IBAN, IBAN_TEST, RawHit, neighbours
from compliance_gate.pii.testvalues import TEST_IBANS
from compliance_gate.redact import mask_middle

IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
"""Registered IBAN length per country: a cheap first screen of candidates, and where printed
groups end. tests/pii/test_pii_iban.py keeps it equal to python-stdnum's registry."""

CANDIDATE = (
    r"[A-Z](?<![A-Za-z0-9_][A-Z])[A-Z][0-9]{2}(?:[A-Za-z0-9]{11,30}"
    r"|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)"
)
"""Regex source for an IBAN-shaped token. The look-behind after the first letter refuses starts
inside a word without losing the regex engine's fast scan for a first character; the end
boundary is checked in `iban_hit`."""

SHAPE = str.maketrans(
    {**{c: "0" for c in "0123456789"}, **{chr(c): "A" for c in range(65, 91)}, **{chr(c): "a" for c in range(97, 123)}}
)
"""Maps ASCII text to its character classes (digit 0, upper A, lower a), keeping offsets."""
SHAPE_CANDIDATE = r"AA00(?<![0Aa]AA00)(?:[A0a]{11,30}|(?: [A0a]{4}){2,7}(?: [A0a]{1,4})?)"
"""`CANDIDATE` over the shape of the text: a literal `AA00` start, which the regex engine finds
far faster than a first upper-case letter (these start every class name and constant)."""


def valid_iban(value: str) -> bool:
    """A compact, upper-case string is an IBAN: registered length (cheap, first), then
    python-stdnum's structure and ISO 7064 mod-97 check."""
    expected = IBAN_LENGTHS.get(value[:2])
    if expected != len(value) or not value[2:4].isdigit() or not value.isalnum():
        return False
    return bool(stdnum_iban.is_valid(value, check_country=False))


def iban_hit(text: str, start: int, end: int) -> RawHit | None:
    """Classify the IBAN-shaped `text[start:end]`; None if it is not a valid IBAN."""
    expected = IBAN_LENGTHS.get(text[start : start + 2])
    if expected is None:
        return None
    token = text[start:end]
    compact = token.replace(" ", "").upper()
    if " " in token and len(compact) > expected:
        compact = compact[:expected]  # the printed groups ran on into the next word
        end = start + expected + (expected - 1) // 4  # one space between groups of four
    before, after = neighbours(text, start, end)
    if before.isalnum() or after.isalnum() or "_" in (before, after) or not valid_iban(compact):
        return None
    rule = IBAN_TEST if compact in TEST_IBANS else IBAN
    return RawHit(start, rule, compact, mask_middle(compact), f"iban:{compact[:2]}")
