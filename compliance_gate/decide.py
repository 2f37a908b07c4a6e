"""From check results to PASS / FAIL / ERROR: pure functions, failing closed.

`settle()` turns one check's raw output into its `CheckResult`, the same way for every check:

1. in a release range (`run --since`), a file check's findings on lines the range did not add
   or change are left out and counted (`outside-changes`): the release is judged on its change;
2. each finding is rated for its path tier (`Policy.tier_of`) by the check's tier table, else its
   `severity` override, else as the engine reported it; a finding outside `production` carries
   its tier in `properties.tier`;
3. live policy waivers take what they cover (`waiver:ID`);
4. the baseline takes what it recorded, by fingerprint (`baseline`), never a rule the policy
   lists in `baseline.never_hides`; what it hides is counted per check (`baselined`).

`decide()` turns all results into the outcome. Neither reads a clock, a file or the environment:
`today`, the tiers, the changed lines and the baseline are arguments, so the same inputs always
give the same verdict.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from compliance_gate import paths
from compliance_gate.model import (
    CheckOutput,
    CheckResult,
    Finding,
    InputRecord,
    Outcome,
    Status,
    Waived,
    WaiverUse,
)
from compliance_gate.policy import PRODUCTION, CheckPolicy, Waiver

LineRanges = tuple[tuple[int, int], ...]
"""Inclusive (first, last) line ranges."""


def _production(path: str | None) -> str:
    return PRODUCTION


@dataclass(frozen=True, slots=True)
class Judging:
    """What settles a check's findings besides its policy section (see the module docstring)."""

    tier_of: Callable[[str | None], str] = _production
    changed: Mapping[str, LineRanges] | None = None
    """In a release range: per changed file, the lines the range added or changed; else None."""
    line_scoped: bool = False
    """The check reports on lines of the workspace's files (pii, secrets, sast)."""
    baseline: frozenset[str] = frozenset()
    """Fingerprints of this check's baseline entries."""
    never_hides: frozenset[str] = field(default_factory=frozenset)
    baseline_input: InputRecord | None = None
    """The baseline file, listed among the check's inputs when it has entries for the check."""


def settle(
    section: CheckPolicy,
    output: CheckOutput,
    waivers: Sequence[Waiver],
    today: dt.date,
    duration_s: float,
    usage: Counter[str],
    judging: Judging | None = None,
) -> CheckResult:
    """Apply the release range, tiers, live waivers and the baseline to a check's output;
    `usage` counts waiver matches."""
    judge = judging or Judging()
    live = [w for w in waivers if w.check == section.id and w.expires >= today]
    kept: list[Finding] = []
    waived: list[Waived] = list(output.waived)
    counts = Counter(output.counts)
    for finding in output.findings:
        if judge.line_scoped and judge.changed is not None and not on_changed_lines(finding, judge.changed):
            counts["outside-changes"] += 1
            continue
        finding = _rated(finding, section, judge.tier_of(finding.path))
        waiver = next((w for w in live if _covers(w, finding)), None)
        if waiver is not None:
            usage[waiver.id] += 1
            waived.append(Waived(finding, f"waiver:{waiver.id}", waiver.reason))
        elif finding.fingerprint and finding.fingerprint in judge.baseline and finding.rule not in judge.never_hides:
            counts["baselined"] += 1
            waived.append(Waived(finding, "baseline", "recorded in the baseline (`compliance-gate baseline`)"))
        else:
            kept.append(finding)
    blocking = any(f.severity.at_least(section.fail_on) for f in kept)
    status = Status.ERROR if output.errors else Status.FAILED if blocking else Status.PASSED
    if status is Status.PASSED and output.skipped and not kept and not waived:
        status = Status.SKIPPED
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
        inputs=(*output.inputs, judge.baseline_input) if judge.baseline and judge.baseline_input else output.inputs,
        engines=output.engines,
        duration_s=duration_s,
        error=_summarise(output.errors),
        fail_on=section.fail_on,
        required_signoffs=output.required_signoffs,
        skipped=output.skipped if status is Status.SKIPPED else None,
    )


def _rated(finding: Finding, section: CheckPolicy, tier: str) -> Finding:
    severity = section.severity_in(rule_ids(finding), tier, finding.severity)
    if tier == PRODUCTION:
        return finding if severity is finding.severity else replace(finding, severity=severity)
    return replace(finding, severity=severity, properties={**finding.properties, "tier": tier})


def on_changed_lines(finding: Finding, changed: Mapping[str, LineRanges]) -> bool:
    """Does the finding touch a line the release range added or changed? Findings of files the
    range did not change (the history's, which name their commit) and findings without a line
    are kept; a finding spanning lines (a function, a call) counts if any of them changed."""
    ranges = changed.get(finding.path or "")
    if ranges is None or finding.line is None or "commit" in finding.properties:
        return True
    first = last = finding.line
    span = finding.properties.get("line_range")
    if isinstance(span, list | tuple) and len(span) == 2:
        low, high = span[0], span[1]
        if isinstance(low, int) and isinstance(high, int):
            first, last = min(first, low), max(last, high)
    return any(a <= last and first <= b for a, b in ranges)


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
