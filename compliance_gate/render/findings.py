"""Findings as reports list them: located in their check, ordered, counted by rule."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from compliance_gate.model import CheckResult, Finding, Severity, Status, Verdict

STATUS_ORDER = {Status.ERROR: 0, Status.FAILED: 1, Status.PASSED: 2, Status.SKIPPED: 3}


@dataclass(frozen=True, slots=True)
class Located:
    """A finding with the result it belongs to and whether it blocks or was waived."""

    result: CheckResult
    finding: Finding
    blocking: bool
    waived_by: str | None = None
    waived_reason: str | None = None


def level(x: Located) -> str:
    """SARIF's level, which annotations share: `error` blocks, `warning` is medium or worse, else `note`."""
    if x.blocking:
        return "error"
    return "warning" if x.finding.severity.at_least(Severity.MEDIUM) else "note"


def finding_key(f: Finding) -> tuple[int, str, str, int, int, str]:
    return (-f.severity.rank, f.path or "", f.rule, f.line or 0, f.column or 0, f.fingerprint)


def located(verdict: Verdict, *, include_waived: bool = False) -> list[Located]:
    """Every finding of the verdict, most severe first, then by path, rule and line."""
    out: list[Located] = []
    for result in verdict.checks:
        out.extend(Located(result, f, f.severity.at_least(result.fail_on)) for f in result.findings)
        if include_waived:
            out.extend(Located(result, w.finding, False, w.by, w.reason) for w in result.waived)
    out.sort(key=lambda x: (x.waived_by is not None, *finding_key(x.finding), x.result.check))
    return out


def location(f: Finding) -> str:
    if not f.path:
        return ""
    if f.line is None:
        return f.path
    return f"{f.path}:{f.line}" + (f":{f.column}" if f.column else "")


def message_with_excerpt(f: Finding) -> str:
    """The finding's message and, in brackets, its masked excerpt (the one-line form of a finding)."""
    return f.message + (f" [{f.excerpt}]" if f.excerpt else "")


def ordered_checks(verdict: Verdict) -> list[CheckResult]:
    return sorted(verdict.checks, key=lambda r: (STATUS_ORDER.get(r.status, 9), r.check))


def rule_counts(items: Iterable[Located]) -> list[tuple[str, int]]:
    counts = Counter(f"{x.result.check}/{x.finding.rule}" for x in items)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
