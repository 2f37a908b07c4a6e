"""Emails and phone numbers: documentation domains, policy allow-list, conservative phones."""

from __future__ import annotations

import pytest
from piiutil import rules

EMAIL = "CG-PII-EMAIL"
PHONE = "CG-PII-PHONE"

EMAILS: list[tuple[str, str, list[str]]] = [
    ("plain", "contact jane.doe@gmail.com today", [EMAIL]),
    ("plus tag", "a+billing@corp.io", [EMAIL]),
    ("mixed case", "John.Smith@Mail.COM", [EMAIL]),
    ("angle brackets", "From: Jane <jane@shop.co.uk>", [EMAIL]),
    ("quoted", "'ops@payments-provider.net'", [EMAIL]),
    ("example.com", "someone@example.com", []),
    ("example.org subdomain", "x@mail.example.org", []),
    ("test tld", "a@shop.test", []),
    ("invalid tld", "a@host.invalid", []),
    ("example tld", "a@shop.example", []),
    ("decorator", "@app.route('/pay')", []),
    ("scoped package", '"@types/node": "^20"', []),
    ("git remote", "git@github.com:org/repo.git", []),
    ("credentials in url", "https://user:secret@db.internal.io/x", []),
    ("retina image", "logo@2x.png", []),
    ("version pin", "lodash@4.17.21", []),
    ("no local part", "mail to @corp.io", []),
]

PHONES: list[tuple[str, str, list[str]]] = [
    ("e164 compact", "phone = '+14155552671'", [PHONE]),
    ("e164 spaced", "+49 30 12345678", [PHONE]),
    ("e164 dashed us", "+1 415-555-2671", [PHONE]),
    ("e164 with parentheses", "+44 (20) 3123 4567", [PHONE]),
    ("nanp parentheses", "(415) 555-2671", [PHONE]),
    ("nanp dashed", "call 415-555-2671", [PHONE]),
    ("signed int32", "max = +2147483647", []),
    ("iso date with expanded year", "'+1980-02-29 01:02:03'", []),
    ("arithmetic", "total = x+14155552671", []),
    ("exponent", "1e+14155552671", []),
    ("index arithmetic", "args[0]+14155552671", []),
    ("fictional 555-01xx", "415-555-0123", []),
    ("fictional 555-01xx e164", "+1 415 555 0123", []),
    ("uk drama range", "+447700900123", []),
    ("nanp area starting 1", "123-456-7890", []),
    ("nanp exchange starting 0", "415-055-2671", []),
    ("dotted", "1.415.555.2671", []),
    ("glued", "v+14155552671", []),
    ("too short", "+123456789", []),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in EMAILS], ids=[c[0] for c in EMAILS])
def test_email_corpus(text: str, expected: list[str]) -> None:
    """Each corpus line yields exactly the expected email findings."""
    assert rules(text, "email") == expected


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in PHONES], ids=[c[0] for c in PHONES])
def test_phone_corpus(text: str, expected: list[str]) -> None:
    """Each corpus line yields exactly the expected phone findings."""
    assert rules(text, "phone") == expected


def test_policy_allow_list_covers_subdomains() -> None:
    """Domains in `email_allow_domains` and their subdomains are not findings."""
    text = "a@corp.io b@mail.corp.io c@othercorp.io"
    assert rules(text, "email", allow=("corp.io",)) == [EMAIL]


def test_email_excerpt_masks_the_local_part() -> None:
    """The excerpt keeps the first character of the mailbox and the domain only."""
    from compliance_gate.pii import ScanOptions, scan_text

    (hit,) = scan_text("jane.doe@gmail.com", ScanOptions(detectors=("email",)))
    assert hit.excerpt == "j***@gmail.com"
