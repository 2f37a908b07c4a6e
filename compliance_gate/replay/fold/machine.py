"""The payment state machine as data, compiled into integer tables for a fast fold.

A machine (`policies/state-machines/*.yaml`) names:

- `states` with ranks, `initial` (and `entry`: the states a payment may start in), `terminal`,
  the allowed `transitions`, and `settled` (states that must appear in a settlement file);
- `status`: `rank` (an event aiming at a lower rank than the payment's is a stale, late delivery:
  ignored and counted) or `latest` (events apply in order; a move the transitions do not allow
  is an illegal transition; providers such as Stripe legitimately move back, e.g. a declined
  payment returns to `requires_payment_method`);
- `events`: what each event type does. `state: S` moves the payment to S, `state: from_event`
  takes the status the event itself shows (a CDC row image, a Stripe PaymentIntent), mapped
  through `status_values` (default: the state names); `entry: true` lets it start a payment in
  any state (a snapshot row, an insert). Money: either the legacy `amount: <kind>` (the event's
  one amount sets `requested`/`authorized` or adds to `captured`/`refunded`/`disputed`) or
  `amounts: {kind: mode}` with modes `set` (the latest value), `clear` (back to 0), `add`,
  `subtract` and `cumulative` (a running total: the largest value seen); `set`, `clear` and
  `cumulative` are kept per money movement (the event's `ref`: one refund, one dispute) and
  summed. `on_failure` (the event's success flag is false): a state (the legacy form), `refuse`
  (a refusal: neither state nor money changes) or `{state, amounts}`. `delete: true` removes
  the payment (a CDC delete);
- `ignore`: event types that are known and change nothing;
- `derived`: after the fold, `{state: S, from: [states], when: "refunded > 0"}` (Adyen reports a
  captured payment with money refunded as Refunded);
- `reporting`: the reporting system's vocabulary -> the states each status stands for (matched
  without regard to case), and `double_charge: settled | captured` (what two payments under one
  idempotency key must both have reached to be a double charge).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compliance_gate.errors import InputError

AMOUNT_KINDS = ("", "requested", "authorized", "captured", "refunded", "disputed")
"""Legacy `amount:` kinds; kind k (1..5) is money field k - 1 of `KINDS`."""
KINDS = AMOUNT_KINDS[1:]
IMAGE = -2
SET, CLEAR, ADD, SUBTRACT, CUMULATIVE = 1, 2, 3, 4, 5
MODES = {"set": SET, "clear": CLEAR, "add": ADD, "subtract": SUBTRACT, "cumulative": CUMULATIVE}
FAMILY = {SET: 1, CLEAR: 1, ADD: 2, SUBTRACT: 2, CUMULATIVE: 3}
"""Modes that combine within one money movement: last value, sum, running maximum."""
NO_MODES: tuple[int, ...] = (0, 0, 0, 0, 0)
_WHEN = re.compile(r"\s*(amount|requested|authorized|captured|refunded|disputed)\s*(==|!=|>=|<=|>|<)\s*(\S+)\s*")


@dataclass(frozen=True, slots=True)
class EventEffect:
    state: int = -1  # -1: no state change; IMAGE: the event's own status
    legacy: int = 0  # legacy `amount:` kind (index into AMOUNT_KINDS); 0: none
    modes: tuple[int, ...] = NO_MODES  # per money field of KINDS: 0 or a mode
    entry: bool = False
    delete: bool = False
    refused: bool = False


@dataclass(frozen=True, slots=True)
class Derived:
    state: int
    sources: frozenset[int]
    field: str
    op: str
    other: str  # a field name or an integer


@dataclass(frozen=True, slots=True)
class StateMachine:
    name: str
    states: tuple[str, ...]
    ranks: tuple[int, ...]
    initial: int
    entry: frozenset[int]
    terminal: frozenset[int]
    allowed: tuple[frozenset[int], ...]
    latest: bool
    codes: Mapping[str, tuple[int, int]]
    """event type -> (code on success, code on failure); codes index `effects`"""
    effects: tuple[EventEffect, ...]
    status_values: Mapping[str, int]
    """an event's status value (lower case) -> state, for `state: from_event`"""
    derived: tuple[Derived, ...]
    reporting: Mapping[str, frozenset[int]]
    """reporting status (lower case) -> the states it stands for"""
    settled: frozenset[int]
    double_charge: str
    legacy_money: bool
    digest: str

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(sorted(self.codes))

    def index(self, state: str) -> int:
        return self.states.index(state)

    def reported(self, status: str | None) -> frozenset[int] | None:
        return self.reporting.get((status or "").lower())

    def classify(self, reported: frozenset[int], state: int) -> str | None:
        """None if `state` is among `reported`; else report_behind, report_ahead or contradiction."""
        if state in reported:
            return None
        ranks = [self.ranks[s] for s in reported]
        if max(ranks) < self.ranks[state]:
            return "report_behind"
        if min(ranks) > self.ranks[state]:
            return "report_ahead"
        return "contradiction"

    def needs_settlement(self, state: int, captured: int) -> bool:
        """Whether a replayed payment must appear in the settlement file."""
        return captured > 0 and (not self.settled or state in self.settled)

    def charged(self, state: int, captured: int) -> bool:
        """Whether a payment counts towards a double charge under its idempotency key."""
        return captured > 0 if self.double_charge == "captured" else state in self.settled


def load_machine(path: Path, overrides: Mapping[str, object] | None = None, display: str = "") -> StateMachine:
    """Read and check a state machine file (with the policy's overrides merged over it); raise
    `InputError` naming the problem."""
    name = display or path.name
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{name}: cannot read the state machine ({type(exc).__name__})") from None
    if overrides:
        data = merge(data if isinstance(data, dict) else {}, overrides)
    digest = hashlib.sha256(raw + repr(sorted(_flat(overrides or {}))).encode()).hexdigest()
    try:
        return _compile(data, digest)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{name}: invalid state machine: {exc}") from None


def merge(base: Mapping[str, object], over: Mapping[str, object]) -> dict[str, object]:
    """`over` deep-merged onto `base`: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in over.items():
        old = out.get(k)
        out[k] = merge(old, v) if isinstance(old, Mapping) and isinstance(v, Mapping) else v
    return out


def _flat(data: Mapping[str, object], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in data.items():
        if isinstance(v, Mapping):
            out += _flat(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", repr(v)))
    return out


Index = Callable[[object], int]
"""A state's name -> its index (raises ValueError for an unknown state)."""


def _compile(data: Any, digest: str) -> StateMachine:
    states_map = dict(data["states"])
    states = tuple(str(s) for s in states_map)
    ranks = tuple(int(states_map[s]) for s in states)

    def idx(name: object) -> int:
        if name not in states:
            raise ValueError(f"unknown state {name!r}")
        return states.index(str(name))

    transitions = dict(data.get("transitions") or {})
    allowed = tuple(frozenset(idx(t) for t in transitions.get(s) or ()) for s in states)
    status_mode = str(data.get("status", "rank"))
    if status_mode not in ("rank", "latest"):
        raise ValueError(f"status: {status_mode!r} is not rank or latest")
    types = {str(t): dict(spec or {}) for t, spec in dict(data.get("events") or {}).items()}
    for t in data.get("ignore") or ():
        types.setdefault(str(t), {})
    codes: dict[str, tuple[int, int]] = {}
    effects: list[EventEffect] = []
    styles: set[str] = set()
    for i, etype in enumerate(sorted(types)):
        spec = types[etype]
        unknown = set(spec) - {"state", "amount", "amounts", "on_failure", "entry", "delete"}
        if unknown:
            raise ValueError(f"events.{etype}: unknown keys {sorted(unknown)}")
        ok = _effect(spec, idx, f"events.{etype}", styles)
        effects += [ok, _failure(spec.get("on_failure"), ok, idx, f"events.{etype}.on_failure", styles)]
        codes[etype] = (2 * i, 2 * i + 1)
    if len(styles) > 1:
        raise ValueError("events: use either `amount:` (one amount per event) or `amounts:`, not both")
    raw_values = data.get("status_values")
    status_values = (
        {str(k).lower(): idx(v) for k, v in dict(raw_values).items()}
        if raw_values
        else {s.lower(): i for i, s in enumerate(states)}
    )
    reporting = {str(k).lower(): frozenset(idx(s) for s in v) for k, v in dict(data.get("reporting") or {}).items()}
    if any(not v for v in reporting.values()):
        raise ValueError("every reporting status must name at least one state")
    double_charge = str(data.get("double_charge", "settled"))
    if double_charge not in ("settled", "captured"):
        raise ValueError(f"double_charge: {double_charge!r} is not settled or captured")
    initial = idx(data["initial"])
    return StateMachine(
        name=str(data.get("name", "payments")),
        states=states,
        ranks=ranks,
        initial=initial,
        entry=frozenset(idx(s) for s in data.get("entry") or [states[initial]]),
        terminal=frozenset(idx(s) for s in data.get("terminal") or ()),
        allowed=allowed,
        latest=status_mode == "latest",
        codes=codes,
        effects=tuple(effects),
        status_values=status_values,
        derived=tuple(_derived(d, idx) for d in data.get("derived") or ()),
        reporting=reporting,
        settled=frozenset(idx(s) for s in data.get("settled") or ()),
        double_charge=double_charge,
        legacy_money="amounts" not in styles,
        digest=digest,
    )


def _effect(spec: Mapping[str, object], idx: Index, where: str, styles: set[str]) -> EventEffect:
    state = spec.get("state")
    target = -1 if state is None else IMAGE if state == "from_event" else idx(state)
    legacy = 0
    modes = NO_MODES
    if spec.get("amount") not in (None, ""):
        amount = str(spec["amount"])
        if amount not in AMOUNT_KINDS:
            raise ValueError(f"{where}: unknown amount kind {amount!r}")
        legacy = AMOUNT_KINDS.index(amount)
        styles.add("amount")
    amounts = spec.get("amounts")
    if amounts:
        if not isinstance(amounts, Mapping):
            raise ValueError(f"{where}.amounts: a mapping of money field -> mode")
        modes = _modes(amounts, where)
        styles.add("amounts")
    return EventEffect(target, legacy, modes, bool(spec.get("entry")), bool(spec.get("delete")))


def _modes(amounts: Mapping[str, object], where: str) -> tuple[int, ...]:
    out = list(NO_MODES)
    for kind, mode in dict(amounts).items():
        if kind not in KINDS:
            raise ValueError(f"{where}.amounts: unknown money field {kind!r} (known: {', '.join(KINDS)})")
        if mode not in MODES:
            raise ValueError(f"{where}.amounts.{kind}: unknown mode {mode!r} (known: {', '.join(MODES)})")
        out[KINDS.index(kind)] = MODES[str(mode)]
    return tuple(out)


def _failure(spec: object, ok: EventEffect, idx: Index, where: str, styles: set[str]) -> EventEffect:
    if spec is None:
        return ok
    if spec == "refuse":
        return EventEffect(refused=True)
    if isinstance(spec, str):  # the legacy form: a state, and the event's amount is not used
        return EventEffect(idx(spec), 0, NO_MODES, ok.entry, ok.delete)
    if isinstance(spec, Mapping):
        return _effect({"entry": ok.entry, **spec}, idx, where, styles)
    raise ValueError(f"{where}: a state, `refuse`, or {{state, amounts}}")


def _derived(spec: Mapping[str, object], idx: Index) -> Derived:
    m = _WHEN.fullmatch(str(spec["when"]))
    if m is None:
        raise ValueError(f"derived: cannot read when: {spec['when']!r} (e.g. `refunded > 0`)")
    field, op, other = m.groups()
    if other not in (*KINDS, "amount") and not re.fullmatch(r"-?[0-9]+", other):
        raise ValueError(f"derived: {other!r} is neither a money field nor an integer")
    norm = {"amount": "requested"}
    sources = spec["from"]
    if not isinstance(sources, list):
        raise ValueError("derived: from: a list of states")
    return Derived(
        idx(spec["state"]),
        frozenset(idx(s) for s in sources),
        norm.get(field, field),
        op,
        norm.get(other, other),
    )
