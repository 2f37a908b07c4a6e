"""Fold one payment's events, in (partition, offset) or sequence order, through the machine.

The unit of work is one payment: its events arrive already sorted and de-duplicated, as
integers (`code` from `stage_events.event_codes`, amount in minor units, currency index, input
line). The fold keeps the state and the money fields and notes, per event, what went wrong:

- an event whose target rank is lower than the current state's is *stale* (a late delivery):
  ignored, with its money, and counted;
- a move that is neither allowed nor stale is an *illegal transition*: reported, not applied;
- an event type the machine does not know is *unmapped*: reported, skipped;
- money invariants: amounts are not negative, captured <= authorized (or requested),
  refunded + disputed <= captured, and the currency never changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from compliance_gate.replay.fold.machine import StateMachine

NO_AMOUNT = -(2**63)
REQUESTED, AUTHORIZED, CAPTURED, REFUNDED, DISPUTED = 1, 2, 3, 4, 5


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
    last_line: int = 0
    issues: list[tuple[str, int, str]] = field(default_factory=list)
    transitions: list[tuple[int, int, int]] = field(default_factory=list)


def fold_payment(
    events: Sequence[tuple[int, int, int, int]],
    machine: StateMachine,
    effects: Sequence[tuple[int, int]],
    record: bool = False,
) -> Folded:
    """Fold `(code, amount, currency index, line)` tuples; `record` keeps applied transitions."""
    f = Folded()
    ranks, allowed, states = machine.ranks, machine.allowed, machine.states
    invariant_broken = False
    for code, amount, cur, line in events:
        if code < 0:
            f.issues.append(("unmapped_event_type", line, "event type not in the state machine"))
            continue
        target, kind = effects[code]
        if target >= 0 and target != f.state:
            if f.state < 0:
                if target != machine.initial:
                    f.issues.append(("illegal_transition", line, f"(start) -> {states[target]}"))
            elif ranks[target] < ranks[f.state]:
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
            elif cur != f.currency and not invariant_broken:
                invariant_broken = True
                f.issues.append(("money_invariant", line, "currency changed within the payment"))
        if kind and not invariant_broken:
            problem = _apply(f, kind, amount)
            if problem:
                invariant_broken = True
                f.issues.append(("money_invariant", line, problem))
    return f


def _apply(f: Folded, kind: int, amount: int) -> str | None:
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
    cap = f.authorized if f.authorized >= 0 else f.amount
    if f.captured > cap:
        return f"captured {f.captured} exceeds authorized {cap} (minor units)"
    if f.refunded + f.disputed > f.captured:
        return f"refunded and disputed {f.refunded + f.disputed} exceed captured {f.captured} (minor units)"
    return None
