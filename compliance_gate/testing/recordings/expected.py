"""What a correct replay of a generated recording must find: the `Expected` value.

`Expected` lists every planted fault (its kind, the payment a finding must name, the canonical
category and the side it is on), the payments involved in some fault, the number of clean
payments, and per currency the control totals a correct replay computes. It is also written as
`expected.json` beside the recording; `Expected.load` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True, slots=True)
class Fault:
    """One planted fault. A correct replay reports `category` for `payment_id` (other findings on
    the same payment are tolerated); `related` are the other payments it involves (the first
    payment of a double charge), which are not clean but need no finding of their own."""

    kind: str
    payment_id: str
    category: str
    side: str  # "report", "settlement" or "events"
    detail: str
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """Control totals of the replayed payments of one currency, in integer minor units.
    `amount` is the reported amount (PaymentIntent `amount`, AUTHORISATION value, `amount_minor`);
    `disputed` is the money held by open or lost disputes (0 for Debezium, where a dispute is a
    status)."""

    currency: str
    payments: int
    amount: int
    captured: int
    refunded: int
    disputed: int


@dataclass(frozen=True, slots=True)
class Expected:
    provider: str
    seed: int
    events: str  # file names, relative to the output folder
    report: str
    settlement: str | None
    as_of: str  # the reporting snapshot's time, ISO 8601 UTC
    events_written: int  # lines in the events file (redeliveries and tombstones included)
    payments: int  # payments in the events (deleted CDC rows excluded)
    clean_payments: int  # payments in the events involved in no fault
    faults: tuple[Fault, ...]
    totals: tuple[CurrencyTotals, ...]
    noise: tuple[tuple[str, int], ...]  # realistic noise planted, by kind: all of it clean

    @classmethod
    def of_run(
        cls,
        provider: str,
        *,
        seed: int,
        events: str,
        settlement: str | None,
        as_of: str,
        events_written: int,
        payments: int,
        faults: Sequence[Fault],
        totals: tuple[CurrencyTotals, ...],
        noise: Mapping[str, int],
    ) -> Expected:
        """The value a generator ends with; `clean_payments` is derived from the faults (a report
        row without events, `missing_in_events`, is no payment of the events)."""
        missing = {f.payment_id for f in faults if f.kind == "missing_in_events"}
        involved = {p for f in faults for p in (f.payment_id, *f.related)} - missing
        return cls(
            provider=provider,
            seed=seed,
            events=events,
            report="report.csv",
            settlement=settlement,
            as_of=as_of,
            events_written=events_written,
            payments=payments,
            clean_payments=payments - len(involved),
            faults=tuple(faults),
            totals=totals,
            noise=tuple(sorted(noise.items())),
        )

    def by_category(self) -> dict[str, set[str]]:
        """Category -> the payment ids a finding of that category must name."""
        out: dict[str, set[str]] = {}
        for f in self.faults:
            out.setdefault(f.category, set()).add(f.payment_id)
        return out

    def involved(self) -> frozenset[str]:
        """Every payment id a fault touches: any finding outside this set is a false positive."""
        return frozenset(p for f in self.faults for p in (f.payment_id, *f.related))

    def noise_count(self, kind: str) -> int:
        return dict(self.noise).get(kind, 0)

    def totals_by_currency(self) -> dict[str, CurrencyTotals]:
        return {t.currency: t for t in self.totals}

    def to_json(self) -> bytes:
        return orjson.dumps(_plain(self), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)

    def write(self, out_dir: Path) -> Path:
        path = out_dir / "expected.json"
        path.write_bytes(self.to_json() + b"\n")
        return path

    @classmethod
    def load(cls, path: Path) -> Expected:
        data = orjson.loads(path.read_bytes())
        return cls(
            provider=data["provider"],
            seed=int(data["seed"]),
            events=data["events"],
            report=data["report"],
            settlement=data["settlement"],
            as_of=data["as_of"],
            events_written=int(data["events_written"]),
            payments=int(data["payments"]),
            clean_payments=int(data["clean_payments"]),
            faults=tuple(Fault(**{**f, "related": tuple(f["related"])}) for f in data["faults"]),
            totals=tuple(CurrencyTotals(**t) for t in data["totals"]),
            noise=tuple((str(k), int(v)) for k, v in data["noise"]),
        )


def _plain(e: Expected) -> Mapping[str, object]:
    return {
        "provider": e.provider,
        "seed": e.seed,
        "events": e.events,
        "report": e.report,
        "settlement": e.settlement,
        "as_of": e.as_of,
        "events_written": e.events_written,
        "payments": e.payments,
        "clean_payments": e.clean_payments,
        "faults": [
            {
                "kind": f.kind,
                "payment_id": f.payment_id,
                "category": f.category,
                "side": f.side,
                "detail": f.detail,
                "related": list(f.related),
            }
            for f in e.faults
        ],
        "totals": [
            {
                "currency": t.currency,
                "payments": t.payments,
                "amount": t.amount,
                "captured": t.captured,
                "refunded": t.refunded,
                "disputed": t.disputed,
            }
            for t in e.totals
        ],
        "noise": [list(kv) for kv in e.noise],
    }
