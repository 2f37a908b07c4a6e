"""Find card data, PII and secrets in log lines, a chunk of lines at a time.

Lines are collected into chunks of a few thousand and scanned as one text, so the pii detectors'
C-level regex prefilters run over megabytes at a time instead of paying Python overhead per
record; a hit's line in the chunk maps back to the file line. The pii detectors decide what a
card number, IBAN or SSN is (`compliance_gate.pii.scan_text`); masked PANs (411111******1111)
are not hits. Before scanning, the values of `hash`/`prev_hash` (64 hex digits) and of a UTC
`timestamp` are blanked: they cannot hold a card number and are most of a record's digits
(columns of hits later on such a line shift by the blanked characters).

CVV/track/PIN fields (`CG-PII-SAD`, never to be stored: PCI DSS 3.3.1) are found by key name:
each distinct key is classified once by the pii field detector and cached, so records pay a set
difference, not a text scan. Other field-name rules (`card_number` holding a masked value is
fine) and logging-call rules are about source code and do not apply to records.

Secrets (`CG-AUDIT-SECRET`): a secret-named key (password, client_secret, api_key,
access_token, authorization, private_key...) with a clear value, or a well-known token shape
(AWS access key id, Stripe live key, GitHub/Slack token, JWT, PEM private key). Both are found
by plain substring search first, so a chunk without such words costs a few `str.find` calls.
Redacted values (`***`, `[REDACTED]`, `<redacted>`, empty) are fine.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from compliance_gate.auditlog.rules import PII_RULES
from compliance_gate.redact import mask_secret

CHUNK_LINES = 4096
_FLAT = frozenset({str, int, bool, float, type(None)})
_BLANK = tuple(
    (re.compile(pattern.replace(b"SEP", sep)), replacement.replace(b"SEP", sep))
    for sep in (b'": "', b'":"')  # json.dumps (structlog) and orjson separators
    for pattern, replacement in (
        (rb"hashSEP[0-9a-f]{64}\"", b'hashSEP-"'),
        (rb'timestampSEP[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,18}(?:Z|\+00:00)"', b'timestampSEP-"'),
    )
)
"""Literal-prefixed patterns with literal replacements: the regex engine's fastest path."""
_SECRET_WORDS = ("passw", "secret", "api_key", "apikey", "api-key", "_token", "authorization", "private_key")
_KEY_CHARS = re.compile(r"[A-Za-z0-9_.-]*")
_SECRET_NAME = re.compile(r"passw|secret|api[_-]?key|(?:access|refresh|auth|bearer|session)_token|authorization"
                          r"|private_key")
_VALUE = re.compile(r'"\s*:\s*"((?:[^"\\\n]|\\.){0,4096})"')
_REDACTED = re.compile(r"[*xX#.\s-]*|\[?<?(?:redacted|masked|filtered|hidden|removed)>?\]?|null|none", re.I)
_TOKEN_STARTS = ("AKIA", "k_live_", "gh", "xox", "eyJ", "-----BEGIN ")
_TOKEN = re.compile(
    r"AKIA[0-9A-Z]{16}(?![0-9A-Za-z])|[sr]k_live_[0-9A-Za-z]{16,}|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|xox[abps]-[0-9A-Za-z-]{10,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


@dataclass(frozen=True, slots=True)
class Leak:
    """A sensitive value in a log line: `normalized` is for the fingerprint only, never shown."""

    rule: str
    line: int
    column: int
    normalized: str = field(repr=False)
    excerpt: str
    classification: str


@dataclass(slots=True)
class LeakScanner:
    """Feed `(line_number, raw_line, parsed record)`; collect `Leak`s per flushed chunk."""

    pii_options: Any | None
    secrets: bool = True
    _lines: list[bytes] = field(default_factory=list)
    _numbers: list[int] = field(default_factory=list)
    _safe_keys: set[str] = field(default_factory=set)
    _sad_keys: set[str] = field(default_factory=set)
    _want_sad: bool = False

    def __post_init__(self) -> None:
        opts: Any = self.pii_options
        self._want_sad = opts is not None and "sensitive-field" in opts.detectors

    def add(self, number: int, raw: bytes, record: Mapping[str, Any] | None = None) -> list[Leak]:
        self._lines.append(raw)
        self._numbers.append(number)
        found = self.sad_fields(number, record) if record is not None else []
        if len(self._lines) >= CHUNK_LINES:
            found.extend(self.flush())
        return found

    def sad_fields(self, number: int, record: Mapping[str, Any]) -> list[Leak]:
        """CVV/track/PIN keys of a parsed record (cheap when every key was seen before)."""
        if self._want_sad and (record.keys() - self._safe_keys
                               or not _FLAT.issuperset(map(type, record.values()))):
            return self._sad_fields(number, record)
        return []

    def flush(self) -> Iterator[Leak]:
        if not self._lines:
            return
        blob, numbers = b"\n".join(self._lines), self._numbers
        self._lines, self._numbers = [], []
        if self.pii_options is None and not self.secrets:
            return
        for pattern, replacement in _BLANK:
            blob = pattern.sub(replacement, blob)
        text = blob.decode("utf-8", errors="replace")
        if self.pii_options is not None:
            yield from self._pii(text, numbers)
        if self.secrets:
            yield from _secrets(text, numbers)

    def _pii(self, text: str, numbers: list[int]) -> Iterator[Leak]:
        from compliance_gate.pii import scan_text
        from compliance_gate.pii.hit import ScanOptions

        opts: Any = self.pii_options
        detectors = tuple(d for d in opts.detectors if d != "sensitive-field")
        if detectors:
            for hit in scan_text(text, ScanOptions(detectors, tuple(opts.email_allow_domains))):
                if hit.rule in PII_RULES:
                    yield Leak(hit.rule, numbers[hit.line - 1], hit.column, hit.normalized,
                               hit.excerpt, hit.classification)

    def _sad_fields(self, number: int, record: Mapping[str, Any]) -> list[Leak]:
        found = [Leak("CG-PII-SAD", number, 1, key, f'"{key}": ...', f"field {key}")
                 for key in record.keys() - self._safe_keys
                 if key in self._sad_keys or self._classify(key)]
        for value in record.values():
            if type(value) is dict:
                found.extend(self._sad_fields(number, value))
            elif type(value) is list:
                for item in value:
                    if type(item) is dict:
                        found.extend(self._sad_fields(number, item))
        return found

    def _classify(self, key: str) -> bool:
        """Is `key` a CVV/track/PIN name? Asks the pii field detector once per distinct key."""
        from compliance_gate.pii import scan_text
        from compliance_gate.pii.hit import SAD, ScanOptions

        sample = '{"' + key.replace('"', "") + '": "x"}'
        sad = any(h.rule == SAD for h in scan_text(sample, ScanOptions(("sensitive-field",))))
        (self._sad_keys if sad else self._safe_keys).add(key)
        return sad


def _secrets(text: str, numbers: list[int]) -> Iterator[Leak]:
    starts: list[int] = []

    def locate(offset: int) -> tuple[int, int]:
        if not starts:
            starts.append(0)
            starts.extend(m.end() for m in re.finditer("\n", text))
        i = bisect.bisect_right(starts, offset) - 1
        return numbers[i], offset - starts[i] + 1

    low = text.lower()
    seen: set[int] = set()
    for word in _SECRET_WORDS:
        at = low.find(word)
        while at >= 0:
            end = low.find('"', at)
            begin = low.rfind('"', 0, at) + 1
            m = _VALUE.match(text, end) if end >= 0 else None
            if (m and begin not in seen and begin > 0 and _KEY_CHARS.fullmatch(text, begin, end)
                    and _SECRET_NAME.search(low, begin, end)
                    and not _REDACTED.fullmatch(m.group(1))):
                seen.add(begin)
                line, col = locate(m.start(1))
                name = text[begin:end]
                yield Leak("CG-AUDIT-SECRET", line, col, m.group(1), f'"{name}": "{mask_secret(m.group(1))}"',
                           f"secret field {name}")
            at = low.find(word, at + len(word))
    for prefix in _TOKEN_STARTS:
        back = 1 if prefix == "k_live_" else 0  # sk_live_ / rk_live_
        at = text.find(prefix)
        while at >= 0:
            at -= back
            m = _TOKEN.match(text, at) if at >= 0 else None
            if m and not (at > 0 and text[at - 1].isalnum()):
                line, col = locate(at)
                shape = "private key" if prefix.startswith("-") else "token"
                yield Leak("CG-AUDIT-SECRET", line, col, m.group(0), mask_secret(m.group(0)),
                           f"{shape} in a log record")
            at = text.find(prefix, at + back + len(prefix))


def scan_range(path: str, start: int, end: int, pii_options: Any | None, secrets: bool,
               max_line_bytes: int) -> tuple[int, list[Leak]]:
    """Worker side: scan bytes `[start, end)` of a plain log (starting at a line start).

    Returns the number of newlines in the range and the leaks with line numbers relative to the
    range (the caller adds the lines before it). Lines the reader treats as huge are skipped;
    CVV/track/PIN keys are checked by the parent, which has the parsed records.
    """
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    scanner = LeakScanner(pii_options, secrets)
    leaks: list[Leak] = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.strip() and len(line) <= max_line_bytes:
            leaks.extend(scanner.add(number, line))  # key-based SAD checks run in the parent
    leaks.extend(scanner.flush())
    return data.count(b"\n"), leaks
