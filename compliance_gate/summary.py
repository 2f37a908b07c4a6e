"""What a check reports beyond its findings, typed: the per-check summary.

A check's summary is a frozen dataclass the check owns (`ReplaySummary`, `AuditLogSummary`...).
Its serialized form is the `metrics` object of the check in `verdict.json`: `to_metrics()` writes
it, `from_metrics()` reads it back (from this run, or from a verdict file written earlier, which
`compliance-gate report` renders), so a summary must round-trip through its metrics.

Renderers never pick metrics apart or ask which check they look at: they ask a summary what it
has to show. `reconciliation()` gives money totals per currency (the replay check has them),
`chain()` gives the state of a hash chain (the audit-log check has one); a summary without such
a thing answers None. A summary that has rows to show (the deps check's vulnerable packages) is
also `Tabular`: its `tables()` are drawn by every report as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from compliance_gate.model import JSONObject, JSONValue

TOTALS_KEYS = ("totals", "currencies", "per_currency", "control_totals")
"""Where a summary that reconciles keeps its per-currency amounts in its metrics (its break
records go under `breaks`): reports draw these and do not repeat them as plain rows."""


@dataclass(frozen=True, slots=True)
class Bridge:
    """Replayed events against one counterpart (report or settlement) in one currency."""

    counterpart: str
    replay: int
    other: int
    difference: int
    explained: int
    residual: int


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """Named amounts of one currency, in minor units, and the bridges behind them."""

    currency: str
    values: tuple[tuple[str, float | int], ...]
    """Drawn as bars, in order (e.g. replay vs report, report, replay vs settlement...)."""
    exponent: int | None = None
    bridges: tuple[Bridge, ...] = ()


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """A hash chain as the check measured it: `intact`, `broken`, or "" (not reported)."""

    state: str
    completeness: str
    anchor: str = ""
    """What ties the chain to something the log's writer cannot redo: `checkpoint`, `key`, or
    `none` (unanchored: a re-sealed edit or a cut tail would look intact); "" if not reported."""


@dataclass(frozen=True, slots=True)
class Table:
    """Rows a summary asks reports to draw as they are: a title, column names, text cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@runtime_checkable
class Tabular(Protocol):
    """A summary with tables to show (optional: reports ask `isinstance(summary, Tabular)`)."""

    def tables(self) -> tuple[Table, ...]: ...


class Summary(Protocol):
    """A check's summary; see the module docstring."""

    def to_metrics(self) -> dict[str, JSONValue]: ...

    def reconciliation(self) -> tuple[CurrencyTotals, ...] | None: ...

    def chain(self) -> ChainStatus | None: ...


class SummaryReader(Protocol):
    """`from_metrics`: how a check's summary is read back from its metrics."""

    def __call__(self, metrics: JSONObject) -> Summary: ...


class Plain:
    """The defaults of a summary with nothing for a renderer to draw (mix into a dataclass)."""

    __slots__ = ()

    def reconciliation(self) -> tuple[CurrencyTotals, ...] | None:
        return None

    def chain(self) -> ChainStatus | None:
        return None


@dataclass(frozen=True, slots=True)
class NoSummary(Plain):
    """For checks that report findings and counts only (pii, sast)."""

    def to_metrics(self) -> dict[str, JSONValue]:
        return {}

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> NoSummary:
        return cls()


@dataclass(frozen=True, slots=True)
class OpaqueSummary(Plain):
    """The metrics of a check this gate does not know (a verdict from another version): shown as
    they are, interpreted not at all."""

    metrics: JSONObject

    def to_metrics(self) -> dict[str, JSONValue]:
        return dict(self.metrics)

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> OpaqueSummary:
        return cls(metrics)


def integer(value: JSONValue) -> int:
    """An integer from metrics: ints as they are, digit strings (exact amounts) parsed, else 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return 0


def mapping(value: JSONValue) -> JSONObject:
    """`value` if it is a JSON object, else an empty one (metrics of another shape or version)."""
    return value if isinstance(value, Mapping) else {}


def text(value: JSONValue) -> str:
    return value if isinstance(value, str) else ""
