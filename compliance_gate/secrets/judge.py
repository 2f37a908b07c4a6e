"""From engine hits to what blocks: inline suppressions and baseline entries, per policy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from compliance_gate.model import Finding, Waived
from compliance_gate.secrets.baseline import Baseline, finding_key
from compliance_gate.secrets.options import SecretsOptions

PRAGMA = "pragma: allowlist secret"


@dataclass(frozen=True, slots=True)
class Judged:
    findings: tuple[Finding, ...]
    waived: tuple[Waived, ...]
    counts: Counter[str]
    stale: tuple[str, ...] = ()


def judge(findings: Sequence[Finding], opts: SecretsOptions, baseline: Baseline | None) -> Judged:
    counts: Counter[str] = Counter()
    kept: list[Finding] = []
    waived: list[Waived] = []
    for f in findings:
        if f.properties.get("suppressed"):
            verdict = _suppression(f, opts)
            if verdict is None:
                counts["inline-suppressions-honoured"] += 1
                waived.append(Waived(strip(f), PRAGMA, "inline suppression in the source"))
                continue
            counts["inline-suppressions-refused"] += 1
            f = replace(f, message=f"{f.message}; {verdict}")
        kept.append(f)
    stale: tuple[str, ...] = ()
    if baseline is not None:
        kept, from_baseline, stale = _baseline(kept, opts, baseline, counts)
        waived += from_baseline
    return Judged(tuple(strip(f) for f in kept), tuple(waived), counts, stale)


def _suppression(f: Finding, opts: SecretsOptions) -> str | None:
    """None if the policy honours this pragma, else why not."""
    if not opts.allow_inline_suppressions:
        return "the policy does not accept inline suppressions (allow_inline_suppressions: false)"
    if opts.require_suppression_reason and not f.properties.get("suppression_reason"):
        return "the pragma gives no reason (require_suppression_reason: true); add one after `secret`"
    return None


def _baseline(
    findings: Iterable[Finding], opts: SecretsOptions, baseline: Baseline, counts: Counter[str]
) -> tuple[list[Finding], list[Waived], tuple[str, ...]]:
    kept: list[Finding] = []
    waived: list[Waived] = []
    used: set[tuple[str, str, str]] = set()
    by = f"baseline:{baseline.path}"
    for f in findings:
        key = finding_key(f)
        entry = baseline.entries.get(key)
        if entry is None:
            kept.append(f)
            continue
        used.add(key)
        if entry.is_secret is False:
            counts["baseline-false-positive"] += 1
            waived.append(Waived(strip(f), by, "audited as a false positive (is_secret: false)"))
        elif entry.is_secret is None and opts.unaudited == "waive":
            counts["baseline-unaudited"] += 1
            waived.append(Waived(strip(f), by, "listed in the baseline, not audited yet (unaudited: waive)"))
        else:
            real = entry.is_secret is True
            counts["baseline-real-secret" if real else "baseline-unaudited-blocking"] += 1
            note = (
                "audited as a real secret in the baseline (is_secret: true)"
                if real
                else ("listed in the baseline but not audited (unaudited: block)")
            )
            kept.append(replace(f, message=f"{f.message}; {note}", properties={**f.properties, "baseline": note}))
    stale = tuple(sorted(f"{k[0]} ({k[1]})" for k in baseline.entries if k not in used))
    counts["baseline-stale"] = len(stale)
    return kept, waived, stale


def strip(f: Finding) -> Finding:
    """Drop the engine's unsalted hash before a finding leaves the check."""
    if "hashed_secret" not in f.properties:
        return f
    return replace(f, properties={k: v for k, v in f.properties.items() if k != "hashed_secret"})
