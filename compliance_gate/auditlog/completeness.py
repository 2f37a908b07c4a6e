"""Completeness: every replayed state change has its audit record, and nothing else does.

Pure: `cross_check(transitions, records)` compares what the replay derives from the recorded
payment events (`compliance_gate.replay.transitions.Transition`: payment_id, event_id,
from_state, to_state, source) with the audit log's `payment.state_change` records, indexed by
their `source_event_id`. It yields:

- `CG-AUDIT-MISSING-RECORD`: a transition with no audit record for its event;
- `CG-AUDIT-STATE-MISMATCH`: a record for the event whose payment or from/to status differ;
- `CG-AUDIT-ORPHAN-RECORD`: a state-change record no replayed transition explains.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from compliance_gate.auditlog.report import Problem, StateRecord
from compliance_gate.auditlog.safe import shown


class TransitionLike(Protocol):
    @property
    def payment_id(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def from_state(self) -> str | None: ...
    @property
    def to_state(self) -> str: ...
    @property
    def source(self) -> str: ...


def cross_check(transitions: Iterable[TransitionLike], records: Mapping[str, StateRecord]) -> Iterator[Problem]:
    """Compare transitions with state-change records; `records` maps source event id to record."""
    explained: set[str] = set()
    for t in transitions:
        pid, eid, to = shown(t.payment_id), shown(t.event_id), shown(t.to_state)
        frm = None if t.from_state is None else shown(t.from_state)
        rec = records.get(eid)
        if rec is None:
            path, line = _split(t.source)
            yield Problem(
                "CG-AUDIT-MISSING-RECORD",
                path,
                line,
                f"payment {pid} changed {frm or '(new)'} -> {to} on event {eid}, but no audit "
                "record points at that event",
                f"missing|{pid}|{eid}",
                None,
                {"event": t.source},
            )
            continue
        explained.add(eid)
        if (rec.payment_id, rec.from_status, rec.to_status) != (pid, frm, to):
            path, line = _split(rec.where)
            yield Problem(
                "CG-AUDIT-STATE-MISMATCH",
                path,
                line,
                f"audit record says payment {rec.payment_id} {rec.from_status or '(new)'} -> "
                f"{rec.to_status}, the replay of event {eid} ({t.source}) says payment "
                f"{pid} {frm or '(new)'} -> {to}",
                f"mismatch|{eid}",
                None,
                {"event": t.source},
            )
    for event_id, rec in records.items():
        if event_id not in explained:
            path, line = _split(rec.where)
            yield Problem(
                "CG-AUDIT-ORPHAN-RECORD",
                path,
                line,
                f"state-change record for payment {rec.payment_id} ({rec.from_status or '(new)'} -> "
                f"{rec.to_status}) names event {event_id}, which no recorded event explains",
                f"orphan|{event_id}",
            )


def _split(where: str) -> tuple[str, int | None]:
    path, _, line = where.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (where, None)
