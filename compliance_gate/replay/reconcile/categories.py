"""Discrepancy categories: rule id, default severity and what each one means.

The rule id is what waivers, severity overrides and SARIF see; the category name is what the
metrics count. Counted-only outcomes (redeliveries, stale events, in-flight payments,
within-tolerance differences) are not findings and are not listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance_gate.model import Severity


@dataclass(frozen=True, slots=True)
class Category:
    rule: str
    severity: Severity
    summary: str


_C, _H, _M = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM

CATEGORIES: dict[str, Category] = {
    "missing_in_report": Category("CG-REC-MISSING-IN-REPORT", _H, "replayed payment absent from the report"),
    "missing_in_events": Category("CG-REC-MISSING-IN-EVENTS", _H, "reported payment with no recorded events"),
    "missing_in_settlement": Category(
        "CG-REC-MISSING-IN-SETTLEMENT", _M, "settled payment absent from the settlement file"
    ),
    "report_behind": Category("CG-REC-REPORT-BEHIND", _H, "report shows an earlier state (pending while completed)"),
    "report_ahead": Category("CG-REC-REPORT-AHEAD", _C, "report shows a later state than the events support"),
    "contradiction": Category("CG-REC-CONTRADICTION", _C, "report and events disagree on the outcome"),
    "amount_under": Category("CG-REC-AMOUNT-UNDER", _H, "reported amount lower than replayed"),
    "amount_over": Category("CG-REC-AMOUNT-OVER", _H, "reported amount higher than replayed"),
    "currency_mismatch": Category("CG-REC-CURRENCY-MISMATCH", _C, "reported currency differs from replayed"),
    "precision_error": Category("CG-REC-PRECISION", _H, "amount not representable in its currency"),
    "duplicate_key": Category("CG-REC-DUPLICATE-KEY", _H, "payment id appears more than once"),
    "double_charge": Category("CG-REC-DOUBLE-CHARGE", _C, "two succeeded payments under one idempotency key"),
    "tolerance_cap": Category("CG-REC-TOLERANCE-CAP", _H, "within-tolerance differences exceed their cap"),
    "illegal_transition": Category("CG-REPLAY-ILLEGAL-TRANSITION", _H, "state change the machine forbids"),
    "unmapped_event_type": Category("CG-REPLAY-UNMAPPED-TYPE", _M, "event type unknown to the state machine"),
    "money_invariant": Category("CG-REPLAY-MONEY-INVARIANT", _C, "amounts or currency break an invariant"),
    "duplicate_conflict": Category("CG-REPLAY-DUPLICATE-CONFLICT", _C, "one event id with different payloads"),
    "bad_input": Category("CG-REPLAY-BAD-INPUT", _H, "input row that could not be read"),
    "projector_output": Category("CG-REPLAY-PROJECTOR-OUTPUT", _H, "projector returned an unknown state"),
    "geo_currency": Category("CG-GEO-CURRENCY", _H, "currency not allowed in the payment's country"),
    "geo_residency": Category("CG-GEO-RESIDENCY", _H, "processed in a region the country's residency forbids"),
}
