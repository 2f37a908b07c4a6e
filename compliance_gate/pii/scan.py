"""`scan_text`: every PII detector over one text, in a few passes of compiled regexes.

Speed matters (the gate scans whole repositories on every release and the pre-commit hook on
every commit), so the text is never split into lines up front: a few regexes run over the whole
text, each starting with a literal character (the regex engine's fastest search) -- one per
possible first digit of a card number, one from the first dash of a dashed SSN or phone number,
`+` and `(` for other phone numbers, `@` for email domains, a first letter for sensitive names in
the lower-cased text, and `AA00` over the text's shape for IBANs. Word boundaries, brands and
checksums run in Python on the few candidates only.
Line and column are computed for hits alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance_gate.pii import cards, contact, fields, iban, ssn
from compliance_gate.pii.hit import ALL_DETECTORS, DetectorOptions, Hit, RawHit, ScanOptions

_NOT_GLUED = "(?![0-9A-Za-z_])"
_PANS = tuple(re.compile(f"{d}(?<![0-9A-Za-z_]{d}){cards.CANDIDATE_TAIL}{_NOT_GLUED}") for d in cards.FIRST_DIGITS)
"""One pattern per possible first digit of a card number. Each starts with a literal, which the
regex engine finds with a tight loop; the look-behind right after it refuses, in one step, a
start inside a word or a digit run (which would otherwise be retried at each of its digits)."""
_DASHED = re.compile(r"-(?<=[0-9]{3}-)[0-9]{2,3}-[0-9]{4}" + _NOT_GLUED)
"""Dashed SSNs (3-2-4) and North American phone numbers (3-3-4), found from their
first dash (rarer than digits); the match starts three characters before it."""
_PHONES = (re.compile(contact.E164), re.compile(contact.NANP_PARENS))
_IBAN = re.compile(iban.CANDIDATE)
_IBAN_SHAPE = re.compile(iban.SHAPE_CANDIDATE)
_DEFAULT = ScanOptions()


def scan_text(text: str, options: DetectorOptions | None = None) -> Iterator[Hit]:
    """Yield the PII hits in `text`, in order of position."""
    opts = options or _DEFAULT
    enabled = frozenset(opts.detectors) if opts.detectors else frozenset(ALL_DETECTORS)
    raw = sorted(
        cards.mark_tables(list(_raw_hits(text, enabled, tuple(opts.email_allow_domains)))), key=lambda h: h.offset
    )
    line, line_start, cursor = 1, 0, 0
    for h in raw:
        newlines = text.count("\n", cursor, h.offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", cursor, h.offset) + 1
        cursor = h.offset
        yield Hit(h.rule, line, h.offset - line_start + 1, h.normalized, h.excerpt, h.classification)


def _raw_hits(text: str, enabled: frozenset[str], allow: tuple[str, ...]) -> Iterator[RawHit]:
    yield from _digit_hits(text, enabled)
    if "iban" in enabled:
        # ASCII text (nearly all source) is searched through its shape; translating the rest
        # would cost more than it saves
        shaped = text.isascii()
        matches = _IBAN_SHAPE.finditer(text.translate(iban.SHAPE)) if shaped else _IBAN.finditer(text)
        for m in matches:
            hit = iban.iban_hit(text, m.start(), m.end())
            if hit is not None:
                yield hit
    if "email" in enabled and "@" in text:
        yield from contact.find_emails(text, allow)
    if {"ssn", "sensitive-field"} & enabled:
        low = _lower(text)
        if "ssn" in enabled:
            yield from ssn.find_bare_ssns(text, low)
        if "sensitive-field" in enabled:
            yield from fields.find_fields(text, low)


def _digit_hits(text: str, enabled: frozenset[str]) -> Iterator[RawHit]:
    hit: RawHit | None
    if "pan" in enabled:
        for pattern in _PANS:
            for m in pattern.finditer(text):
                hit = cards.pan_hit(text, m.start(), m.end(), m.group("sep") or m.group("sep2") or m.group("sep3"))
                if hit is not None:
                    yield hit
    want_ssn, want_phone = "ssn" in enabled, "phone" in enabled
    if want_ssn or want_phone:
        for m in _DASHED.finditer(text):
            start, end = m.start() - 3, m.end()
            if end - start == 11:
                hit = ssn.ssn_hit(text, start, end) if want_ssn else None
            else:
                hit = contact.phone_hit(text, start, end) if want_phone else None
            if hit is not None:
                yield hit
    if want_phone:
        for pattern in _PHONES:
            for m in pattern.finditer(text):
                hit = contact.phone_hit(text, m.start(), m.end())
                if hit is not None:
                    yield hit


def _lower(text: str) -> str:
    """Lower-case without moving offsets (a few non-ASCII letters lower to two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch if len(lc := ch.lower()) != 1 else lc for ch in text)
