"""Stand-in checks for engine tests: module-level so worker processes can import them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from compliance_gate.checks.interface import CheckContext
from compliance_gate.fingerprint import Fingerprinter, stamp
from compliance_gate.model import CheckOutput, Finding, Severity
from compliance_gate.scanning.jobs import FileJob, FileOutcome

MARKER = "FORBIDDEN"


def scan_markers(jobs: Sequence[FileJob], options: object, key: bytes) -> list[FileOutcome]:
    """One high finding per line containing MARKER; appends each scanned path to a log file."""
    out = []
    for job in jobs:
        text = Path(job.abspath).read_text()
        log = Path(job.abspath).parent / ".scanlog"
        with log.open("a") as fh:
            fh.write(job.path + "\n")
        pairs = [
            (Finding("pii", "CG-TEST-MARKER", Severity.HIGH, "marker found", job.path, n), MARKER)
            for n, line in enumerate(text.splitlines(), 1)
            if MARKER in line
        ]
        out.append(FileOutcome(job.path, tuple(stamp(Fingerprinter(key), pairs))))
    return out


def scan_raises(jobs: Sequence[FileJob], options: object, key: bytes) -> list[FileOutcome]:
    raise RuntimeError("engine exploded")


def scan_forgets(jobs: Sequence[FileJob], options: object, key: bytes) -> list[FileOutcome]:
    return []


def file_check(scanner):  # type: ignore[no-untyped-def]
    def run(ctx: CheckContext[object]) -> CheckOutput:
        findings: list[Finding] = []
        errors: list[str] = []
        for outcome in ctx.scan_files(scanner, ctx.files, ctx.options, engines={"fake": "1"}):
            findings += outcome.findings
            if outcome.error:
                errors.append(f"{outcome.path}: {outcome.error}")
        return CheckOutput(findings=tuple(findings), errors=tuple(errors), engines={"fake": "1"})

    return run


def raising(ctx: CheckContext[object]) -> CheckOutput:
    raise ValueError("cannot parse input")


LEAKY_VALUE = "".join(["4539", "1488", "0343", "6467"])  # a Luhn-valid Visa number, built at run time


def raising_with_value(ctx: CheckContext[object]) -> CheckOutput:
    raise ValueError(f"cannot parse amount {LEAKY_VALUE}")


def sleeping(ctx: CheckContext[object]) -> CheckOutput:
    time.sleep(30)
    return CheckOutput()
