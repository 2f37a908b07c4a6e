"""replay: replay recorded payment events and reconcile them with the reporting system.

What it does
------------
Reads the recorded payment events the policy names (JSON Lines, plain or gzip; CSV; or a Kafka
export as `kcat -C -J` writes it), orders each payment's events by (partition, offset) or by
sequence, never by file order, de-duplicates them by event id, and folds them through the
payment state machine (`policies/state-machines/payments.yaml` by default) or through the
release's own projection code (`projector: package.module:function`). The replayed state of every
payment is then reconciled with the reporting system's snapshot (CSV, JSON Lines or a SQL query on
a SQLAlchemy URL) and, optionally, with the partner's settlement file.

Why it matters
--------------
A release that changes payment logic can make a completed payment show as "pending", charge
twice under one idempotency key, or lose a refund. Unit tests rarely see real traffic; the
recorded events do.

What blocks
-----------
Findings (rule ids in `compliance_gate/replay/reconcile/categories.py`): CG-REC-MISSING-IN-REPORT,
-MISSING-IN-EVENTS, -MISSING-IN-SETTLEMENT, -REPORT-BEHIND, -REPORT-AHEAD, -CONTRADICTION,
-AMOUNT-UNDER, -AMOUNT-OVER, -CURRENCY-MISMATCH, -PRECISION, -DUPLICATE-KEY, -DOUBLE-CHARGE,
-TOLERANCE-CAP; CG-REPLAY-ILLEGAL-TRANSITION, -UNMAPPED-TYPE, -MONEY-INVARIANT,
-DUPLICATE-CONFLICT, -BAD-INPUT, -PROJECTOR-OUTPUT; CG-GEO-CURRENCY, CG-GEO-RESIDENCY.
`thresholds: {category: n}` reports a category at `info` while its count is at most n.
Counted, not findings: redeliveries, stale events, in-flight payments (last activity after the
snapshot's `as_of` minus `grace_s`), differences within `tolerances` (minor units per currency).
Errors (the check cannot pass): unreadable rows (unless `bad_input: finding`), offset or
sequence gaps, a projector that cannot be imported or raises, an unbalanced bridge.

Metrics (`CheckResult.metrics`, stable keys; amounts are integers in minor units)
-------------------------------------------------------------------------------
    version: 1
    as_of, in_flight_after: ISO timestamps (the snapshot cut-off, and cut-off minus grace)
    events: {payments, redeliveries, stale_ignored, events_rejected, geo_unknown}
    categories: {category: {currency: count}}
    in_flight: {currency: payments}
    within_tolerance: {currency: {count, amount}}
    currencies: {currency: {
        exponent,
        replay: {payments, amount, captured, refunded, disputed, gross, net,
                 by_status: {state: {count, amount}}},
        report | settlement: {rows, net, gross, by_status: {status: {count, amount}}},
        bridge: {report | settlement: {replay, report | settlement, difference,
                                       explained: {bucket: amount}, residual}}}}
    breaks_total: n
    breaks: [{category, severity, side, payment_id, currency, amount_minor, detail,
              events: ["event_id (file:line)"], replay: {...}, report | settlement: {...}}]
            (sorted by severity, then amount, capped at `max_breaks`)

Example
-------
    checks:
      replay:
        events: {path: recordings/payment_events.jsonl.gz}
        reported: {url: "sqlite:///reports/snapshot.sqlite", query: "SELECT * FROM payments",
                   as_of: "2026-03-01T00:00:00Z"}
        settlement: {path: recordings/settlement.csv}
        grace_s: 900
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

from compliance_gate import bundled
from compliance_gate.checks.interface import Check, CheckContext, CheckHelp
from compliance_gate.fingerprint import stamp
from compliance_gate.model import CheckOutput, Finding, Severity
from compliance_gate.replay import presets
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.report.results import evaluate
from compliance_gate.replay.report.summary import ReplaySummary


def engines() -> Mapping[str, str]:
    out = {}
    for name in ("duckdb", "maxminddb"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


NO_EVENTS = "CG-REPLAY-NO-EVENTS"


def run(ctx: CheckContext[ReplayOptions]) -> CheckOutput:
    events = ctx.options.events.path
    if events and not bundled.resolve(events, ctx.workspace.root).exists():
        return _no_events(ctx, events)
    return evaluate(ctx.options, ctx.workspace.root, ctx.fingerprints, engines())


def _no_events(ctx: CheckContext[ReplayOptions], events: str) -> CheckOutput:
    """The policy requires a replay and the recorded events are not where it says: a FAIL naming
    the key to set (or the rule to waive, with a signed-off reason), not an ERROR: nothing could
    not be read; a required input is absent."""
    finding = Finding(
        check=ctx.check_id,
        rule=NO_EVENTS,
        severity=Severity.CRITICAL,
        message=(
            f"{events}: no such events file; point checks.replay.events.path at the recorded payment events, "
            f"or disable the check / waive {NO_EVENTS} with a signed-off reason if this repository records none"
        ),
    )
    return CheckOutput(findings=tuple(stamp(ctx.fingerprints, [(finding, NO_EVENTS)])), counts={NO_EVENTS: 1})


CHECK = Check(
    id="replay",
    summary="replay recorded payment events and reconcile them with the report and settlement",
    run=run,
    options=ReplayOptions,
    engines=engines,
    default_fail_on=Severity.HIGH,
    help=CheckHelp(
        "Replaying the recorded payment events disagrees with the reporting system.",
        "Investigate the payment ids named in the result and correct the projector or the data.",
    ),
    read_summary=ReplaySummary.from_metrics,
    prepare=presets.prepare,
)
