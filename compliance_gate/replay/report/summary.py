"""The replay check's summary: events, categories and per-currency totals with their bridges.

`to_metrics()` is the `metrics` object of the replay check in `verdict.json` (its keys are
documented in `compliance_gate/checks/replay.py`); `from_metrics()` reads it back. Amounts are
integers in minor units. For a renderer, `reconciliation()` lists each currency's bridges; metrics
of another shape (a verdict from another version: `totals`, `per_currency`, `control_totals`, or
currencies without bridges) are still shown as plain named amounts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from compliance_gate.model import JSONObject, JSONValue
from compliance_gate.summary import TOTALS_KEYS, Bridge, ChainStatus, CurrencyTotals, integer, mapping, text

EVENT_COUNTS = ("payments", "redeliveries", "stale_ignored", "events_rejected", "geo_unknown", "deleted")


@dataclass(frozen=True, slots=True)
class StatusTotal:
    count: int
    amount: int

    def to_json(self) -> dict[str, JSONValue]:
        return {"count": self.count, "amount": self.amount}


def _ints(value: JSONValue) -> dict[str, int]:
    return {str(k): integer(v) for k, v in mapping(value).items()}


def _by_status(value: JSONValue) -> dict[str, StatusTotal]:
    return {
        str(k): StatusTotal(integer(mapping(v).get("count")), integer(mapping(v).get("amount")))
        for k, v in mapping(value).items()
    }


@dataclass(frozen=True, slots=True)
class ReplayTotals:
    """The replayed payments of one currency."""

    payments: int = 0
    amount: int = 0
    captured: int = 0
    refunded: int = 0
    disputed: int = 0
    gross: int = 0
    """captured + refunded + disputed"""
    net: int = 0
    """captured - refunded - disputed"""
    by_status: Mapping[str, StatusTotal] = field(default_factory=dict)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "payments": self.payments,
            "amount": self.amount,
            "captured": self.captured,
            "refunded": self.refunded,
            "disputed": self.disputed,
            "gross": self.gross,
            "net": self.net,
            "by_status": {s: t.to_json() for s, t in self.by_status.items()},
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> ReplayTotals:
        d = mapping(value)
        payments, amount, captured, refunded, disputed, gross, net = (
            integer(d.get(k)) for k in ("payments", "amount", "captured", "refunded", "disputed", "gross", "net")
        )
        return cls(payments, amount, captured, refunded, disputed, gross, net, _by_status(d.get("by_status")))


@dataclass(frozen=True, slots=True)
class SideTotals:
    """The report's or the settlement's rows of one currency."""

    rows: int = 0
    net: int = 0
    gross: int = 0
    by_status: Mapping[str, StatusTotal] = field(default_factory=dict)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "rows": self.rows,
            "net": self.net,
            "gross": self.gross,
            "by_status": {s: t.to_json() for s, t in self.by_status.items()},
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> SideTotals:
        d = mapping(value)
        return cls(
            integer(d.get("rows")), integer(d.get("net")), integer(d.get("gross")), _by_status(d.get("by_status"))
        )


@dataclass(frozen=True, slots=True)
class BridgeTotals:
    """Replayed amount against one side's net: the difference, explained by break category, and
    the residual (which must be 0: anything else is money unaccounted for)."""

    replay: int
    other: int
    difference: int
    explained: Mapping[str, int]
    residual: int

    def to_json(self, side: str) -> dict[str, JSONValue]:
        return {
            "replay": self.replay,
            side: self.other,
            "difference": self.difference,
            "explained": dict(self.explained),
            "residual": self.residual,
        }

    @classmethod
    def from_json(cls, side: str, value: JSONValue) -> BridgeTotals:
        d = mapping(value)
        explained = {str(k): integer(v) for k, v in mapping(d.get("explained")).items()}
        return cls(integer(d.get("replay")), integer(d.get(side)), integer(d.get("difference")), explained,
                   integer(d.get("residual")))  # fmt: skip


@dataclass(frozen=True, slots=True)
class CurrencySummary:
    exponent: int | None
    replay: ReplayTotals
    bridges: Mapping[str, BridgeTotals]
    sides: Mapping[str, SideTotals]
    """`report` and `settlement`, in that (sorted) order."""

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "exponent": self.exponent,
            "replay": self.replay.to_json(),
            "bridge": {side: b.to_json(side) for side, b in self.bridges.items()},
        }
        out.update({side: t.to_json() for side, t in self.sides.items()})
        return out

    @classmethod
    def from_json(cls, value: JSONValue) -> CurrencySummary:
        d = mapping(value)
        exponent = d.get("exponent")
        sides = {k: SideTotals.from_json(v) for k, v in d.items() if k in ("report", "settlement")}
        bridges = {
            str(k): BridgeTotals.from_json(str(k), v)
            for k, v in mapping(d.get("bridge")).items()
            if isinstance(v, Mapping)
        }
        known = exponent if isinstance(exponent, int) and not isinstance(exponent, bool) else None
        return cls(known, ReplayTotals.from_json(d.get("replay")), bridges, sides)

    def totals(self, currency: str) -> CurrencyTotals:
        bridges: list[Bridge] = []
        values: list[tuple[str, float | int]] = []
        for side in sorted(self.bridges):
            b = self.bridges[side]
            bridges.append(Bridge(side, b.replay, b.other, b.difference, sum(b.explained.values()), b.residual))
            values += [(f"replay vs {side}", b.replay), (side, b.other)]
        return CurrencyTotals(currency, tuple(values), self.exponent, tuple(bridges))


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """The replay check's metrics, typed (shape documented in `compliance_gate/checks/replay.py`)."""

    version: int = 1
    as_of: str = ""
    as_of_source: str = ""
    """Where `as_of` came from: given (policy or --as-of), a report column, the report file's time,
    or the last event."""
    in_flight_after: str = ""
    events: Mapping[str, int] = field(default_factory=dict)
    categories: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    in_flight: Mapping[str, int] = field(default_factory=dict)
    within_tolerance: Mapping[str, StatusTotal] = field(default_factory=dict)
    currencies: Mapping[str, CurrencySummary] = field(default_factory=dict)
    breaks_total: int = 0
    breaks: tuple[JSONObject, ...] = ()
    """The first `max_breaks` breaks, as the findings' properties describe them."""
    foreign: tuple[CurrencyTotals, ...] | None = field(default=None, compare=False)
    """Per-currency amounts of metrics in another shape, as found (None for our own shape)."""

    def to_metrics(self) -> dict[str, JSONValue]:
        return {
            "version": self.version,
            "as_of": self.as_of,
            "as_of_source": self.as_of_source,
            "in_flight_after": self.in_flight_after,
            "events": dict(self.events),
            "categories": {c: dict(v) for c, v in self.categories.items()},
            "in_flight": dict(self.in_flight),
            "within_tolerance": {c: t.to_json() for c, t in self.within_tolerance.items()},
            "currencies": {c: s.to_json() for c, s in self.currencies.items()},
            "breaks_total": self.breaks_total,
            "breaks": [dict(b) for b in self.breaks],
        }

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> ReplaySummary:
        currencies = {str(k): CurrencySummary.from_json(v) for k, v in mapping(metrics.get("currencies")).items()}
        ours = tuple(currencies[c].totals(c) for c in sorted(currencies))
        found = _totals_of_any_shape(metrics)
        breaks = metrics.get("breaks")
        return cls(
            version=integer(metrics.get("version")) or 1,
            as_of=text(metrics.get("as_of")),
            as_of_source=text(metrics.get("as_of_source")),
            in_flight_after=text(metrics.get("in_flight_after")),
            events=_ints(metrics.get("events")),
            categories={str(c): _ints(v) for c, v in mapping(metrics.get("categories")).items()},
            in_flight=_ints(metrics.get("in_flight")),
            within_tolerance=_by_status(metrics.get("within_tolerance")),
            currencies=currencies,
            breaks_total=integer(metrics.get("breaks_total")),
            breaks=tuple(mapping(b) for b in breaks) if isinstance(breaks, list) else (),
            foreign=None if found == ours else found,
        )

    def reconciliation(self) -> tuple[CurrencyTotals, ...]:
        if self.foreign is not None:
            return self.foreign
        return tuple(self.currencies[c].totals(c) for c in sorted(self.currencies))

    def chain(self) -> ChainStatus | None:
        return None


def _totals_of_any_shape(metrics: JSONObject) -> tuple[CurrencyTotals, ...]:
    """Per-currency totals under the first of `TOTALS_KEYS` that has any: bridged where a
    currency has a `bridge`, else its numbers as named amounts."""
    for key in TOTALS_KEYS:
        table = metrics.get(key)
        if not isinstance(table, Mapping):
            continue
        out: list[CurrencyTotals] = []
        for currency in sorted(table, key=str):
            data = table[currency]
            if isinstance(data, Mapping) and isinstance(data.get("bridge"), Mapping):
                out.append(CurrencySummary.from_json(data).totals(str(currency)))
            elif values := tuple(_numbers(data)):
                out.append(CurrencyTotals(str(currency), values))
        if out:
            return tuple(out)
    return ()


def _numbers(value: JSONValue, prefix: str = "") -> list[tuple[str, float | int]]:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return [(prefix or "value", value)]
    if isinstance(value, str) and prefix and value.lstrip("-").isdigit():
        return [(prefix, int(value))]  # amounts in minor units may travel as strings (exactness)
    if isinstance(value, Mapping):
        out: list[tuple[str, float | int]] = []
        for key in sorted(value, key=str):
            out.extend(_numbers(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    return []
