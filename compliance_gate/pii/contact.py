"""Contact details: CG-PII-EMAIL and CG-PII-PHONE (low severity by default).

**What it finds.** Email addresses outside the documentation domains (`example.com`,
`example.org`, `example.net`, `*.example`, `*.test`, `*.invalid`, `*.localhost`, plus the
policy's `email_allow_domains`, each including its subdomains); and phone numbers in E.164 form
(`+44 161 496 0000`, `+14155552671`: a `+`, 11-15 digits, optional spaces, dashes or
parentheses) or in the North American national form (`(415) 555-2671`, `415-555-2671`, with
area and exchange codes starting 2-9). Other national formats are too ambiguous to report
without drowning real findings.

**Why it matters.** A customer's email or phone number in fixtures or logs is personal data
(GDPR, CCPA) that outlives its purpose in every clone.

**Instead.** Use `someone@example.com` and fictional numbers (555-0100 to 555-0199,
+44 7700 900xxx) in tests.

**Not findings.** Decorators and scoped packages (`@app.route`, `@types/node`: no local part),
`git@host:` SSH remotes, credentials in URLs (the `secrets` check's business), retina image
names (`logo@2x.png`), version pins (`lodash@4.17.21`), arithmetic (`x+12345678901`), signed
integers and dates (`+2147483647`, `+1980-02-29`), the fictional 555-01xx numbers and the UK and
Australian drama ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from compliance_gate.pii.hit import EMAIL, PHONE, RawHit, neighbours, words
from compliance_gate.redact import mask_middle

DOCUMENTATION_DOMAINS = (
    "example.com", "example.org", "example.net", "example", "test", "invalid", "localhost", "localdomain",
)  # fmt: skip

_DOMAIN = re.compile(
    r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24})(?![A-Za-z0-9_-])"
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_FILE_SUFFIXES = words(
    "png jpg jpeg gif svg webp ico bmp avif js mjs ts tsx jsx css scss map json yaml yml html md txt py"
)

E164 = r"\+[1-9][0-9 ()-]{9,22}[0-9]"
NANP_PARENS = r"\([2-9][0-9]{2}\) ?[2-9][0-9]{2}-[0-9]{4}"
"""Regex sources for phone candidates (`scan` finds the dashed national form `415-555-2671` with
dashed SSNs); digit counts and boundaries are checked in `phone_hit`."""

_E164_LAYOUT = re.compile(r"\+[0-9]{1,3}(?:[ -]?\(?[0-9]{1,5}\)?)*$")
_COUNTRY_CODE_BEFORE = re.compile(r"\+[0-9]{1,3}[ -]?\Z")  # `+1 415-555-2671`: reported once, as E.164
_DATE = re.compile(r"\+[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ISO 8601 expanded years: +1980-02-29
_FICTIONAL = ("447700900", "4420794600", "44113496", "6155501")
"""Ofcom's drama ranges (07700 900xxx, 020 7946 0xxx, 0113 496 0xxx) and Australia's 0155 501."""


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
    before, after = neighbours(text, start, end)
    if before.isalnum() or after.isalnum() or before in "_)]}+-.*/" or after in "_-":
        return None
    if after == "." and text[end + 1 : end + 2].isdigit():
        return None
    token = text[start:end]
    digits = "".join(ch for ch in token if ch.isdigit())
    national = digits
    if token[0] != "+" and _COUNTRY_CODE_BEFORE.search(text, max(0, start - 5), start):
        return None
    if token[0] == "+":
        if not 11 <= len(digits) <= 15 or not _E164_LAYOUT.match(token) or _DATE.match(token):
            return None  # 10 digits and fewer are mostly signed integers (+2147483647), not phones
        if digits.startswith(_FICTIONAL):
            return None
        national = digits[1:] if digits[0] == "1" else ""
    if national and (national[0] in "01" or national[3] in "01" or national[3:8].startswith("55501")):
        return None  # not a North American number, or the fictional 555-0100..0199 range
    return RawHit(start, PHONE, digits, mask_middle(("+" if token[0] == "+" else "") + digits), "phone")
