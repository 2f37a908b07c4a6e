"""Published test values: network/PSP test cards, documentation IBANs and sandbox CVVs.

These values pass every structural check (brand, length, Luhn; country, length, mod 97) but
identify no real account: card networks and payment providers (Stripe, Adyen, Braintree,
Checkout.com, Razorpay, Authorize.net, PayPal...) publish them for integration tests, and banks
and registries print the IBANs in their documentation. The `pii` check reports them as
CG-PII-PAN-TEST / CG-PII-IBAN-TEST (info by default, in every path tier).

The lists are data files the gate ships, one entry a line with the page that publishes it and the
date it was checked there: `policies/known-values/test-cards.csv`, `test-ibans.csv`,
`test-cvvs.csv`. Their digest is `TEST_VALUES_VERSION`, part of the check's engine versions, so
editing a list recomputes cached results. Only add values that are publicly documented as test
values; a real number added there would be silently downgraded.
"""

from __future__ import annotations

import hashlib

from compliance_gate.bundled import known_values

_CARDS, _CARDS_SHA = known_values("test-cards")
_IBANS, _IBANS_SHA = known_values("test-ibans")
_CVVS, _CVVS_SHA = known_values("test-cvvs")

TEST_CARDS: frozenset[str] = frozenset(row["number"] for row in _CARDS)
TEST_IBANS: frozenset[str] = frozenset(row["iban"] for row in _IBANS)
TEST_CVVS: frozenset[str] = frozenset(row["cvv"] for row in _CVVS)
TEST_VALUES_VERSION = hashlib.sha256((_CARDS_SHA + _IBANS_SHA + _CVVS_SHA).encode()).hexdigest()[:16]

PUBLIC_SSNS: frozenset[str] = frozenset({"078051120", "123456789", "219099999"})
"""SSNs printed in advertising and documentation (the Woolworth wallet card, the placeholder, the
SSA's own 1940s pamphlet example); the SSA voided them. Not reported at all: they identify nobody,
and flagging documentation is noise."""
