"""Card numbers: brands, lengths, separators, test cards and the known false positives."""

from __future__ import annotations

import pytest
from piiutil import group, hits, make_pan

from compliance_gate.pii.cards import brand_of, luhn_ok
from compliance_gate.pii.testvalues import TEST_CARDS

VISA16 = make_pan("4", 16)
AMEX = make_pan("37", 15)
DINERS = make_pan("36", 14)
VISA19 = make_pan("4", 19)

PAN = "CG-PII-PAN"
TEST = "CG-PII-PAN-TEST"

CORPUS: list[tuple[str, str, list[tuple[str, str]]]] = [
    # brands and lengths
    ("visa 13", f"x = '{make_pan('4', 13)}'", [(PAN, "visa")]),
    ("visa 16", f"x = '{VISA16}'", [(PAN, "visa")]),
    ("visa 19", f"x = '{VISA19}'", [(PAN, "visa")]),
    ("mastercard 51", make_pan("51", 16), [(PAN, "mastercard")]),
    ("mastercard 55", make_pan("55", 16), [(PAN, "mastercard")]),
    ("mastercard 2221", make_pan("2221", 16), [(PAN, "mastercard")]),
    ("mastercard 2720", make_pan("2720", 16), [(PAN, "mastercard")]),
    ("amex 34", make_pan("34", 15), [(PAN, "amex")]),
    ("amex 37", AMEX, [(PAN, "amex")]),
    ("discover 6011", make_pan("6011", 16), [(PAN, "discover")]),
    ("discover 644", make_pan("644", 16), [(PAN, "discover")]),
    ("discover 649 19", make_pan("649", 19), [(PAN, "discover")]),
    ("discover 65", make_pan("65", 16), [(PAN, "discover")]),
    ("jcb 3528", make_pan("3528", 16), [(PAN, "jcb")]),
    ("jcb 3589 19", make_pan("3589", 19), [(PAN, "jcb")]),
    ("diners 300", make_pan("300", 14), [(PAN, "diners")]),
    ("diners 305", make_pan("305", 14), [(PAN, "diners")]),
    ("diners 36", DINERS, [(PAN, "diners")]),
    ("diners 38 16", make_pan("38", 16), [(PAN, "diners")]),
    ("unionpay 62", make_pan("62", 16), [(PAN, "unionpay")]),
    ("unionpay 62 19", make_pan("62", 19), [(PAN, "unionpay")]),
    # separators and groupings
    ("4-4-4-4 spaces", group(VISA16, (4, 4, 4, 4), " "), [(PAN, "visa")]),
    ("4-4-4-4 hyphens", group(VISA16, (4, 4, 4, 4), "-"), [(PAN, "visa")]),
    ("4-4-4-4-3 spaces", group(VISA19, (4, 4, 4, 4, 3), " "), [(PAN, "visa")]),
    ("amex 4-6-5", group(AMEX, (4, 6, 5), " "), [(PAN, "amex")]),
    ("amex 4-6-5 hyphens", group(AMEX, (4, 6, 5), "-"), [(PAN, "amex")]),
    ("diners 4-6-4", group(DINERS, (4, 6, 4), " "), [(PAN, "diners")]),
    ("visa 13 as 4-4-4-1", group(make_pan("4", 13), (4, 4, 4, 1), " "), [(PAN, "visa")]),
    ("visa 13 as 4-4-4-1 hyphens", group(make_pan("4", 13), (4, 4, 4, 1), "-"), [(PAN, "visa")]),
    ("grouped then expiry", group(VISA16, (4, 4, 4, 4), " ") + " 12/29", [(PAN, "visa")]),
    # contexts
    ("json value", f'{{"card": "{VISA16}", "amount": 100}}', [(PAN, "visa")]),
    ("start and end of text", VISA16, [(PAN, "visa")]),
    ("sentence end", f"paid with {VISA16}.", [(PAN, "visa")]),
    ("negative sign", f"x = -{VISA16}", [(PAN, "visa")]),
    ("csv", f"1,{VISA16},EUR", [(PAN, "visa")]),
    # test cards
    ("stripe visa", "4242424242424242", [(TEST, "visa")]),
    ("visa grouped", "4111 1111 1111 1111", [(TEST, "visa")]),
    ("mastercard test", "5555-5555-5555-4444", [(TEST, "mastercard")]),
    ("amex test", "3782 822463 10005", [(TEST, "amex")]),
    ("discover test", "6011111111111117", [(TEST, "discover")]),
    # hard negatives
    ("siret named on the line", f"SIRET of the shop: {DINERS}", []),
    ("siret named above", f"The SIRET (INSEE) number\nis a 14-digit code, e.g. `{DINERS}`.", []),
    ("imei", f"device_imei = '{make_pan('37', 15)}'", []),
    # a card number beside a device id or company number is still a card number
    ("card beside an imei", f'{{"imei": "{make_pan("35", 15)}", "pan": "{VISA16}"}}', [(PAN, "visa")]),
    ("card labelled after an imei", f"imei ok; card: {make_pan('37', 15)}", [(PAN, "amex")]),
    ("siret named, number of another length", f"SIRET of the shop: {VISA16}", [(PAN, "visa")]),
    ("13 digits as 4-4-4-1 of another network", group(make_pan("37", 13), (4, 4, 4, 1), " "), []),
    ("luhn fails", "4242424242424241", []),
    ("epoch ms", "created_ms = 1700000000000", []),
    ("epoch us", "ts = 1700000000000000", []),
    ("epoch ns", "ts = 1700000000000000000", []),
    ("fraction", f"ratio = 0.{VISA16}", []),
    ("integer part of float", f"x = {VISA16}.25", []),
    ("exponent", f"x = 1e-{VISA16}", []),
    ("exponent glued", f"x = {VISA16}e10", []),
    ("hex digest", f"sha = 'a{VISA16}f0e1'", []),
    ("hex digest digits last", f"sha = 'deadbeef{VISA16}'", []),
    ("uuid of digits", group(make_pan("4", 32), (8, 4, 4, 4, 12), "-"), []),
    ("uuid tail", f"id = 'ab12cd34-1234-4321-8888-{VISA16[:12]}'", []),
    ("phone with plus", f"tel: +{VISA16[:15]}", []),
    ("masked", f"{VISA16[:6]}******{VISA16[-4:]}", []),
    ("masked with x", f"{VISA16[:4]}-XXXX-XXXX-{VISA16[-4:]}", []),
    ("masked with star after", f"{VISA16}*", []),
    ("order id glued to letters", f"ORD{VISA16}", []),
    ("order id glued to underscore", f"order_{VISA16}", []),
    ("digits glued after", f"{VISA16}x1", []),
    ("too long digit run", VISA16 + "1234", []),
    ("dashed identifier", f"ref = 12-{VISA16}", []),
    ("mixed separators", VISA16[:4] + " " + VISA16[4:8] + "-" + VISA16[8:12] + " " + VISA16[12:], []),
    ("double spaces", group(VISA16, (4, 4, 4, 4), "  "), []),
    ("five groups of four", "1234 " + group(VISA16, (4, 4, 4, 4), " "), []),
    ("wrong length for amex", make_pan("34", 16), []),
    ("wrong length for mastercard", make_pan("51", 15), []),
    ("no such network", make_pan("9", 16), []),
    ("no such network 1", make_pan("1", 16), []),
    ("amex grouped like visa", group(make_pan("37", 16), (4, 4, 4, 4), " "), []),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CORPUS], ids=[c[0] for c in CORPUS])
def test_card_corpus(text: str, expected: list[tuple[str, str]]) -> None:
    """Each corpus line yields exactly the expected card findings, and nothing for negatives."""
    assert hits(text, "pan") == expected


def test_every_listed_test_card_is_structurally_valid() -> None:
    """A test value that fails brand or Luhn could never be matched, so the list would lie."""
    for card in TEST_CARDS:
        assert luhn_ok(card), card[:6]
        assert brand_of(card) is not None, card[:6]


def test_prefix_is_checked_before_luhn() -> None:
    """About one random number in ten passes Luhn; a prefix no network issues is never a card."""
    numbers = [make_pan(str(first), 16, seed) for first in (0, 1, 7, 8, 9) for seed in range(20)]
    assert all(luhn_ok(n) for n in numbers)
    assert hits(" ".join(numbers), "pan") == []


def test_masked_excerpt_keeps_at_most_six_and_four() -> None:
    """The excerpt shows the BIN and the last four digits only (PCI DSS 3.4.1)."""
    from compliance_gate.pii import scan_text

    (hit,) = scan_text(group(VISA16, (4, 4, 4, 4), "-"))
    assert hit.excerpt == VISA16[:6] + "******" + VISA16[-4:]
    assert hit.normalized == VISA16
    assert VISA16 not in repr(hit)


TABLE = "CG-PII-PAN-TABLE"


def test_numbers_of_three_networks_make_a_table() -> None:
    """A file holding card numbers of three or more networks (a brand-detection test) is a table
    of generated numbers: CG-PII-PAN-TABLE, which the policy rates per path tier."""
    text = "\n".join(f"assert brand('{n}')" for n in (VISA16, make_pan("51", 16), AMEX))
    assert hits(text, "pan") == [(TABLE, "visa"), (TABLE, "mastercard"), (TABLE, "amex")]


def test_two_networks_stay_card_numbers() -> None:
    """Two cards of two networks are what a copied customer record looks like: CG-PII-PAN."""
    assert hits(f"a = '{VISA16}'\nb = '{AMEX}'", "pan") == [(PAN, "visa"), (PAN, "amex")]


def test_listed_test_cards_do_not_make_a_table() -> None:
    """Published test cards of other networks do not turn a real-looking number into a table row."""
    text = f"a = '{VISA16}'\nb = '5555555555554444'\nc = '378282246310005'"
    assert hits(text, "pan") == [(PAN, "visa"), (TEST, "mastercard"), (TEST, "amex")]
