"""Find card data, PII and secrets in log lines: the exact scan, and CVV/track/PIN keys.

`scan_lines` is the definition of a leak in a line. Lines are joined into chunks of a few
thousand and scanned as one text, so the pii detectors' C-level regexes run over megabytes at a
time instead of paying Python overhead per record; a hit's line in the chunk maps back to the
file line. The pii detectors decide what a card number, IBAN or SSN is
(`compliance_gate.pii.scan_text`); masked PANs (411111******1111) are not hits. Before scanning,
the values of `hash`/`prev_hash` (64 hex digits) and of a UTC `timestamp` are blanked: they
cannot hold a card number (columns of hits later on such a line shift by the blanked
characters). Every rule looks at one line only, so scanning any subset of the lines gives the
same hits on those lines as scanning all of them: the verifier scans only the lines that
`prefilter.suspect_lines` cannot rule out.

CVV/track/PIN fields (`CG-PII-SAD`, never to be stored: PCI DSS 3.3.1) are found by key name
(`KeyCheck`): each distinct key is classified once by the pii field detector and cached, so
records pay a set lookup, not a text scan. Other field-name rules (`card_number` holding a
masked value is fine) and logging-call rules are about source code and do not apply to records.

Secrets (`CG-AUDIT-SECRET`): a secret-named key (password, client_secret, api_key,
access_token, authorization, private_key...) with a clear string value, or a well-known token
shape (AWS access key id, Stripe live key, GitHub/Slack token, JWT, PEM private key). Redacted
values (`***`, `[REDACTED]`, `<redacted>`, empty) are fine.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from compliance_gate.auditlog.rules import PII_RULES
from compliance_gate.model import JSONObject
from compliance_gate.pii.fields import is_sad_name
from compliance_gate.pii.hit import Hit, ScanOptions
from compliance_gate.pii.scan import scan_text
from compliance_gate.redact import mask_secret

CHUNK_LINES = 4096
_BLANK = tuple(
    (re.compile(pattern.replace(b"SEP", sep)), replacement.replace(b"SEP", sep))
    for sep in (b'": "', b'":"')  # json.dumps (structlog) and orjson separators
    for pattern, replacement in (
        (rb"hashSEP[0-9a-f]{64}\"", b'hashSEP-"'),
        (rb'timestampSEP[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,18}(?:Z|\+00:00)"', b'timestampSEP-"'),
    )
)
"""Literal-prefixed patterns with literal replacements: the regex engine's fastest path."""
SECRET_WORDS = ("passw", "secret", "api_key", "apikey", "api-key", "_token", "authorization", "private_key")
"""A secret-named key contains one of these (lower-cased); `_SECRET_NAME` decides."""
_KEY_CHARS = re.compile(r"[A-Za-z0-9_.-]*")
_SECRET_NAME = re.compile(
    r"passw|secret|api[_-]?key|(?:access|refresh|auth|bearer|session)_token|authorization"
    r"|private_key"
)
_VALUE = re.compile(r'"[^\S\n]*:[^\S\n]*"((?:[^"\\\n]|\\.){0,4096})"')
_REDACTED = re.compile(r"[*xX#.\s-]*|\[?<?(?:redacted|masked|filtered|hidden|removed)>?\]?|null|none", re.I)
TOKEN_STARTS = ("AKIA", "k_live_", "gh", "xox", "eyJ", "-----BEGIN ")
"""Every token shape starts with one of these (`[sr]k_live_` one character earlier)."""
_TOKEN = re.compile(
    r"AKIA[0-9A-Z]{16}(?![0-9A-Za-z])|[sr]k_live_[0-9A-Za-z]{16,}|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|xox[abps]-[0-9A-Za-z-]{10,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


def scan_lines(
    lines: Sequence[bytes], numbers: Sequence[int], pii_options: ScanOptions | None, secrets: bool
) -> list[Hit]:
    """Leaks in `lines` (raw log lines, no newlines) as the pii detectors' `Hit`s, each at the
    matching number in `numbers`."""
    found: list[Hit] = []
    if pii_options is None and not secrets:
        return found
    for at in range(0, len(lines), CHUNK_LINES):
        blob = b"\n".join(lines[at : at + CHUNK_LINES])
        chunk = numbers[at : at + CHUNK_LINES]
        for pattern, replacement in _BLANK:
            blob = pattern.sub(replacement, blob)
        text = blob.decode("utf-8", errors="replace")
        if pii_options is not None:
            found.extend(_pii(text, chunk, pii_options))
        if secrets:
            found.extend(_secrets(text, chunk))
    return found


def _pii(text: str, numbers: Sequence[int], opts: ScanOptions) -> Iterator[Hit]:
    detectors = tuple(d for d in opts.detectors if d != "sensitive-field")
    if detectors:
        for hit in scan_text(text, ScanOptions(detectors, tuple(opts.email_allow_domains))):
            if hit.rule in PII_RULES:
                yield dataclasses.replace(hit, line=numbers[hit.line - 1])


def _lower(text: str) -> str:
    """Lower-case without moving offsets (a few non-ASCII letters lower to two characters)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch if len(lc := ch.lower()) != 1 else lc for ch in text)


def _secrets(text: str, numbers: Sequence[int]) -> Iterator[Hit]:
    starts: list[int] = []

    def locate(offset: int) -> tuple[int, int]:
        if not starts:
            starts.append(0)
            starts.extend(m.end() for m in re.finditer("\n", text))
        i = bisect.bisect_right(starts, offset) - 1
        return numbers[i], offset - starts[i] + 1

    low = _lower(text)
    seen: set[int] = set()
    for word in SECRET_WORDS:
        at = low.find(word)
        while at >= 0:
            end = low.find('"', at)
            begin = low.rfind('"', 0, at) + 1
            m = _VALUE.match(text, end) if end >= 0 else None
            if (
                m
                and begin not in seen
                and begin > 0
                and _KEY_CHARS.fullmatch(text, begin, end)
                and _SECRET_NAME.search(low, begin, end)
                and not _REDACTED.fullmatch(m.group(1))
            ):
                seen.add(begin)
                line, col = locate(m.start(1))
                name = text[begin:end]
                yield Hit(
                    "CG-AUDIT-SECRET",
                    line,
                    col,
                    m.group(1),
                    f'"{name}": "{mask_secret(m.group(1))}"',
                    f"secret field {name}",
                )
            at = low.find(word, at + len(word))
    for prefix in TOKEN_STARTS:
        back = 1 if prefix == "k_live_" else 0  # sk_live_ / rk_live_
        at = text.find(prefix)
        while at >= 0:
            at -= back
            m = _TOKEN.match(text, at) if at >= 0 else None
            if m and not (at > 0 and text[at - 1].isalnum()):
                line, col = locate(at)
                shape = "private key" if prefix.startswith("-") else "token"
                yield Hit("CG-AUDIT-SECRET", line, col, m.group(0), mask_secret(m.group(0)), f"{shape} in a log record")
            at = text.find(prefix, at + back + len(prefix))


@dataclass(slots=True)
class KeyCheck:
    """Classifies record keys once each: CVV/track/PIN names (SAD) and secret-looking names.

    A secret value can only be found under a key whose lower-cased name holds a `SECRET_WORDS`
    word (the text scan looks for such a key followed by `: "value"`), so a flat record whose keys
    are all known to be neither needs no key work and no text scan for secret fields."""

    pii_options: ScanOptions | None
    secrets: bool = True
    _plain: set[str] = field(default_factory=set)
    _not_sad: set[str] = field(default_factory=set)
    _sad: set[str] = field(default_factory=set)
    _secret_named: set[str] = field(default_factory=set)
    want_sad: bool = False

    def __post_init__(self) -> None:
        opts = self.pii_options
        self.want_sad = opts is not None and "sensitive-field" in opts.detectors

    @property
    def plain_keys(self) -> set[str]:
        """Keys known to be neither SAD nor secret-named (a record with only these needs nothing)."""
        return self._plain

    def secret_named(self, record: JSONObject) -> bool:
        """Does a top-level key look like a secret's name? (Nested records are scanned as text.)"""
        return self.secrets and any(self._classify(key)[1] for key in record)

    def sad_fields(self, number: int, record: JSONObject) -> list[Hit]:
        """CVV/track/PIN keys of a record, its nested objects and the objects in its lists."""
        if not self.want_sad:
            return []
        found = [
            Hit("CG-PII-SAD", number, 1, key, f'"{key}": ...', f"field {key}")
            for key in record
            if key not in self._not_sad and self._classify(key)[0]
        ]
        for value in record.values():
            if type(value) is dict:
                found.extend(self.sad_fields(number, value))
            elif type(value) is list:
                for item in value:
                    if type(item) is dict:
                        found.extend(self.sad_fields(number, item))
        return found

    def _classify(self, key: str) -> tuple[bool, bool]:
        """(is SAD, is secret-named); asks the pii field detector once per distinct key."""
        if key in self._plain:
            return False, False
        sad, named = key in self._sad, key in self._secret_named
        if sad or named or key in self._not_sad:
            return sad, named
        if self.want_sad:
            sad = is_sad_name(key)
        named = self.secrets and any(word in _lower(key) for word in SECRET_WORDS)
        (self._sad if sad else self._not_sad).add(key)
        if named:
            self._secret_named.add(key)
        elif not sad:
            self._plain.add(key)
        return sad, named
