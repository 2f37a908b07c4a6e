"""Fold one payment's events, in replay order, through the machine: the reference semantics.

The unit of work is one payment: its events arrive sorted and de-duplicated as `Event` tuples
(`code` from `StateMachine.codes`, the status the event shows as a state index, the five money
fields in minor units, the money movement's `ref`, a currency index and the input line). The
fold keeps the state and the money and notes, per event, what went wrong:

- with `status: rank`, an event whose target rank is lower than the current state's is *stale*
  (a late delivery): ignored, with its money, and counted;
- a move that the transitions do not allow is an *illegal transition*: reported, not applied;
  so is a first state that is not an entry state (that one is applied: it is the first we know);
- a refused event (`on_failure: refuse`) changes nothing; a delete removes the payment;
- money invariants: amounts are not negative, captured <= authorized (or requested),
  refunded + disputed <= captured, and the currency never changes. The legacy `amount:` form
  checks them after each event; `amounts:` checks them on the payment's final money.

`setfold` computes the same result in SQL for payments whose events are regular; a payment it
is not sure about comes here. Issue 16's engines feed this one function batches of a payment's
events in order, on DuckDB or on Spark executors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

from compliance_gate.replay.fold.machine import (
    ADD,
    CLEAR,
    CUMULATIVE,
    IMAGE,
    SET,
    SUBTRACT,
    Derived,
    StateMachine,
)

NO_AMOUNT = -(2**63)
REQUESTED, AUTHORIZED, CAPTURED, REFUNDED, DISPUTED = 1, 2, 3, 4, 5

Event: TypeAlias = tuple[int, int, int, int, int, int, int, "str | None", int, int]
"""(code, state shown or -1, requested, authorized, captured, refunded, disputed, ref, currency
index or -1, line); a missing amount is NO_AMOUNT."""


@dataclass(slots=True)
class Folded:
    """The replayed state of one payment (mutable while folding, internal to the replay)."""

    state: int = -1
    amount: int = 0
    authorized: int = -1
    captured: int = 0
    refunded: int = 0
    disputed: int = 0
    currency: int = -1
    stale: int = 0
    refused: int = 0
    deleted: bool = False
    last_line: int = 0
    issues: list[tuple[str, int, str]] = field(default_factory=list)
    transitions: list[tuple[int, int, int]] = field(default_factory=list)


def legacy_event(code: int, amount: int, currency: int, line: int) -> Event:
    """An event of the legacy one-amount shape."""
    return (code, -1, amount, amount, amount, amount, amount, None, currency, line)


def fold_payment(events: Sequence[Event], machine: StateMachine, record: bool = False) -> Folded:
    """Fold `events`; `record` keeps the applied transitions (for the audit-log cross-check)."""
    f = Folded()
    ranks, allowed, states, effects = machine.ranks, machine.allowed, machine.states, machine.effects
    money: dict[tuple[int, str | None], int] = {}
    broken = False
    for code, shown, req, auth, cap, refd, dis, ref, cur, line in events:
        eff = effects[code]
        if eff.refused:
            f.refused += 1
            continue
        if eff.delete:
            f = Folded(stale=f.stale, refused=f.refused, deleted=True, last_line=line, issues=f.issues)
            money.clear()
            broken = False
            continue
        f.deleted = False
        target = shown if eff.state == IMAGE else eff.state
        if target >= 0 and target != f.state:
            if f.state < 0:
                if target not in machine.entry and not eff.entry:
                    f.issues.append(("illegal_transition", line, f"(start) -> {states[target]}"))
            elif not machine.latest and ranks[target] < ranks[f.state]:
                f.stale += 1
                continue
            elif target not in allowed[f.state]:
                f.issues.append(("illegal_transition", line, f"{states[f.state]} -> {states[target]}"))
                continue
            if record:
                f.transitions.append((f.state, target, line))
            f.state = target
        f.last_line = line
        if cur >= 0:
            if f.currency < 0:
                f.currency = cur
            elif cur != f.currency and not broken:
                broken = True
                f.issues.append(("money_invariant", line, "currency changed within the payment"))
        if broken:
            continue
        amounts = (req, auth, cap, refd, dis)
        problem = (
            _legacy(f, eff.legacy, amounts[eff.legacy - 1]) if eff.legacy else _modes(money, eff.modes, amounts, ref)
        )
        if problem:
            broken = True
            f.issues.append(("money_invariant", line, problem))
    if not machine.legacy_money and not f.deleted:
        _totals(f, money)
        if not broken:
            problem = _invariants(f)
            if problem:
                f.issues.append(("money_invariant", f.last_line, problem))
    if machine.derived and f.state >= 0:
        f.state = derive(machine.derived, f)
    return f


def derive(rules: Sequence[Derived], f: Folded) -> int:
    """The state after the machine's `derived` rules (the first that applies)."""
    values = {
        "requested": f.amount,
        "authorized": f.authorized,
        "captured": f.captured,
        "refunded": f.refunded,
        "disputed": f.disputed,
    }
    for rule in rules:
        if f.state not in rule.sources:
            continue
        a = values[rule.field]
        b = values[rule.other] if rule.other in values else int(rule.other)
        hit = {"==": a == b, "!=": a != b, ">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}[rule.op]
        if hit:
            return rule.state
    return f.state


def _modes(
    money: dict[tuple[int, str | None], int], modes: tuple[int, ...], amounts: tuple[int, ...], ref: str | None
) -> str | None:
    for k, mode in enumerate(modes):
        if not mode:
            continue
        key = (k, ref)
        if mode == CLEAR:
            money[key] = 0
            continue
        value = amounts[k]
        if value == NO_AMOUNT:
            continue
        if value < 0:
            return "negative amount"
        if mode == SET:
            money[key] = value
        elif mode == ADD:
            money[key] = money.get(key, 0) + value
        elif mode == SUBTRACT:
            money[key] = money.get(key, 0) - value
        elif mode == CUMULATIVE:
            money[key] = max(money.get(key, 0), value)
    return None


def _totals(f: Folded, money: dict[tuple[int, str | None], int]) -> None:
    sums = [0, 0, 0, 0, 0]
    has_auth = False
    for (k, _), v in money.items():
        sums[k] += v
        has_auth |= k == AUTHORIZED - 1
    f.amount, f.captured, f.refunded, f.disputed = sums[0], sums[2], sums[3], sums[4]
    f.authorized = sums[1] if has_auth else -1


def _invariants(f: Folded) -> str | None:
    if min(f.amount, f.captured, f.refunded, f.disputed) < 0 or (f.authorized < -1):
        return "a money total is negative"
    return _exceeds(f)


def _exceeds(f: Folded) -> str | None:
    """Money out of order: more captured than authorized, or more refunded and disputed than captured."""
    cap = f.authorized if f.authorized >= 0 else f.amount
    if f.captured > cap:
        return f"captured {f.captured} exceeds authorized {cap} (minor units)"
    if f.refunded + f.disputed > f.captured:
        return f"refunded and disputed {f.refunded + f.disputed} exceed captured {f.captured} (minor units)"
    return None


def _legacy(f: Folded, kind: int, amount: int) -> str | None:
    has = amount != NO_AMOUNT
    if has and amount < 0:
        return "negative amount"
    if kind == REQUESTED:
        if has:
            f.amount = amount
    elif kind == AUTHORIZED:
        f.authorized = amount if has else f.amount
        if not f.amount:
            f.amount = f.authorized
    elif kind == CAPTURED:
        f.captured += amount if has else (f.authorized if f.authorized >= 0 else f.amount)
        if not f.amount:
            f.amount = f.captured
    elif kind == REFUNDED:
        f.refunded += amount if has else 0
    elif kind == DISPUTED:
        f.disputed += amount if has else 0
    return _exceeds(f)
