"""Completeness against replayed transitions: missing, mismatched and orphan records."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_gate.auditlog.completeness import cross_check
from compliance_gate.auditlog.verify import StateRecord


@dataclass(frozen=True)
class T:
    payment_id: str
    event_id: str
    from_state: str | None
    to_state: str
    source: str


TRANSITIONS = [
    T("pay_1", "evt_1", None, "created", "events.jsonl:1"),
    T("pay_1", "evt_2", "created", "authorized", "events.jsonl:2"),
    T("pay_1", "evt_3", "authorized", "succeeded", "events.jsonl:3"),
    T("pay_2", "evt_4", None, "created", "events.jsonl:4"),
]


def test_complete_log_has_no_problems() -> None:
    """One matching record per transition gives nothing."""
    records = {
        t.event_id: StateRecord(t.payment_id, t.from_state, t.to_state, f"audit.jsonl:{i}")
        for i, t in enumerate(TRANSITIONS, 1)
    }
    assert list(cross_check(TRANSITIONS, records)) == []


def test_missing_mismatched_and_orphan_records() -> None:
    """Each discrepancy is one finding located at the event or at the audit record."""
    records = {
        "evt_1": StateRecord("pay_1", None, "created", "audit.jsonl:1"),
        "evt_2": StateRecord("pay_1", "created", "captured", "audit.jsonl:2"),
        "evt_4": StateRecord("pay_9", None, "created", "audit.jsonl:3"),
        "evt_7": StateRecord("pay_3", "authorized", "refunded", "audit.jsonl:4"),
    }
    got = sorted((p.rule, p.path, p.line) for p in cross_check(TRANSITIONS, records))
    assert got == [
        ("CG-AUDIT-MISSING-RECORD", "events.jsonl", 3),
        ("CG-AUDIT-ORPHAN-RECORD", "audit.jsonl", 4),
        ("CG-AUDIT-STATE-MISMATCH", "audit.jsonl", 2),
        ("CG-AUDIT-STATE-MISMATCH", "audit.jsonl", 3),
    ]
