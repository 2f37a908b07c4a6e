"""The checks' summaries as reports read them: reconciliation totals, chain states, metric tables.

A report asks each result's summary (the check's own type, from the registry; see
`compliance_gate.summary`) what it has to show; it never picks metrics apart by check id. A
check this gate does not know (a verdict from another version) shows its metrics as a table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from compliance_gate.checks.interface import CheckHelp
from compliance_gate.model import CheckResult, JSONObject, JSONValue, Status, Verdict
from compliance_gate.registry import REGISTRY
from compliance_gate.summary import TOTALS_KEYS, ChainStatus, CurrencyTotals, OpaqueSummary, Summary, Table, Tabular

SHOWN_ELSEWHERE = (*TOTALS_KEYS, "breaks")
"""Metrics a reconciliation section draws itself (totals, bridges, breaks): not repeated as rows."""


def summary_of(result: CheckResult) -> Summary:
    check = REGISTRY.get(result.check)
    return check.read_summary(result.metrics) if check is not None else OpaqueSummary.from_metrics(result.metrics)


def help_of(check_id: str) -> CheckHelp:
    check = REGISTRY.get(check_id)
    return (
        check.help
        if check is not None
        else CheckHelp(f"Finding of the {check_id} check.", "See the check's documentation.")
    )


def tables_of(result: CheckResult) -> tuple[Table, ...]:
    """The tables the result's summary asks reports to draw (the deps table), if any."""
    summary = summary_of(result)
    return summary.tables() if isinstance(summary, Tabular) else ()


@dataclass(frozen=True, slots=True)
class Reconciled:
    """A check that reconciles money, with its per-currency totals."""

    result: CheckResult
    totals: tuple[CurrencyTotals, ...]


def reconciliations(verdict: Verdict) -> list[Reconciled]:
    """The results whose summary reconciles money (the replay check's), in verdict order."""
    out = []
    for result in verdict.checks:
        totals = summary_of(result).reconciliation()
        if totals is not None:
            out.append(Reconciled(result, totals))
    return out


def reconciliation_totals(verdict: Verdict) -> list[CurrencyTotals]:
    return [t for r in reconciliations(verdict) for t in r.totals]


@dataclass(frozen=True, slots=True)
class Chain:
    """A check that verifies a hash chain, and the chain's state as the report states it."""

    result: CheckResult
    state: str
    completeness: str
    anchor: str = ""
    """`checkpoint`, `key`, `none` or "" (not reported); see `ANCHOR_TEXT`."""

    @property
    def unanchored(self) -> bool:
        return self.anchor == "none"

    @property
    def anchor_text(self) -> str:
        return ANCHOR_TEXT.get(self.anchor, "not reported")


ANCHOR_TEXT = {
    "checkpoint": "signed checkpoint",
    "key": "HMAC key",
    "none": "UNANCHORED: no key and no signed checkpoint, so a re-sealed edit or a cut tail would look intact",
}


def chains(verdict: Verdict) -> list[Chain]:
    """The results whose summary has a hash chain (the audit-log check's): "not evaluated" when
    the check could not run, "not reported" when it did not say."""
    out = []
    for result in verdict.checks:
        status: ChainStatus | None = summary_of(result).chain()
        if status is None:
            continue
        state = "not evaluated (check error)" if result.status is Status.ERROR else status.state or "not reported"
        out.append(Chain(result, state, status.completeness or "not reported", status.anchor))
    return out


def money(amount: float | int, exponent: int | None) -> str:
    """Minor units as a decimal amount (`1003816`, 2 -> `10,038.16`); exact for integers."""
    if not isinstance(amount, int) or not exponent or exponent < 0:
        return f"{amount:,}"
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole:,}.{frac:0{exponent}d}"


def metric_rows(metrics: JSONObject, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Scalar metrics as (name, text) rows, nested objects flattened with dots, lists counted."""
    skipped = set(skip)
    rows: list[tuple[str, str]] = []

    def walk(value: JSONValue, name: str) -> None:
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
