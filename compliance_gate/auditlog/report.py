"""What a verification run is configured with and what it reports (shared by the main process
and the worker processes that analyse blocks of lines)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from compliance_gate.auditlog.chain import StreamVerifier
from compliance_gate.auditlog.fields import RecordView
from compliance_gate.auditlog.schema import RecordSchema
from compliance_gate.model import JSONValue
from compliance_gate.pii.hit import Hit, ScanOptions

STATE_CHANGE = "payment.state_change"


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    schema: RecordSchema | None = None
    key: bytes | None = None
    require_keyed: bool = False
    pins: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    pii_options: ScanOptions | None = None
    secrets: bool = True
    one_stream_per_file: bool = True
    require_start_stop: bool = True
    max_line_bytes: int = 1 << 20
    window: int = 1024
    collect_state_changes: bool = False
    workers: int = 0
    """Processes that analyse large logs (0: everything in this process)."""
    view: RecordView = field(default_factory=RecordView)
    """Which records are audit records, and where their 10.2.2 elements are (`fields.py`)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding before severity and fingerprint; `content` feeds the fingerprint only."""

    rule: str
    path: str
    line: int | None
    message: str
    content: str = field(repr=False)
    excerpt: str | None = None
    properties: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StateRecord:
    """An audit record of a payment state change, for the completeness cross-check."""

    payment_id: str
    from_status: str | None
    to_status: str
    where: str


@dataclass(frozen=True, slots=True)
class FileSummary:
    path: str
    sha256: str
    records: int
    lines: int
    compressed: bool
    streams: tuple[str, ...]


@dataclass(slots=True)
class LogReport:
    problems: list[Problem] = field(default_factory=list)
    streams: dict[str, StreamVerifier] = field(default_factory=dict)
    files: list[FileSummary] = field(default_factory=list)
    state_changes: dict[str, StateRecord] = field(default_factory=dict)
    records: int = 0


_LEAK_TEXT = {
    "CG-PII-PAN": "full card number (PAN)",
    "CG-PII-PAN-TEST": "network test card number",
    "CG-PII-IBAN": "IBAN",
    "CG-PII-IBAN-TEST": "documentation IBAN",
    "CG-PII-SSN": "US social security number",
    "CG-PII-SAD": "CVV/track/PIN field (sensitive authentication data must never be stored)",
    "CG-PII-EMAIL": "e-mail address",
    "CG-PII-PHONE": "phone number",
}


def leak_problems(display: str, leaks: Iterable[Hit]) -> list[Problem]:
    return [
        Problem(
            leak.rule,
            display,
            leak.line,
            f"{_LEAK_TEXT.get(leak.rule, leak.classification)} in an audit record",
            leak.normalized,
            leak.excerpt,
            {"column": leak.column, "classification": leak.classification},
        )
        for leak in leaks
    ]
