"""Contact details: CG-PII-EMAIL and CG-PII-PHONE (low severity by default).

**What it finds.** Email addresses outside the documentation domains (`example.com`,
`example.org`, `example.net`, `*.example`, `*.test`, `*.invalid`, `*.localhost`, plus the
policy's `email_allow_domains`, each including its subdomains); and phone numbers in E.164 form
(`+44 20 7946 0000`, `+14155550000`: a `+`, 10-15 digits, optional single spaces, dots, dashes
or parentheses) or in the North American national form (`(415) 555-2671`, `415-555-2671`, with
area and exchange codes starting 2-9). Other national formats are too ambiguous to report
without drowning real findings.

**Why it matters.** A customer's email or phone number in fixtures or logs is personal data
(GDPR, CCPA) that outlives its purpose in every clone.

**Instead.** Use `someone@example.com` and the fictional 555-0100 to 555-0199 range in tests.

**Not findings.** Decorators and scoped packages (`@app.route`, `@types/node`: no local part),
`git@host:` SSH remotes, credentials in URLs (the `secrets` check's business), retina image
names (`logo@2x.png`), version pins (`lodash@4.17.21`), arithmetic (`x+1234567890`) and the
fictional 555-01xx numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compliance_gate.pii.hit import EMAIL, PHONE, RawHit, words
from compliance_gate.redact import mask_middle

DOCUMENTATION_DOMAINS = ("example.com", "example.org", "example.net", "example", "test", "invalid", "localhost")

_DOMAIN = re.compile(
    r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24})(?![A-Za-z0-9_-])"
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_FILE_SUFFIXES = words(
    "png jpg jpeg gif svg webp ico bmp avif js mjs ts tsx jsx css scss map json yaml yml html md txt py"
)

PHONE_SHAPES = (
    r"\+[1-9][0-9 ().-]{8,22}[0-9]"
    r"|\([2-9][0-9]{2}\) ?[2-9][0-9]{2}-[0-9]{4}"
    r"|[2-9][0-9]{2}-[2-9][0-9]{2}-[0-9]{4}"
)
"""Regex source for phone candidates; digit counts and boundaries are checked in `phone_hit`."""

_E164_LAYOUT = re.compile(r"\+[0-9]{1,3}(?:[ .-]?\(?[0-9]{1,5}\)?)*$")


def allowed_domain(domain: str, allow: Sequence[str]) -> bool:
    d = domain.lower()
    return any(d == a or d.endswith("." + a) for a in (*DOCUMENTATION_DOMAINS, *allow))


def find_emails(text: str, allow: Sequence[str]) -> Iterator[RawHit]:
    """Email addresses outside the documentation and allowed domains."""
    for m in _DOMAIN.finditer(text):
        at = m.start()
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _LOCAL_CHARS:
            start -= 1
        local = text[start:at].lstrip(".+-%")
        start = at - len(local)
        domain = m.group(1)
        if not local or local.endswith(".") or local == "git" or domain.rsplit(".", 1)[1].lower() in _FILE_SUFFIXES:
            continue
        if (start > 0 and text[start - 1] in ":/") or allowed_domain(domain, allow):
            continue  # `scheme://user:password@host`, `ssh://git@host`: URLs, not addresses
        address = f"{local}@{domain}".lower()
        excerpt = f"{local[0]}***@{domain.lower()}"
        yield RawHit(start, EMAIL, address, excerpt, "email")


def phone_hit(text: str, start: int, end: int) -> RawHit | None:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if before.isalnum() or after.isalnum() or before in "_)+-." or after in "_-":
        return None
    if after == "." and text[end + 1 : end + 2].isdigit():
        return None
    token = text[start:end]
    digits = "".join(ch for ch in token if ch.isdigit())
    if token[0] == "+":
        if not 10 <= len(digits) <= 15 or not _E164_LAYOUT.match(token) or "  " in token:
            return None
    elif digits[3:6] == "555" and digits[6:8] == "01":
        return None  # the fictional 555-0100..0199 range
    return RawHit(start, PHONE, digits, mask_middle(("+" if token[0] == "+" else "") + digits), "phone")
