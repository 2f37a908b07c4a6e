"""The workers' outcomes gathered into one value: findings, counts, errors (written once).

Every file-based check reads its `scan_files` results the same way: an outcome with an error
is a file that could not be evaluated (an error of the check, never a pass); the others give
their findings and counts. Error lines name the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from compliance_gate.model import Finding
from compliance_gate.scanning.jobs import FileOutcome


@dataclass(frozen=True, slots=True)
class Collected:
    """`files` counts every outcome, `errors` one line per file that could not be evaluated."""

    findings: tuple[Finding, ...] = ()
    counts: Counter[str] = field(default_factory=Counter)
    errors: tuple[str, ...] = ()
    files: int = 0


def error_line(outcome: FileOutcome) -> str:
    """The outcome's error, starting with the file's path (added when the worker left it out)."""
    error = outcome.error or ""
    return error if error.startswith(outcome.path) else f"{outcome.path}: {error}"


def collect(outcomes: Iterable[FileOutcome]) -> Collected:
    """Gather outcomes in the order they arrive (cache hits first, then finished batches)."""
    findings: list[Finding] = []
    counts: Counter[str] = Counter()
    errors: list[str] = []
    files = 0
    for outcome in outcomes:
        files += 1
        counts.update(outcome.counts)
        if outcome.error is not None:
            errors.append(error_line(outcome))
            continue
        findings.extend(outcome.findings)
    return Collected(tuple(findings), counts, tuple(errors), files)
