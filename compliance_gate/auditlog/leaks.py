"""Find card data, PII and secrets in log lines, a chunk of lines at a time.

Lines are collected into chunks of a few thousand and scanned as one text, so the pii detectors'
C-level regex prefilters run over megabytes at a time instead of paying Python overhead per
record; a hit's line in the chunk maps back to the file line. The pii detectors decide what a
card number, IBAN or SSN is (`compliance_gate.pii.scan_text`); masked PANs (411111******1111)
are not hits. Field-name and logging-call rules are about source code and are dropped here,
except CVV/track/PIN fields (`CG-PII-SAD`), which must never be stored at all (PCI DSS 3.3.1).

Secrets (`CG-AUDIT-SECRET`): a secret-named key (password, client_secret, api_key, access_token,
authorization, private_key...) with a clear value, or a well-known token shape (AWS access key
id, Stripe live key, GitHub token, Slack token, PEM private key, JWT). Redacted values
(`***`, `[REDACTED]`, `<redacted>`, empty) are fine.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from compliance_gate.auditlog.rules import PII_RULES
from compliance_gate.redact import mask_secret

CHUNK_LINES = 4096

_SECRET_KEY = re.compile(
    r'"((?:[A-Za-z0-9]+[_-])*(?:password|passwd|secret|api[_-]?key|access[_-]?token|refresh[_-]?token'
    r'|auth[_-]?token|authorization|private[_-]?key|secret[_-]?key))"\s*:\s*"((?:[^"\\]|\\.){1,4096})"',
    re.IGNORECASE,
)
_TOKEN = re.compile(
    r"\b(AKIA[0-9A-Z]{16}|(?:sk|rk)_live_[0-9A-Za-z]{16,}|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|xox[abposr]-[0-9A-Za-z-]{10,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
    r"|(-----BEGIN [A-Z ]*PRIVATE KEY-----)"
)
_REDACTED = re.compile(r"[*xX#.\s-]*|\[?<?(?:redacted|masked|filtered|hidden|removed)>?\]?|null|none", re.I)


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
    """Feed `(line_number, raw_line)`; collect `Leak`s per flushed chunk."""

    pii_options: Any | None
    secrets: bool = True
    _lines: list[bytes] = field(default_factory=list)
    _numbers: list[int] = field(default_factory=list)

    def add(self, number: int, raw: bytes) -> Iterator[Leak]:
        self._lines.append(raw)
        self._numbers.append(number)
        if len(self._lines) >= CHUNK_LINES:
            yield from self.flush()

    def flush(self) -> Iterator[Leak]:
        if not self._lines:
            return
        text = b"\n".join(self._lines).decode("utf-8", errors="replace")
        numbers = self._numbers
        self._lines, self._numbers = [], []
        if self.pii_options is not None:
            from compliance_gate.pii import scan_text

            for hit in scan_text(text, self.pii_options):
                if hit.rule in PII_RULES:
                    yield Leak(hit.rule, numbers[hit.line - 1], hit.column, hit.normalized,
                               hit.excerpt, hit.classification)
        if self.secrets:
            yield from _secrets(text, numbers)


def _secrets(text: str, numbers: list[int]) -> Iterator[Leak]:
    starts: list[int] | None = None

    def locate(offset: int) -> tuple[int, int]:
        nonlocal starts
        if starts is None:
            starts = [0] + [m.end() for m in re.finditer("\n", text)]
        i = bisect.bisect_right(starts, offset) - 1
        return numbers[i], offset - starts[i] + 1

    for m in _SECRET_KEY.finditer(text):
        value = m.group(2)
        if _REDACTED.fullmatch(value):
            continue
        line, col = locate(m.start(2))
        yield Leak("CG-AUDIT-SECRET", line, col, value, f'"{m.group(1)}": "{mask_secret(value)}"',
                   f"secret field {m.group(1)}")
    for m in _TOKEN.finditer(text):
        value = m.group(0)
        line, col = locate(m.start())
        shape = "private key" if m.group(2) else "token"
        yield Leak("CG-AUDIT-SECRET", line, col, value, mask_secret(value), f"{shape} in a log record")
