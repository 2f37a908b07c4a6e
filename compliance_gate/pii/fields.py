"""Sensitive field names: CG-PII-FIELD, CG-PII-SAD and CG-PII-LOG.

**What it finds.**

- CG-PII-SAD: sensitive authentication data stored by name: `cvv`, `cvc`, `cvv2`, `cid`,
  `card_verification_value`, `track1`, `track2`, `track_data`, `mag_stripe`, `pin`, `pin_block`...
  PCI DSS 3.3.1 forbids storing these after authorisation, even encrypted.
- CG-PII-FIELD: cardholder and personal data stored by name: `card_number`, `cardNumber`, `pan`,
  `primary_account_number`, `cc_number`, `ssn`, `social_security_number`, `iban`.
- CG-PII-LOG: one of those names passed to a logging call or `print` (`log.info("%s", pan)`,
  `logger.debug(f"cvv={cvv}")`, structlog's `log.info("paid", card_number=...)`): logs are
  copied, shipped and kept for a year (PCI DSS 3.4, 10.5).

"Stored" means the name is an assignment target (`self.cvv = ...`, `cvv=...`), a dict, JSON or
YAML key (`"card_number": ...`, `card_number:` at the start of a line), a type annotation or
struct field (`cardNumber: string`, `CardNumber string`) or a SQL column (`pan VARCHAR(19)`).
Names are matched in snake, kebab, camel, Pascal and upper case, alone or inside a longer name
(`customer_card_number`).

**Not findings.** Names that say the value is safe (`masked_pan`, `card_number_last4`,
`pan_hash`, `tokenized_pan`, `encrypted_card_number`, `card_number_length`, `is_valid_cvv`...);
short names that mean something else outside payments (`gpio_pin`, `pan_zoom`, `request_cid`:
`pan`, `pin` and `cvn` count only alone or next to card words, `cid` and `security_code` only
next to a card word, and a bare `pin` is a CG-PII-FIELD, not SAD); names inside plain
strings of a logging call (`log.info("cvv missing")`); arguments wrapped in a masking call
(`log.info("paid", pan=mask_pan(pan))`).

**Instead.** Never keep SAD; keep a token or the masked PAN (`first6`/`last4`), and log those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance_gate.pii.hit import FIELD, LOG, SAD, RawHit, words
from compliance_gate.pii.logcalls import QUOTES, SKIP, logging_call

NAMES = (
    r"card[_-]?(?:number|num|no|(?:verification|security)[_-]?(?:value|code))",
    r"cc[_-]?(?:number|num)",
    r"cv(?:v2|c2|v|c|n)",
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
    "cvv": "cvv", "cvv2": "cvv", "cvc": "cvv", "cvc2": "cvv", "cav2": "cvv", "cvn": "cvv",
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
    "column col max min size expr aliases"
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
    """Sensitive names where they are stored, and where they are passed to logging calls."""
    seen_log: set[tuple[int, str]] = set()
    covered = 0
    last_ident = (-1, -1)
    for start, end in sorted(_names(text, low)):
        if start < covered:
            continue  # `security_code` inside `card_security_code`
        covered = end
        key = low[start:end].replace("_", "").replace("-", "")
        name = _CANONICAL[key]
        ident = _identifier(text, start, end)
        if ident == last_ident:
            continue  # one finding per identifier (`card_number_pan`)
        last_ident = ident
        others = _other_words(text, ident, (start, end))
        if others & _SAFE or (key in _AMBIGUOUS and not others <= _CARDISH):
            continue
        qualified = bool(others & _CARD_WORDS)
        if key in _NEEDS_CARD_WORD and not qualified:
            continue
        # a bare `pin` may be a debugger, GPIO or postal PIN: a field (medium), not SAD, unless
        # a card word says whose PIN it is
        rule = SAD if name in _SAD and (key not in _AMBIGUOUS or qualified) else FIELD
        written = text[ident[0] : ident[1]]
        call = logging_call(text, ident[0], ident[1])
        if call == SKIP:
            continue  # words of a log message, or a masked argument
        if call is not None:
            if (call, name) not in seen_log:
                seen_log.add((call, name))
                yield RawHit(ident[0], LOG, written, written, name)
        elif _stored(text, low, ident[0], ident[1]):
            yield RawHit(ident[0], rule, written, written, name)


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
