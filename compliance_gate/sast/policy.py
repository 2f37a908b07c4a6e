"""The sast check's policy over what the workers found: thresholds, per-path rules, `# nosec`.

Order matters and is fixed: per-path test rules first (a test switched off for a path yields
nothing there), then the severity and confidence floor, then `# nosec`:

- `honour` (bandit's behaviour): a covered finding becomes a waived one (`by: "nosec"`);
- `refuse`: it stays a finding, marked `nosec: refused` (what `bandit --ignore-nosec` reports);
- `require-reason`: honoured only when the comment gives a reason
  (`# nosec B602 -- only our own constant command`); otherwise a finding marked
  `nosec: missing-reason`.

Every suppression used or refused is counted in the check's counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from compliance_gate import paths
from compliance_gate.model import CheckOutput, Finding, Waived
from compliance_gate.sast.options import LEVELS, SastOptions
from compliance_gate.scanning.collect import collect
from compliance_gate.scanning.jobs import FileOutcome

COUNT_KEYS = (
    "files",
    "findings",
    "errors",
    "below_threshold",
    "skipped_by_path",
    "nosec_suppressed",
    "nosec_refused",
    "nosec_missing_reason",
)
"""Always present in the check's counts, so reports can rely on them."""
_RANK = {"undefined": -1, **{lvl: i for i, lvl in enumerate(LEVELS)}}


def apply_policy(outcomes: Iterable[FileOutcome], options: SastOptions) -> CheckOutput:
    scanned = collect(outcomes)
    findings: list[Finding] = []
    waived: list[Waived] = []
    errors = scanned.errors
    counts: Counter[str] = Counter(dict.fromkeys(COUNT_KEYS, 0))
    counts["files"] = scanned.files - len(errors)
    for finding in scanned.findings:
        kept = _decide(finding, options, counts)
        if isinstance(kept, Waived):
            waived.append(kept)
        elif kept is not None:
            findings.append(kept)
    counts["findings"] = len(findings)
    counts["errors"] = len(errors)
    findings.sort(key=lambda f: (f.path or "", f.line or 0, f.column or 0, f.rule))
    return CheckOutput(
        findings=tuple(findings),
        waived=tuple(waived),
        counts=dict(counts),
        errors=tuple(sorted(errors)),
    )


def _decide(finding: Finding, options: SastOptions, counts: Counter[str]) -> Finding | Waived | None:
    if not _selected_for_path(finding, options):
        counts["skipped_by_path"] += 1
        return None
    if not _meets_floor(finding, options):
        counts["below_threshold"] += 1
        return None
    props = dict(finding.properties)
    nosec = props.pop("nosec", None)
    clean = replace(finding, properties=props)
    if nosec is None:
        return clean
    if options.nosec == "honour" or (options.nosec == "require-reason" and nosec == "reason"):
        counts["nosec_suppressed"] += 1
        reason = "# nosec with a reason" if nosec == "reason" else "# nosec"
        return Waived(clean, by="nosec", reason=reason)
    state = "refused" if options.nosec == "refuse" else "missing-reason"
    counts[f"nosec_{state.replace('-', '_')}"] += 1
    return replace(clean, properties={**props, "nosec": state})


def _selected_for_path(finding: Finding, options: SastOptions) -> bool:
    path = finding.path or ""
    for rule in options.per_path:
        if not paths.matches(path, rule.paths):
            continue
        if finding.rule in rule.skips or (rule.tests and finding.rule not in rule.tests):
            return False
    return True


def _meets_floor(finding: Finding, options: SastOptions) -> bool:
    severity = finding.severity.value if finding.severity.value in _RANK else "undefined"
    confidence = str(finding.properties.get("confidence", "undefined"))
    return _RANK[severity] >= _RANK[options.min_severity] and _RANK.get(confidence, -1) >= _RANK[options.min_confidence]
