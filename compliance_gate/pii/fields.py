"""Sensitive field names: CG-PII-FIELD, CG-PII-SAD and CG-PII-LOG.

**What it finds.**

- CG-PII-SAD: sensitive authentication data (`cvv`, `cvc`, `cvv2`, `cvc2`, `ccv`, `cid`,
  `card_verification_value`, `track1`, `track2`, `track_data`, `mag_stripe`, `pin_block`...)
  where it is *persisted*: an ORM/model field or migration, an ORM write, an SQL column or
  statement, a cache/session or file write (`sinks.py`). PCI DSS 3.3.1 forbids storing these after
  authorisation, even encrypted; declaring, typing, validating or forwarding them to the provider
  (an SDK's request model, a checkout form) is how card payments work and is not a finding.
- CG-PII-FIELD: cardholder and personal data stored by name: `card_number`, `cardNumber`, `pan`,
  `primary_account_number`, `cc_number`, `ssn`, `social_security_number`, `iban`; "stored"
  means an assignment target (`self.pan = ...`, `pan=...`), a dict, JSON or YAML key, a type
  annotation or struct field, or an SQL column. A literal value must be able to hold the data
  (`"pan": "AAAPA1234A"` is an Indian tax id: letters, not card digits).
- CG-PII-LOG: one of those names passed to a logging call or `print` (`log.info("%s", pan)`,
  `logger.debug(f"cvv={cvv}")`, structlog's `log.info("paid", card_number=...)`): logs are
  copied, shipped and kept for a year (PCI DSS 3.4, 10.5).

Names are matched in snake, kebab, camel, Pascal and upper case, alone or inside a longer name
(`customer_card_number`). One finding per line and rule.

**Not findings.** Names that say the value is safe (`masked_pan`, `card_number_last4`,
`pan_hash`, `tokenized_pan`, `encrypted_card_number`, `card_number_length`, `is_valid_cvv`...);
short names that mean something else outside payments (`gpio_pin`, `pan_zoom`, `request_cid`:
`pan`, `pin` and `cvn` count only alone or next to card words, `cid` and `security_code` only
next to a card word, and a bare `pin` is a CG-PII-FIELD, not SAD); names of a result, flag or
check about the value (`cvc_check`, `cvvResult`, `cvc_failure`, `require_cvc_recollection`); names
inside plain strings of a logging call (`log.info("cvv missing")`); arguments wrapped in a masking call
(`log.info("paid", pan=mask_pan(pan))`).

**Instead.** Never keep SAD; keep a token or the masked PAN (`first6`/`last4`), and log those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance_gate.pii.hit import FIELD, LOG, SAD, RawHit, words
from compliance_gate.pii.logcalls import QUOTES, SKIP, logging_call
from compliance_gate.pii.sinks import persisted

NAMES = (
    r"card[_-]?(?:number|num|no|(?:verification|security)[_-]?(?:value|code|number|data)?)",
    r"cc[_-]?(?:number|num)",
    r"cv(?:v2|c2|v|c|n)",
    r"ccv",
    r"cav2",
    r"cid",
    r"pan",
    r"pin(?:[_-]?(?:block|code|number))?",
    r"primary[_-]?account[_-]?number",
    r"ssn",
    r"social[_-]?security(?:[_-]?(?:number|no))?",
    r"security[_-]?code",
    r"track[_-]?(?:1|2|data)",
    r"mag[_-]?stripe",
    r"iban",
)
"""The sensitive names, as regexes over the lower-cased text."""


def _by_first_letter(names: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name[0], []).append(name[1:])
    return tuple(re.compile(f"{first}(?:{'|'.join(rests)})") for first, rests in groups.items())


_NAME_PATTERNS = _by_first_letter(NAMES)
"""One pattern per first letter: a literal first character is the regex engine's fastest search
(a character class of six common letters, or a look-behind, would be tried at every letter);
word boundaries, camel-case humps included, are checked in Python on the matches."""

_CANONICAL = {
    "cardnumber": "card_number", "cardnum": "card_number", "cardno": "card_number",
    "ccnumber": "card_number", "ccnum": "card_number", "pan": "pan",
    "primaryaccountnumber": "pan", "ssn": "ssn", "socialsecurity": "ssn",
    "socialsecuritynumber": "ssn", "socialsecurityno": "ssn", "iban": "iban",
    "cvv": "cvv", "cvv2": "cvv", "cvc": "cvv", "cvc2": "cvv", "cav2": "cvv", "cvn": "cvv", "ccv": "cvv",
    "cardverification": "cvv", "cardverificationnumber": "cvv", "cardverificationdata": "cvv",
    "cardsecurity": "cvv", "cardsecuritynumber": "cvv", "cardsecuritydata": "cvv",
    "cid": "cvv", "cardverificationvalue": "cvv", "cardverificationcode": "cvv",
    "cardsecuritycode": "cvv", "cardsecurityvalue": "cvv", "securitycode": "cvv",
    "track1": "track_data", "track2": "track_data", "trackdata": "track_data",
    "magstripe": "track_data", "pin": "pin", "pinblock": "pin", "pincode": "pin", "pinnumber": "pin",
}  # fmt: skip
_SAD = frozenset({"cvv", "track_data", "pin"})
_AMBIGUOUS = frozenset({"pan", "pin", "pincode", "pinnumber", "cid", "cvn", "securitycode"})
_NEEDS_CARD_WORD = frozenset({"cid", "securitycode"})  # content ids, 2FA codes: only next to a card word
_CARD_WORDS = words("card cards cc credit debit cardholder amex payment")
_CARDISH = words(
    "card cards cc credit debit customer user cardholder holder raw plain plaintext full clear "
    "primary payment the new old stored saved input value number num no code data my"
)
_SAFE = words(
    "mask masked masking last last4 lastfour four first first6 six bin hash hashed digest token "
    "tokenized tokenised tokenize encrypted encrypt enc cipher ciphertext fingerprint fp len length "
    "regex re pattern pat valid validate validator validation invalid is has format formatted luhn "
    "brand type check checker id ref reference field fields label placeholder error errors msg "
    "message required present exists count policy rule detector redact redacted hint name alias "
    "column col max min size expr aliases result results check checks checked failure failed fail "
    "response responses status match matches matched outcome recollection supported enabled mode "
    "decision verified"
)
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SQL_TYPES = re.compile(
    r"(?:varchar|nvarchar|char|character|text|string|int|integer|bigint|numeric|number|decimal"
    r"|bytea|blob|varbinary|str)\b"
)


def _names(text: str, low: str) -> Iterator[tuple[int, int]]:
    """Spans of sensitive names that start and end a word (or a camel-case hump)."""
    for pattern in _NAME_PATTERNS:
        for m in pattern.finditer(low):
            at = m.start()
            starts_word = at == 0 or not low[at - 1].isalnum() or (text[at].isupper() and not text[at - 1].isupper())
            if starts_word and _ends_word(text, low, m.end()):
                yield m.span()


def _ends_word(text: str, low: str, end: int) -> bool:
    return end >= len(low) or not low[end].isalnum() or (text[end].isupper() and not text[end - 1].isupper())


def _identifier(text: str, start: int, end: int) -> tuple[int, int]:
    n = len(text)
    while start > 0 and (
        text[start - 1].isalnum()
        or text[start - 1] == "_"
        or (text[start - 1] == "-" and start > 1 and text[start - 2].isalpha())
    ):
        start -= 1
    while end < n and (
        text[end].isalnum() or text[end] == "_" or (text[end] == "-" and end + 1 < n and text[end + 1].isalpha())
    ):
        end += 1
    return start, end  # fmt: skip


def _other_words(text: str, ident: tuple[int, int], anchor: tuple[int, int]) -> set[str]:
    outside = text[ident[0] : anchor[0]] + " " + text[anchor[1] : ident[1]]
    return {w.lower() for w in _WORDS.findall(outside)}


def find_fields(text: str, low: str) -> Iterator[RawHit]:
    """Sensitive names where they are stored (SAD: persisted), and where they are logged; one
    finding per line and rule."""
    reported: set[tuple[int, str]] = set()
    covered = 0
    last_ident = (-1, -1)
    for start, end in sorted(_names(text, low)):
        if start < covered:
            continue  # `security_code` inside `card_security_code`
        covered = end
        ident = _identifier(text, start, end)
        if ident == last_ident:
            continue  # one finding per identifier (`card_number_pan`)
        last_ident = ident
        named = _classify(text, low, (start, end), ident)
        if named is None:
            continue
        rule, name = named
        written = text[ident[0] : ident[1]]
        call = logging_call(text, ident[0], ident[1])
        if call == SKIP:
            continue  # words of a log message, or a masked argument
        if call is not None:
            rule = LOG
        elif rule == SAD:
            if not persisted(text, low, ident[0], ident[1]):
                continue
        elif not _stored(text, low, ident[0], ident[1]) or not _value_can_hold(text, ident[1], name):
            continue
        line = text.rfind("\n", 0, ident[0])
        if (line, rule) not in reported:
            reported.add((line, rule))
            yield RawHit(ident[0], rule, _line_text(text, line), written, name)


def _classify(text: str, low: str, anchor: tuple[int, int], ident: tuple[int, int]) -> tuple[str, str] | None:
    """(SAD or FIELD, canonical name) for the sensitive name at `anchor` inside identifier
    `ident`, or None when the identifier's other words say it is safe or something else."""
    key = low[anchor[0] : anchor[1]].replace("_", "").replace("-", "")
    others = _other_words(text, ident, anchor)
    if others & _SAFE or (key in _AMBIGUOUS and not others <= _CARDISH):
        return None
    qualified = bool(others & _CARD_WORDS)
    if key in _NEEDS_CARD_WORD and not qualified:
        return None
    name = _CANONICAL[key]
    # a bare `pin` may be a debugger, GPIO or postal PIN: a field (medium), not SAD, unless a card
    # word says whose PIN it is
    return (SAD if name in _SAD and (key not in _AMBIGUOUS or qualified) else FIELD), name


def is_sad_name(name: str) -> bool:
    """Does `name` (a record key, a column) name sensitive authentication data? For callers whose
    every field is stored anyway (the audit-log check's records)."""
    low = name.lower()
    for anchor in _names(name, low):
        named = _classify(name, low, anchor, _identifier(name, *anchor))
        if named is not None and named[0] == SAD:
            return True
    return False


def _line_text(text: str, newline: int) -> str:
    """The finding's line, whitespace-normalised: what its fingerprint covers (stable when lines
    move, new when the line changes)."""
    end = text.find("\n", newline + 1)
    return " ".join(text[newline + 1 : end if end >= 0 else len(text)].split())


_LITERAL = re.compile(r"""\s*['"]?\s*[:=]\s*(['"])(.*?)\1""")
_DATA_SHAPE = {
    "card_number": re.compile(r"^[\d *xX#.-]{12,23}$"),
    "pan": re.compile(r"^[\d *xX#.-]{12,23}$"),
    "ssn": re.compile(r"^[\d *xX#-]{9,11}$"),
}


def _value_can_hold(text: str, end: int, name: str) -> bool:
    """A literal written to the field must look like the data (digits for a card number or SSN);
    a variable or expression may hold anything."""
    m = _LITERAL.match(text, end)
    shape = _DATA_SHAPE.get(name)
    if m is None or shape is None or not m.group(2):
        return True
    return shape.match(m.group(2)) is not None


def _stored(text: str, low: str, start: int, end: int) -> bool:
    """Is the name at `text[start:end]` a key, an assignment target, a field or a column?"""
    n = len(text)
    quoted = end < n and text[end] in QUOTES and start > 0 and text[start - 1] == text[end]
    j = end + 1 if quoted else end
    if j < n and text[j] == "?":  # TypeScript optional field
        j += 1
    while j < n and text[j] in " \t":
        j += 1
    nxt, after = text[j : j + 1], text[j + 1 : j + 2]
    if nxt == "=":
        return after != "="
    if nxt == ":" and after != ":":
        if quoted:
            return True
        line_start = text.rfind("\n", 0, start) + 1
        lead = text[line_start:start].rstrip()
        return lead == "" or lead[-1] in "{(,[-"
    if nxt == "]":  # a subscript `x["card_number"]`, not a list `["pan"]`
        opener = text[start - 3 : start - 1]
        return quoted and len(opener) == 2 and opener[1] == "[" and (opener[0].isalnum() or opener[0] in "_)]")
    return not quoted and j > end and _SQL_TYPES.match(low, j) is not None
