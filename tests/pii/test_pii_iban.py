"""IBANs: country lengths, checksum, printed groups, documentation IBANs and look-alikes."""

from __future__ import annotations

import re
import string

import pytest
from piiutil import make_iban, printed, rules
from stdnum import numdb

from compliance_gate.pii.iban import IBAN_LENGTHS, valid_iban
from compliance_gate.pii.testvalues import TEST_IBANS

DE = make_iban("DE", "500105175407324931")
GB = make_iban("GB", "NWBK60161331926818")
NO = make_iban("NO", "86011117948")
MT = make_iban("MT", "MALT011000012345MTLCAST001T")
FR = make_iban("FR", "20041010050500013M02607")

IBAN = "CG-PII-IBAN"
TEST = "CG-PII-IBAN-TEST"

CORPUS: list[tuple[str, str, list[str]]] = [
    ("germany compact", f"iban = '{DE}'", [IBAN]),
    ("germany printed", f"IBAN: {printed(DE)}", [IBAN]),
    ("uk with letters", GB, [IBAN]),
    ("uk printed", printed(GB), [IBAN]),
    ("norway shortest", NO, [IBAN]),
    ("malta longest letters", MT, [IBAN]),
    ("france letter inside", FR, [IBAN]),
    ("lower-case account part", DE[:4] + DE[4:].lower(), [IBAN]),
    ("printed then words", printed(DE) + " EUR transfer", [IBAN]),
    ("printed then a four-letter word", printed(GB) + " DONE", [IBAN]),
    ("json", f'{{"iban": "{DE}"}}', [IBAN]),
    ("documentation iban", "DE89370400440532013000", [TEST]),
    ("documentation iban printed", "GB82 WEST 1234 5698 7654 32", [TEST]),
    # negatives
    ("wrong check digits", DE[:2] + f"{(int(DE[2:4]) + 1) % 100:02d}" + DE[4:], []),
    ("too short for germany", DE[:-1], []),
    ("too long for germany", DE + "1", []),
    ("unknown country", "XX" + DE[2:], []),
    ("glued to a letter before", "Z" + DE, []),
    ("glued to a letter after", DE + "Z", []),
    ("lower-case country", DE.lower(), []),
    ("identifier shaped", "AB12CDEFGHIJKLMNOP", []),
    ("constant shaped", "DE12_CONSTANT_VALUE_X", []),
    ("double spaces", DE[:4] + "  " + DE[4:], []),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CORPUS], ids=[c[0] for c in CORPUS])
def test_iban_corpus(text: str, expected: list[str]) -> None:
    """Each corpus line yields exactly the expected IBAN findings."""
    assert rules(text, "iban") == expected


def test_documentation_ibans_are_valid() -> None:
    """Every listed documentation IBAN has its country's length and a correct checksum."""
    for iban in TEST_IBANS:
        assert valid_iban(iban), iban[:2]


def test_length_table_covers_the_common_countries() -> None:
    """The registry lengths the reference names are in the table."""
    assert {k: IBAN_LENGTHS[k] for k in ("DE", "GB", "FR", "NL", "NO")} == {
        "DE": 22, "GB": 22, "FR": 27, "NL": 18, "NO": 15,
    }  # fmt: skip
    assert len(IBAN_LENGTHS) >= 80


def test_length_table_is_python_stdnums_registry() -> None:
    """The first-screen length table names exactly the countries, with exactly the lengths, of the
    registry python-stdnum validates against (so the two cannot drift apart)."""
    registry = numdb.get("iban")
    lengths = {}
    for cc in (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase):
        bban = registry.info(cc)[0][1].get("bban")
        if bban:
            lengths[cc] = 4 + sum(int(n) for n in re.findall(r"(\d+)!?[nac]", bban))
    assert lengths == IBAN_LENGTHS


def test_account_part_must_have_the_registered_structure() -> None:
    """A checksum-valid string whose account part breaks its country's structure (GB: 4 letters,
    then 14 digits) is not an IBAN."""
    assert valid_iban(GB) and not valid_iban(make_iban("GB", "1234" + GB[8:]))
