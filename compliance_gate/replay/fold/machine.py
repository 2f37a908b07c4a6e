"""The payment state machine as data, compiled into integer tables for a fast fold.

The YAML (`policies/state-machines/payments.yaml` by default) names states with ranks, the
initial and terminal states, the allowed transitions, what each event type does (target state,
state on failure, which money field its amount feeds) and the reporting system's vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compliance_gate.errors import InputError

AMOUNT_KINDS = ("", "requested", "authorized", "captured", "refunded", "disputed")


@dataclass(frozen=True, slots=True)
class EventEffect:
    state: int  # -1: no state change
    on_failure: int  # -1: same as `state`
    amount: int  # index into AMOUNT_KINDS; 0: the amount is not used


@dataclass(frozen=True, slots=True)
class StateMachine:
    name: str
    states: tuple[str, ...]
    ranks: tuple[int, ...]
    initial: int
    terminal: frozenset[int]
    allowed: tuple[frozenset[int], ...]
    events: Mapping[str, EventEffect]
    reporting: Mapping[str, frozenset[int]]
    settled: frozenset[int]

    def index(self, state: str) -> int:
        return self.states.index(state)

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


def load_machine(path: Path) -> StateMachine:
    """Read and check a state machine file; raise `InputError` naming the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the state machine ({exc})") from None
    try:
        return _compile(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: invalid state machine: {exc}") from None


def _compile(data: Any) -> StateMachine:
    states_map = dict(data["states"])
    states = tuple(str(s) for s in states_map)
    ranks = tuple(int(states_map[s]) for s in states)

    def idx(name: object) -> int:
        if name not in states:
            raise ValueError(f"unknown state {name!r}")
        return states.index(str(name))

    transitions = dict(data.get("transitions") or {})
    allowed = tuple(frozenset(idx(t) for t in transitions.get(s) or ()) for s in states)
    events: dict[str, EventEffect] = {}
    for etype, spec in dict(data.get("events") or {}).items():
        spec = spec or {}
        amount = str(spec.get("amount", ""))
        if amount not in AMOUNT_KINDS:
            raise ValueError(f"event {etype}: unknown amount kind {amount!r}")
        events[str(etype)] = EventEffect(
            idx(spec["state"]) if "state" in spec else -1,
            idx(spec["on_failure"]) if "on_failure" in spec else -1,
            AMOUNT_KINDS.index(amount),
        )
    reporting = {str(k): frozenset(idx(s) for s in v) for k, v in dict(data.get("reporting") or {}).items()}
    if any(not v for v in reporting.values()):
        raise ValueError("every reporting status must name at least one state")
    return StateMachine(
        name=str(data.get("name", "payments")),
        states=states,
        ranks=ranks,
        initial=idx(data["initial"]),
        terminal=frozenset(idx(s) for s in data.get("terminal") or ()),
        allowed=allowed,
        events=events,
        reporting=reporting,
        settled=frozenset(idx(s) for s in data.get("settled") or ()),
    )
