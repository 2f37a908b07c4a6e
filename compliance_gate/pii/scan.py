"""`scan_text`: every PII detector over one text, in a few passes of compiled regexes.

Speed matters (the gate scans whole repositories on every release and the pre-commit hook on
every commit), so the text is never split into lines up front. One regex finds every digit-led
shape at once (card numbers, dashed SSNs, dashed phone numbers), two find phone numbers that
start with `+` or `(`, one finds IBAN-shaped tokens, one finds
`@domain` parts of email addresses, one finds sensitive names in the lower-cased text. Each
pattern starts with a plain character class, which lets the regex engine skip quickly to
plausible starts; word boundaries and the checksums run in Python on the few candidates only.
Line and column are computed for hits alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance_gate.pii import cards, contact, fields, iban, ssn
from compliance_gate.pii.hit import ALL_DETECTORS, RULES_BY_DETECTOR, DetectorOptions, Hit, RawHit, ScanOptions

_DIGIT_SHAPES = re.compile(
    r"[0-9](?<![0-9A-Za-z_][0-9])[0-9]{2}(?:"  # three digits, not inside a word or number
    r"(?P<pan>(?<=[2-6][0-9]{2})"  # no card network issues numbers starting 0, 1, 7, 8 or 9
    r"(?:[0-9]{9,16}"
    r"|[0-9](?P<sep>[ -])[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4}(?:(?P=sep)[0-9]{3})?"
    r"|[0-9](?P<sep2>[ -])[0-9]{6}(?P=sep2)[0-9]{4,5}))"
    r"|(?P<ssn>-[0-9]{2}-[0-9]{4})"
    r"|(?P<phone>-[0-9]{3}-[0-9]{4})"
    r")(?![0-9A-Za-z_])"
)
"""Card numbers (`cards.CANDIDATE`), dashed SSNs (`ssn.DASHED`) and dashed North American phone
numbers, factored behind their common three-digit start. Matching one digit and then looking
back keeps the engine's fast scan for a first character while refusing, in one step, every start
inside a word or a digit run (which would otherwise be retried at each of its digits); the brand
look-behind drops epoch timestamps (1...) before they cost a Python call. The detectors' own
boundary checks still run on every candidate."""
_PHONES = (re.compile(contact.E164), re.compile(contact.NANP_PARENS))
_IBAN = re.compile(iban.CANDIDATE)
_DEFAULT = ScanOptions()


def scan_text(text: str, options: DetectorOptions | None = None) -> Iterator[Hit]:
    """Yield the PII hits in `text`, in order of position."""
    opts = options or _DEFAULT
    enabled = frozenset(opts.detectors) if opts.detectors else frozenset(ALL_DETECTORS)
    raw = sorted(_raw_hits(text, enabled, tuple(opts.email_allow_domains)), key=lambda h: h.offset)
    line, line_start, cursor = 1, 0, 0
    for h in raw:
        newlines = text.count("\n", cursor, h.offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", cursor, h.offset) + 1
        cursor = h.offset
        yield Hit(h.rule, line, h.offset - line_start + 1, h.normalized, h.excerpt, h.classification)


def rules_for(detectors: frozenset[str]) -> frozenset[str]:
    return frozenset(rule for d in detectors for rule in RULES_BY_DETECTOR.get(d, ()))


def _raw_hits(text: str, enabled: frozenset[str], allow: tuple[str, ...]) -> Iterator[RawHit]:
    if {"pan", "ssn", "phone"} & enabled:
        yield from _digit_hits(text, enabled)
    if "iban" in enabled:
        for m in _IBAN.finditer(text):
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
    want_pan, want_ssn, want_phone = "pan" in enabled, "ssn" in enabled, "phone" in enabled
    for m in _DIGIT_SHAPES.finditer(text):
        kind = m.lastgroup
        hit: RawHit | None = None
        if kind == "pan":
            if want_pan:
                hit = cards.pan_hit(text, m.start(), m.end(), m.group("sep") or m.group("sep2"))
        elif kind == "ssn":
            if want_ssn:
                hit = ssn.ssn_hit(text, m.start(), m.end())
        elif want_phone:
            hit = contact.phone_hit(text, m.start(), m.end())
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
