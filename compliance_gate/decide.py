"""From check results to PASS / FAIL / ERROR: pure functions, failing closed.

`settle()` turns one check's raw output into its `CheckResult` (severity overrides, policy
waivers, status). `decide()` turns all results into the outcome. Neither reads a clock, a file or
the environment: `today` is an argument, so the same inputs always give the same verdict.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from compliance_gate import paths
from compliance_gate.model import (
    CheckOutput,
    CheckResult,
    Finding,
    Outcome,
    Status,
    Waived,
    WaiverUse,
)
from compliance_gate.policy import CheckPolicy, Waiver


def settle(
    section: CheckPolicy,
    output: CheckOutput,
    waivers: Sequence[Waiver],
    today: dt.date,
    duration_s: float,
    usage: Counter[str],
) -> CheckResult:
    """Apply overrides and live waivers to a check's output; `usage` counts waiver matches."""
    live = [w for w in waivers if w.check == section.id and w.expires >= today]
    kept: list[Finding] = []
    waived: list[Waived] = list(output.waived)
    for finding in output.findings:
        override = next((section.severity[r] for r in rule_ids(finding) if r in section.severity), None)
        if override is not None:
            finding = replace(finding, severity=override)
        waiver = next((w for w in live if _covers(w, finding)), None)
        if waiver is None:
            kept.append(finding)
        else:
            usage[waiver.id] += 1
            waived.append(Waived(finding, f"waiver:{waiver.id}", waiver.reason))
    blocking = any(f.severity.at_least(section.fail_on) for f in kept)
    status = Status.ERROR if output.errors else Status.FAILED if blocking else Status.PASSED
    if status is Status.PASSED and output.skipped and not kept and not waived:
        status = Status.SKIPPED
    counts = Counter(output.counts)
    counts["findings"] = len(kept)
    counts["waived"] = len(waived)
    counts["blocking"] = sum(f.severity.at_least(section.fail_on) for f in kept)
    return CheckResult(
        check=section.id,
        status=status,
        findings=tuple(sorted(kept, key=_order)),
        waived=tuple(waived),
        counts=dict(counts),
        metrics=output.metrics,
        inputs=output.inputs,
        engines=output.engines,
        duration_s=duration_s,
        error=_summarise(output.errors),
        fail_on=section.fail_on,
        required_signoffs=output.required_signoffs,
        skipped=output.skipped if status is Status.SKIPPED else None,
    )


def _summarise(errors: Sequence[str], shown: int = 5) -> str | None:
    """The first few errors on one line; the verdict's checks list keeps the count."""
    if not errors:
        return None
    more = f" (+{len(errors) - shown} more)" if len(errors) > shown else ""
    return "; ".join(errors[:shown]) + more


def rule_ids(f: Finding) -> tuple[str, ...]:
    """The finding's rule and the other names of the same rule (`properties.aliases`: an advisory's
    CVE and PYSEC ids beside its GHSA id); a waiver or a severity override naming any applies."""
    aliases = f.properties.get("aliases")
    if isinstance(aliases, list | tuple):
        return (f.rule, *(a for a in aliases if isinstance(a, str)))
    return (f.rule,)


def _covers(w: Waiver, f: Finding) -> bool:
    if w.rule is not None and w.rule not in rule_ids(f):
        return False
    if w.fingerprint is not None and w.fingerprint != f.fingerprint:
        return False
    return w.path is None or (f.path is not None and paths.matches(f.path, [w.path]))


def _order(f: Finding) -> tuple[int, str, int, str]:
    return (-f.severity.rank, f.path or "", f.line or 0, f.rule)


def waiver_report(waivers: Sequence[Waiver], usage: Counter[str], today: dt.date) -> tuple[WaiverUse, ...]:
    """Every policy waiver with its state: applied, unused, or expired (which no longer applies)."""
    out = []
    for w in waivers:
        state = "expired" if w.expires < today else ("applied" if usage[w.id] else "unused")
        out.append(WaiverUse(w.id, state, usage[w.id], w.expires.isoformat(), w.reason, w.approver))
    return tuple(out)


def decide(results: Sequence[CheckResult], problems: Sequence[str]) -> tuple[Outcome, tuple[str, ...]]:
    """The outcome and its reasons. No checks, any error, any input problem: never PASS."""
    reasons: list[str] = []
    if not results or all(r.status is Status.SKIPPED for r in results):
        return Outcome.ERROR, ("no checks ran: enable at least one check in the policy",)
    reasons += [f"input problem: {p}" for p in problems]
    reasons += [f"{r.check}: could not evaluate: {r.error}" for r in results if r.status is Status.ERROR]
    if reasons:
        return Outcome.ERROR, tuple(reasons)
    failed = [r for r in results if r.status is Status.FAILED]
    if failed:
        return Outcome.FAIL, tuple(
            f"{r.check}: {len(r.blocking)} blocking finding(s) at or above {r.fail_on.value}" for r in failed
        )
    return Outcome.PASS, ()


def merge_signoffs(base: Mapping[str, int], results: Sequence[CheckResult]) -> dict[str, int]:
    """Required roles: the policy's, raised by whatever checks (change-scope) asked for."""
    out = dict(base)
    for r in results:
        for role, n in r.required_signoffs.items():
            out[role] = max(out.get(role, 0), n)
    return dict(sorted(out.items()))
