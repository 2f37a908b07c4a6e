"""What every report renderer needs: ordered findings, locations, totals, sign-offs, verify commands.

Renderers are pure: `render(verdict, context=None) -> str`. `ReportContext` carries what is not in
the verdict itself: where it came from (a signed envelope whose signature was *not* verified by
`report`, say) and the sign-off approvals a caller has already verified.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from compliance_gate.model import CheckResult, Finding, Severity, Status, Verdict

STATUS_ORDER = {Status.ERROR: 0, Status.FAILED: 1, Status.PASSED: 2, Status.SKIPPED: 3}

REPLAY_CHECK = "replay"
AUDIT_CHECK = "audit-log"


@dataclass(frozen=True, slots=True)
class Approval:
    """One verified sign-off, as `verify` reports it (roles come from the roster, not the approval)."""

    role: str
    who: str
    decision: str
    when: str = ""
    comment: str = ""


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Facts about the rendering that the verdict cannot carry about itself."""

    provenance: str | None = None
    """E.g. "decoded from verdict.dsse.json; the signature was NOT verified": shown prominently."""
    approvals: tuple[Approval, ...] = ()
    envelope_name: str = "verdict.dsse.json"
    path_prefix: str = ""
    """Prepended to relative finding paths (SARIF, annotations) when the scanned folder is not the
    repository root, e.g. `services/payments/` in a monorepo: code scanning wants repo-relative paths."""


def prefixed(path: str | None, context: ReportContext | None) -> str | None:
    """The finding path as the repository root sees it."""
    prefix = context.path_prefix if context else ""
    if not path or not prefix or path.startswith("/"):
        return path
    return prefix.rstrip("/") + "/" + path


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


def engines_text(engines: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(engines.items()))


def short(digest: str, n: int = 12) -> str:
    return digest.split(":", 1)[-1][:n]


def verify_commands(verdict: Verdict, context: ReportContext | None = None) -> list[str]:
    """The commands a deploy job (or a release manager) runs to check this verdict independently."""
    envelope = (context or ReportContext()).envelope_name
    commit = verdict.source.commit or "<commit being deployed>"
    verify = (
        f"compliance-gate verify {envelope} --key verdict.pub --commit {commit} --policy-digest {verdict.policy.digest}"
    )
    if verdict.required_signoffs:
        verify += " --roster roster.yaml --approvals approvals/"
    return [verify, f"compliance-gate report {envelope} --key verdict.pub --format html -o report.html"]


# --- reconciliation totals and audit-chain status, read from check metrics ---------------------


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    currency: str
    values: tuple[tuple[str, float | int], ...]
    """Named amounts in minor units, drawn as bars (e.g. replay -> report, report, ...)."""
    exponent: int | None = None
    bridges: tuple[Bridge, ...] = ()


@dataclass(frozen=True, slots=True)
class Bridge:
    """Replayed events against one counterpart (report or settlement) in one currency."""

    counterpart: str
    replay: int
    other: int
    difference: int
    explained: int
    residual: int


TOTALS_KEYS = ("totals", "currencies", "per_currency", "control_totals")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return 0


def _flatten_numbers(value: Any, prefix: str = "") -> list[tuple[str, float | int]]:
    if _is_number(value):
        return [(prefix or "value", value)]
    if isinstance(value, str) and prefix and value.lstrip("-").isdigit():
        return [(prefix, int(value))]  # amounts in minor units may travel as strings (exactness)
    if isinstance(value, Mapping):
        out: list[tuple[str, float | int]] = []
        for key in sorted(value, key=str):
            out.extend(_flatten_numbers(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    return []


def _bridged(currency: str, data: Mapping[str, Any]) -> CurrencyTotals:
    """The replay check's v1 shape: `bridge: {report|settlement: {replay, <side>, residual...}}`."""
    bridges: list[Bridge] = []
    values: list[tuple[str, float | int]] = []
    bridge = data.get("bridge")
    sides: Mapping[str, Any] = bridge if isinstance(bridge, Mapping) else {}
    for side in sorted(sides):
        b = sides[side]
        if not isinstance(b, Mapping):
            continue
        explained = b.get("explained")
        total_explained = sum(_int(v) for v in explained.values()) if isinstance(explained, Mapping) else 0
        bridges.append(
            Bridge(
                str(side),
                _int(b.get("replay")),
                _int(b.get(side)),
                _int(b.get("difference")),
                total_explained,
                _int(b.get("residual")),
            )
        )
        values += [(f"replay vs {side}", _int(b.get("replay"))), (str(side), _int(b.get(side)))]
    exponent = data.get("exponent")
    return CurrencyTotals(currency, tuple(values), exponent if isinstance(exponent, int) else None, tuple(bridges))


def reconciliation_totals(verdict: Verdict) -> list[CurrencyTotals]:
    """Per-currency totals from the replay check's metrics.

    The replay check's documented shape (`currencies.<CUR>.bridge`, see `checks/replay.py`) gives
    the bridge per counterpart; any other mapping currency -> {name: amount} under one of a few
    keys is shown generically (amounts are integers in minor units, or their digit strings).
    """
    out: list[CurrencyTotals] = []
    for result in verdict.checks:
        if result.check != REPLAY_CHECK:
            continue
        for key in TOTALS_KEYS:
            table = result.metrics.get(key)
            if not isinstance(table, Mapping):
                continue
            for currency in sorted(table, key=str):
                data = table[currency]
                if isinstance(data, Mapping) and isinstance(data.get("bridge"), Mapping):
                    out.append(_bridged(str(currency), data))
                elif values := tuple(_flatten_numbers(data)):
                    out.append(CurrencyTotals(str(currency), values))
            if out:
                return out
    return out


def money(amount: float | int, exponent: int | None) -> str:
    """Minor units as a decimal amount (`1003816`, 2 -> `10,038.16`); exact for integers."""
    if not isinstance(amount, int) or not exponent or exponent < 0:
        return f"{amount:,}"
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole:,}.{frac:0{exponent}d}"


def metric_rows(metrics: Mapping[str, Any], skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Scalar metrics as (name, text) rows, nested mappings flattened with dots, lists counted."""
    skipped = set(skip)
    rows: list[tuple[str, str]] = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Mapping):
            for k in sorted(value, key=str):
                walk(value[k], f"{name}.{k}" if name else str(k))
        elif isinstance(value, list | tuple):
            rows.append((name, f"{len(value)} item(s)"))
        else:
            rows.append((name, "" if value is None else str(value)))

    for key in sorted(metrics, key=str):
        if key not in skipped:
            walk(metrics[key], str(key))
    return rows


def audit_results(verdict: Verdict) -> list[CheckResult]:
    return [r for r in verdict.checks if r.check == AUDIT_CHECK]


def chain_state(result: CheckResult) -> str:
    """The audit-log hash chain as the check reports it (`metrics.chain`), or "not evaluated"."""
    if result.status is Status.ERROR:
        return "not evaluated (check error)"
    state = result.metrics.get("chain")
    return state if isinstance(state, str) and state else "not reported"


def signoff_rows(verdict: Verdict, context: ReportContext | None = None) -> list[tuple[str, int, int]]:
    """(role, required, approvals present) for every required role, sorted by role."""
    approvals = (context or ReportContext()).approvals
    present = Counter(a.role for a in approvals if a.decision == "approve")
    return [(role, n, present.get(role, 0)) for role, n in sorted(verdict.required_signoffs.items())]


def deploy_valid_note(verdict: Verdict) -> str | None:
    """Why this verdict can never satisfy `verify`, if that is already visible in it."""
    if not verdict.complete:
        return "partial run (selected checks, staged or explicit files): never valid for a deploy"
    if verdict.source.dirty:
        return "scanned a working tree with uncommitted changes: not valid for a deploy"
    return None
