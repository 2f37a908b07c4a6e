"""Compare one replayed payment with its report row (and settlement row); keep the totals.

Every unit of money that differs between the replay and the other side is attributed to exactly
one bucket (a category, in-flight, or within-tolerance) of a per-currency bridge. The totals of
both sides are summed independently, so `residual = (replay - other) - sum(explained)` is a real
check that nothing went unexplained; it must be 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TypeAlias

from compliance_gate.replay.fold.machine import StateMachine
from compliance_gate.replay.fold.payment import Folded
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.reconcile.geo import GeoChecker

Replayed: TypeAlias = tuple[str, int, int, int, str]
"""(state, amount, captured, refunded, currency) of a replayed payment, as a break shows it."""
Counterpart: TypeAlias = tuple[str | None, int | None, str | None, int | None]
"""(status, amount, currency, line) of the report or settlement row a break is about."""


@dataclass(frozen=True, slots=True)
class Side:
    """A report or settlement row as the reconciler sees it."""

    status: str | None
    currency: str | None
    amount: int | None
    refunded: int | None
    disputed: int | None
    precision_problem: bool
    line: int
    copies: int


@dataclass(frozen=True, slots=True)
class Break:
    category: str
    side: str
    payment_id: str
    currency: str
    amount: int
    detail: str
    line: int | None = None
    replay: Replayed | None = None
    other: Counterpart | None = None


@dataclass(slots=True)
class Bridge:
    """Per currency: the amounts explained by each bucket (replay minus the other side)."""

    explained: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, currency: str, bucket: str, delta: int) -> None:
        if delta:
            self.explained[currency][bucket] += delta


LAGGING = frozenset({"report_behind", "missing_in_report", "missing_in_settlement"})
"""Differences a report or settlement that has not caught up yet would show (for a payment
still in flight): the report behind, a row not written yet, money not settled yet, a refund or
dispute not reported yet. A report ahead of the events, a contradiction, a report amount
higher than replayed, another currency or an impossible amount never come from lag."""


def _lag_bucket(side: str, bucket: str) -> bool:
    return side == "settlement" or bucket in LAGGING


def _lagging(b: Break) -> bool:
    if b.side == "settlement" or b.category in LAGGING:
        return True
    return b.category == "amount_under" and b.detail.startswith(("refunded:", "disputed:"))


class Reconciler:
    def __init__(self, machine: StateMachine, opts: ReplayOptions, cutoff_us: int, geo: GeoChecker) -> None:
        self.m = machine
        self.opts = opts
        self.cutoff = cutoff_us
        self.geo = geo
        self.settled_statuses = {s.lower() for s in opts.settlement.settled_statuses}
        self.breaks: list[Break] = []
        self.in_flight: Counter[str] = Counter()
        self.within_tolerance: Counter[str] = Counter()
        self.within_tolerance_count: Counter[str] = Counter()
        # per currency: [payments, amount, captured, refunded, disputed]; per (currency, state): [count, amount]
        self.replay: dict[str, list[int]] = {}
        self.by_state: dict[tuple[str, str], list[int]] = {}
        self.bridges = {"report": Bridge(), "settlement": Bridge()}

    def add_clean(self, currency: str, state: str, n: int, money: tuple[int, int, int, int]) -> None:
        """Count `n` payments of one currency and state with these summed (amount, captured, refunded,
        disputed) into the replay totals: all a clean payment contributes."""
        t = self.replay.get(currency)
        if t is None:
            t = self.replay[currency] = [0, 0, 0, 0, 0]
        t[0] += n
        for i, value in enumerate(money, start=1):
            t[i] += value
        s = self.by_state.get((currency, state))
        if s is None:
            s = self.by_state[(currency, state)] = [0, 0]
        s[0] += n
        s[1] += money[0]

    def payment(
        self,
        pid: str,
        f: Folded,
        currency: str,
        last_ts: int,
        report: Side | None,
        settlement: Side | None,
        geo: tuple[str | None, str | None, str | None],
    ) -> None:
        """Reconcile a payment that has events (`f`) with its report and settlement rows."""
        if f.deleted:
            self.deleted(pid, f, currency, report, settlement)
            return
        state = self.m.states[f.state] if f.state >= 0 else "(none)"
        self.add_clean(currency, state, 1, (f.amount, f.captured, f.refunded, f.disputed))
        replay = (state, f.amount, f.captured, f.refunded, currency)
        in_flight = last_ts > self.cutoff
        for category, detail in self.geo.violations(geo[0], geo[1], currency, geo[2]):
            self.breaks.append(Break(category, "events", pid, currency, f.amount, detail, f.last_line, replay))
        pending: list[Break] = []
        deltas: list[tuple[str, str, str, int]] = []
        self._compare(pid, f, state, currency, report, "report", f.amount, replay, pending, deltas)
        if self.opts.settlement.configured:
            self._compare(pid, f, state, currency, settlement, "settlement", f.captured, replay, pending, deltas)
        if in_flight:
            excused = [b for b in pending if _lagging(b)]
            if excused:
                self.in_flight[currency] += 1
                pending = [b for b in pending if not _lagging(b)]
                deltas = [(side, cur, "in_flight" if _lag_bucket(side, b) else b, d) for side, cur, b, d in deltas]
        self.breaks.extend(pending)
        for side, cur, bucket, d in deltas:
            self.bridges[side].add(cur, bucket, d)

    def _compare(
        self,
        pid: str,
        f: Folded,
        state: str,
        currency: str,
        row: Side | None,
        side: str,
        mine: int,
        replay: Replayed,
        out: list[Break],
        deltas: list[tuple[str, str, str, int]],
    ) -> None:
        def brk(category: str, amount: int, detail: str, other: Counterpart | None = None) -> None:
            out.append(Break(category, side, pid, currency, abs(amount), detail, f.last_line, replay, other))

        if row is None:
            if side == "report":
                brk("missing_in_report", mine, f"replayed as {state}, absent from the report")
                deltas.append((side, currency, "missing_in_report", mine))
            elif self.m.needs_settlement(f.state, f.captured):
                brk("missing_in_settlement", mine, f"replayed as {state}, absent from the settlement file")
                deltas.append((side, currency, "missing_in_settlement", mine))
            return
        other = (row.status, row.amount, row.currency, row.line)
        if row.copies > 1:
            brk("duplicate_key", mine, f"payment id appears {row.copies} times in the {side}", other)
        status_break = self._status(state, f.state, row, side)
        if status_break:
            brk(status_break[0], mine, status_break[1], other)
        if row.precision_problem:
            brk("precision_error", mine, f"{side} amount is not representable in {row.currency}", other)
            deltas.append((side, currency, "precision_error", mine))
        elif row.currency != currency:
            brk("currency_mismatch", mine, f"replayed {currency}, {side} {row.currency}", other)
            deltas.append((side, currency, "currency_mismatch", mine))
            deltas.append((side, row.currency or "", "currency_mismatch", -(row.amount or 0)))
        else:
            d = mine - (row.amount or 0)
            if d:
                tol = self.opts.tolerances.get(currency, self.opts.tolerances.get("*", 0))
                if abs(d) <= tol:
                    self.within_tolerance[currency] += abs(d)
                    self.within_tolerance_count[currency] += 1
                    deltas.append((side, currency, "within_tolerance", d))
                else:
                    cat = "amount_under" if d > 0 else "amount_over"
                    brk(cat, d, f"replayed {mine}, {side} {row.amount} (minor units)", other)
                    deltas.append((side, currency, cat, d))
        for what, replayed, theirs in (("refunded", f.refunded, row.refunded), ("disputed", f.disputed, row.disputed)):
            if theirs is not None and theirs != replayed and row.currency == currency:
                cat = "amount_under" if replayed > theirs else "amount_over"
                brk(cat, replayed - theirs, f"{what}: replayed {replayed}, {side} {theirs}", other)

    def _status(self, state: str, idx: int, row: Side, side: str) -> tuple[str, str] | None:
        if idx < 0:
            return None  # no state event at all: the fold already reported why
        if side == "settlement":
            if row.status is None:  # a ledger: no status to compare
                return None
            settled = row.status.lower() in self.settled_statuses
            if settled == (idx in self.m.settled):
                return None
            return "contradiction", f"settlement says {row.status}, replayed as {state}"
        reported = self.m.reported(row.status)
        if reported is None:
            return "contradiction", "report status is not in the state machine's reporting map"
        category = self.m.classify(reported, idx)
        if category is None:
            return None
        return category, f"report says {row.status}, replayed as {state}"

    def deleted(self, pid: str, f: Folded, currency: str, report: Side | None, settlement: Side | None) -> None:
        """A payment whose row was deleted (a CDC delete): it must be absent from the report."""
        for side, row in (("report", report), ("settlement", settlement)):
            if row is None:
                continue
            other = (row.status, row.amount, row.currency, row.line)
            detail = f"deleted in the recorded events, but in the {side} as {row.status}"
            self.breaks.append(
                Break(
                    "missing_in_events",
                    side,
                    pid,
                    row.currency or currency,
                    abs(row.amount or 0),
                    detail,
                    f.last_line,
                    None,
                    other,
                )
            )
            self.bridges[side].add(row.currency or "", "missing_in_events", -(row.amount or 0))

    def orphan(self, pid: str, row: Side, side: str) -> None:
        """A report or settlement row with no recorded events."""
        other = (row.status, row.amount, row.currency, row.line)
        cur = row.currency or ""
        self.breaks.append(
            Break(
                "missing_in_events",
                side,
                pid,
                cur,
                abs(row.amount or 0),
                f"in the {side} as {row.status}, no recorded events",
                None,
                None,
                other,
            )
        )
        self.bridges[side].add(cur, "missing_in_events", -(row.amount or 0))
