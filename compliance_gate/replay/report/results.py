"""Turn the pipeline's outcome into findings, counts and the metrics the renderers draw.

Breaks are sorted by severity, then amount (largest first), then payment id, so the same inputs
always give the same list. A category whose count is within the policy's threshold is reported
at `info` severity (visible, not blocking). Bridge residuals must be 0; anything else is an
error, because it means money went unexplained.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, Finding, JSONValue, Severity
from compliance_gate.replay import money
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.pipeline import MAX_EVENT_REFS, EventRefs, Outcome, replay_and_reconcile
from compliance_gate.replay.reconcile.categories import CATEGORIES
from compliance_gate.replay.reconcile.reconciler import Break
from compliance_gate.replay.report.summary import (
    EVENT_COUNTS,
    BridgeTotals,
    CurrencySummary,
    ReplaySummary,
    ReplayTotals,
    SideTotals,
    StatusTotal,
)
from compliance_gate.replay.safety import safe_text
from compliance_gate.replay.sqlutil import iso_from_us

NO_REFS: EventRefs = (0, [])


def evaluate(opts: ReplayOptions, root: Path, fp: Fingerprinter, engines: Mapping[str, str]) -> CheckOutput:
    """The whole replay check: what `checks.replay.run` and `compliance-gate replay` both return."""
    return check_output(replay_and_reconcile(opts, root), opts, fp, engines)


def check_output(out: Outcome, opts: ReplayOptions, fp: Fingerprinter, engines: Mapping[str, str]) -> CheckOutput:
    """Findings, counts, metrics and errors of a finished replay."""
    out.breaks.extend(tolerance_breaks(out, opts))
    sev = severities(out, opts)
    out.breaks.sort(key=lambda b: sort_key(b, sev))  # the order of the findings and of the metrics' breaks
    replayed, bridge_errors = summary(out, opts, sev)
    return CheckOutput(
        findings=tuple(findings(out, opts, fp, sev)),
        counts=counts(out),
        metrics=replayed.to_metrics(),
        inputs=tuple(out.inputs),
        engines=engines,
        errors=tuple(out.errors + bridge_errors),
    )


def sort_key(b: Break, severity: Mapping[str, Severity]) -> tuple[int, int, str, str, str, int, str]:
    return (-severity[b.category].rank, -b.amount, b.payment_id, b.category, b.side, b.line or 0, b.detail)


def severities(out: Outcome, opts: ReplayOptions) -> dict[str, Severity]:
    totals = Counter(b.category for b in out.breaks)
    sev = {}
    for name, cat in CATEGORIES.items():
        within = name in opts.thresholds and totals[name] <= opts.thresholds[name]
        sev[name] = Severity.INFO if within else cat.severity
    return sev


def findings(out: Outcome, opts: ReplayOptions, fp: Fingerprinter, sev: Mapping[str, Severity]) -> list[Finding]:
    """Every break (`out.breaks` is sorted) as a finding: the CSV and JSON lists auditors read
    are never cut short (a terminal may summarise them). Fingerprints as `fingerprint.stamp`
    gives them (occurrence counted per rule, path and content), set here directly: one finding
    object per break, not two, because a release with a broken projection has 100,000s."""
    render = _Renderer(out, sev)
    seen: Counter[tuple[str, str, str]] = Counter()
    paths = {side: _side_path(side, out, opts) for side in ("events", "report", "settlement")}
    result = []
    fingerprint = fp.many()
    for b in out.breaks:
        cat = CATEGORIES[b.category]
        path = b.payment_id if b.side == "input" else paths[b.side]  # bad input: the file the row came from
        line = b.line if b.side in ("events", "input") or b.other is None else b.other[3]
        detail = safe_text(b.detail)
        pid = safe_text(b.payment_id)
        props = render.record(b, pid, detail)
        message = f"{cat.summary}: {detail}" if b.side == "input" else f"payment {pid}: {detail}"
        content = f"{b.category}|{b.side}|{b.payment_id}|{detail}"
        slot = (cat.rule, path, content)
        n = seen[slot]
        seen[slot] = n + 1
        stamp_ = fingerprint(cat.rule, path, content, n)
        result.append(Finding("replay", cat.rule, sev[b.category], message, path, line, None, stamp_, None, props))
    return result


def _side_path(side_name: str, out: Outcome, opts: ReplayOptions) -> str:
    if side_name == "events":
        return out.events_display
    side = opts.settlement if side_name == "settlement" else opts.reported
    shown = out.displays.get("st" if side_name == "settlement" else "rep", "")
    if side.path:
        return shown or side.path
    sqlite = re.match(r"sqlite[+a-z]*:///(?!/)(.+)", shown)  # a SQLite file, shown relative
    return sqlite.group(1) if sqlite else shown


class _Renderer:
    """Builds break records; masks the few distinct short values (currencies, statuses) once."""

    def __init__(self, out: Outcome, sev: Mapping[str, Severity]) -> None:
        self.out = out
        self.sev = {k: str(v) for k, v in sev.items()}
        self.masked: dict[str, str] = {}

    def short(self, value: str) -> str:
        got = self.masked.get(value)
        if got is None:
            got = self.masked[value] = safe_text(value)
        return got

    def record(self, b: Break, pid: str, detail: str) -> dict[str, JSONValue]:
        n_events, refs = self.out.event_refs.get(b.payment_id, NO_REFS)
        rec: dict[str, JSONValue] = {
            "category": b.category,
            "severity": self.sev[b.category],
            "side": b.side,
            "payment_id": pid,
            "currency": self.short(b.currency),
            "amount_minor": b.amount,
            "detail": detail,
            "events": list(refs),
        }
        if n_events > MAX_EVENT_REFS:
            rec["events_more"] = n_events - MAX_EVENT_REFS
        if b.replay is not None:
            state, amount, captured, refunded, currency = b.replay
            rec["replay"] = {
                "state": state,
                "amount": amount,
                "captured": captured,
                "refunded": refunded,
                "currency": currency,
            }
        if b.other is not None:
            status, other_amount, other_currency, line = b.other
            rec[b.side] = {
                "status": self.short(status) if status is not None else None,
                "amount": other_amount,
                "currency": self.short(other_currency) if other_currency is not None else None,
                "line": line,
            }
        return rec


def summary(out: Outcome, opts: ReplayOptions, sev: Mapping[str, Severity]) -> tuple[ReplaySummary, list[str]]:
    """The replay's summary (its metrics; shape documented in `checks/replay.py`) and the bridge
    errors, if any: a bridge whose residual is not 0 leaves money unexplained."""
    assert out.recon is not None
    recon = out.recon
    render = _Renderer(out, sev)
    cats: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for b in out.breaks:
        cats[b.category][b.currency] += 1
    exps = money.exponents(opts.events.exponents)
    currencies = sorted(set(recon.replay) | {c for rows in out.side_totals.values() for c, *_ in rows})
    per: dict[str, CurrencySummary] = {}
    errors: list[str] = []
    for cur in currencies:
        payments, amount, captured, refunded, disputed = recon.replay.get(cur, [0, 0, 0, 0, 0])
        states = sorted(s for c, s in recon.by_state if c == cur)
        replayed = ReplayTotals(
            payments,
            amount,
            captured,
            refunded,
            disputed,
            gross=captured + refunded + disputed,
            net=captured - refunded - disputed,
            by_status={safe_text(s): StatusTotal(*recon.by_state[(cur, s)][:2]) for s in states},
        )
        sides: dict[str, SideTotals] = {}
        bridges: dict[str, BridgeTotals] = {}
        for side, rows in sorted(out.side_totals.items()):
            mine = [r for r in rows if r[0] == cur]
            totals = SideTotals(
                rows=sum(r[2] for r in mine),
                net=sum(r[3] for r in mine),
                gross=sum(r[4] for r in mine),
                by_status=_by_status(mine),
            )
            sides[side] = totals
            left = amount if side == "report" else captured
            explained = dict(sorted(recon.bridges[side].explained[cur].items()))
            diff = left - totals.net
            residual = diff - sum(explained.values())
            bridges[side] = BridgeTotals(left, totals.net, diff, explained, residual)
            if residual:
                errors.append(f"{side} bridge for {cur} does not balance: {residual} minor units unexplained")
        per[cur] = CurrencySummary(exps.get(cur), replayed, bridges, sides)
    return (
        ReplaySummary(
            version=1,
            as_of=iso_from_us(out.counters["as_of_us"]),
            as_of_source=out.as_of_source,
            in_flight_after=iso_from_us(out.counters["cutoff_us"]),
            events={k: out.counters.get(k, 0) for k in EVENT_COUNTS},
            categories={c: dict(sorted(v.items())) for c, v in sorted(cats.items())},
            in_flight=dict(sorted(recon.in_flight.items())),
            within_tolerance={
                c: StatusTotal(recon.within_tolerance_count[c], recon.within_tolerance[c])
                for c in sorted(recon.within_tolerance_count)
            },
            currencies=per,
            breaks_total=len(out.breaks),
            breaks=tuple(
                render.record(b, safe_text(b.payment_id), safe_text(b.detail)) for b in out.breaks[: opts.max_breaks]
            ),
        ),
        errors,
    )


def _by_status(rows: list[tuple[str, str, int, int, int]]) -> dict[str, StatusTotal]:
    """Side totals by status; a status is input data, so its label is masked like any value
    (two statuses that mask alike are added up)."""
    out: dict[str, StatusTotal] = {}
    for _, status, n, net, _ in rows:
        key = safe_text(status)
        old = out.get(key, StatusTotal(0, 0))
        out[key] = StatusTotal(old.count + n, old.amount + net)
    return out


def tolerance_breaks(out: Outcome, opts: ReplayOptions) -> list[Break]:
    assert out.recon is not None
    return [
        Break(
            "tolerance_cap",
            "report",
            "(all)",
            cur,
            total,
            f"within-tolerance differences sum to {total} minor units; cap {opts.tolerance_caps[cur]}",
        )
        for cur, total in sorted(out.recon.within_tolerance.items())
        if cur in opts.tolerance_caps and total > opts.tolerance_caps[cur]
    ]


def counts(out: Outcome) -> dict[str, int]:
    assert out.recon is not None
    c = Counter(b.category for b in out.breaks)
    c["payments"] = out.counters.get("payments", 0)
    c["redeliveries"] = out.counters.get("redeliveries", 0)
    c["stale_ignored"] = out.counters.get("stale_ignored", 0)
    c["in_flight"] = sum(out.recon.in_flight.values())
    return dict(sorted(c.items()))
