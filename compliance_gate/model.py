"""The gate's one vocabulary: findings, check results and the verdict.

Checks yield `Finding`s; the engine wraps them in `CheckResult`s; the pure `decide()` turns those
into a `Verdict`. Everything here is a frozen value: renderers and signers read it, nobody mutates
it. No value in these types ever holds a raw secret, card number, IBAN or SSN: findings carry a
masked `excerpt` and a keyed `fingerprint` instead.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

JSONValue: TypeAlias = str | int | float | bool | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None
"""A JSON value: what metrics and finding properties hold (they are written to verdict.json)."""
JSONObject: TypeAlias = Mapping[str, JSONValue]


class Severity(enum.StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Status(enum.StrEnum):
    """The state of one check. Only the engine sets `ERROR` and `SKIPPED`."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class Outcome(enum.StrEnum):
    PASS = "PASS"  # noqa: S105 - an outcome, not a password
    FAIL = "FAIL"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found by a check.

    `path`/`line`/`column` locate it in the repository (1-based; `path` is repo-relative POSIX) or
    in an input file (`path` of a JSONL file and its line). `fingerprint` is a keyed hash of rule,
    path, normalised content and occurrence index: it survives line moves and changes with the
    content; baselines and waivers match on it. `excerpt` is masked (at most the first 6 and last
    4 digits of a PAN, a few characters of a secret) or None. `properties` carries small, safe
    extras (cwe, confidence, commit, classification...).
    """

    check: str
    rule: str
    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    fingerprint: str = ""
    excerpt: str | None = None
    properties: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Waived:
    """A finding that a waiver or a baseline entry covers; it no longer blocks."""

    finding: Finding
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class InputRecord:
    """A file (or database query) a check read, with its digest, so the verdict is reproducible."""

    path: str
    sha256: str
    kind: str = "file"
    rows: int | None = None
    details: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckOutput:
    """What a check returns to the engine.

    `errors` are reasons the check could not evaluate something (an unreadable input, an engine
    that crashed on a file, a gap in the recorded events): any error makes the check `error`, so
    the verdict cannot be PASS. `required_signoffs` lets a check (change-scope) add sign-off roles.
    `skipped` says why the check found nothing to evaluate in this repository (the deps check in a
    repository without a dependency manifest): the engine marks it `skipped` with that reason,
    which every report shows; it is never a pass.
    """

    findings: tuple[Finding, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    metrics: Mapping[str, JSONValue] = field(default_factory=dict)
    inputs: tuple[InputRecord, ...] = ()
    engines: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    waived: tuple[Waived, ...] = ()
    required_signoffs: Mapping[str, int] = field(default_factory=dict)
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    status: Status
    findings: tuple[Finding, ...] = ()
    waived: tuple[Waived, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    metrics: Mapping[str, JSONValue] = field(default_factory=dict)
    inputs: tuple[InputRecord, ...] = ()
    engines: Mapping[str, str] = field(default_factory=dict)
    duration_s: float = 0.0
    error: str | None = None
    fail_on: Severity = Severity.HIGH
    required_signoffs: Mapping[str, int] = field(default_factory=dict)
    skipped: str | None = None
    """Why the check was skipped (`status` skipped), when it was."""

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Unwaived findings at or above the check's `fail_on` threshold."""
        return tuple(f for f in self.findings if f.severity.at_least(self.fail_on))


@dataclass(frozen=True, slots=True)
class PolicyRef:
    path: str
    digest: str
    name: str = ""
    legacy_digest: str = ""
    """The policy's digest as versions before RFC 8785 computed it, only where it differs."""


@dataclass(frozen=True, slots=True)
class Source:
    """What was scanned: the repository, its commit, and how the file set was chosen."""

    root: str
    mode: str
    is_git: bool
    commit: str | None = None
    ref: str | None = None
    dirty: bool = False
    since: str | None = None
    since_commit: str | None = None
    files: int = 0
    skipped: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WaiverUse:
    """How a policy waiver fared in this run: applied (how often), unused, or expired."""

    id: str
    state: str
    matched: int
    expires: str | None
    reason: str
    approver: str


@dataclass(frozen=True, slots=True)
class Verdict:
    verdict: Outcome
    reasons: tuple[str, ...]
    checks: tuple[CheckResult, ...]
    policy: PolicyRef
    source: Source
    gate_version: str
    engines: Mapping[str, str]
    started: datetime
    finished: datetime
    waivers: tuple[WaiverUse, ...] = ()
    required_signoffs: Mapping[str, int] = field(default_factory=dict)
    valid_until: datetime | None = None
    fingerprint_key: str = "public-default"
    complete: bool = True
    """False for partial runs (`--only`, `--staged`, explicit files): never deploy-valid."""
    not_run: tuple[str, ...] = ()
    """Checks the policy enables that this run left out (`--only`): what a partial run did not check."""
