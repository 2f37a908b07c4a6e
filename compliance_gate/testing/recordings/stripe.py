"""A Stripe recording: webhook Events, the company's payments table, the payout reconciliation.

`generate(out_dir, payments=N, seed=S, faults={kind: n}, kcat=False, gzip=False)` writes
`events.jsonl[.gz]` (one Event per line as delivered, or `kcat -C -J` envelopes keyed by the
PaymentIntent id), `report.csv` (`payment_id,status,amount,currency,refunded`: the PaymentIntent
id, its status in Stripe's vocabulary, `amount`, lower-case currency, refunded minor units),
`settlement.csv` (the itemized payout reconciliation report) and `expected.json`.

Each payment is one PaymentIntent on one flow (weights in `FLOWS`); successful ones may then be
refunded, disputed or touched (`charge.updated`). The faults a caller can plant are `FAULTS`.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import orjson

from compliance_gate.testing.recordings import stripe_objects as so
from compliance_gate.testing.recordings import stripe_settlement, stripe_tiles
from compliance_gate.testing.recordings.common import (
    Currency,
    Totals,
    Window,
    b62,
    draw_amount,
    iso_utc,
    new_rng,
    num,
    pick_currency,
    plan_faults,
    sub,
)
from compliance_gate.testing.recordings.expected import Expected, Fault
from compliance_gate.testing.recordings.sink import EventSink
from compliance_gate.testing.recordings.stripe_flows import Movement, StripePayment
from compliance_gate.testing.recordings.stripe_scenarios import FLOWS, extras, pick_flow, run_flow
from compliance_gate.testing.recordings.webhooks import Rates, deliveries

__all__ = ["CURRENCIES", "FAULTS", "FLOWS", "REPORT_COLUMNS", "SETTLEMENT_COLUMNS", "generate"]

CURRENCIES = (
    Currency("usd", 2, 50, 100, 60000),
    Currency("eur", 2, 20, 100, 60000),
    Currency("gbp", 2, 10, 100, 50000),
    Currency("jpy", 0, 12, 100, 80000),
    Currency("kwd", 3, 8, 1000, 200000, step=10),  # Stripe takes 3-decimal amounts in multiples of 10
)
FAULTS = {
    "report_behind": "report_behind",
    "report_ahead": "report_ahead",
    "contradiction": "contradiction",
    "missing_refund": "amount_under",
    "amount_under": "amount_under",
    "amount_over": "amount_over",
    "settlement_amount": "amount_under",  # or amount_over, drawn per fault
    "settlement_missing": "missing_in_settlement",
    "double_charge": "double_charge",
    "missing_in_report": "missing_in_report",
    "missing_in_events": "missing_in_events",
    "duplicate_conflict": "duplicate_conflict",
}
SETTLEMENT_COLUMNS = stripe_settlement.COLUMNS
REPORT_COLUMNS = ("payment_id", "status", "amount", "currency", "refunded")
_FORCED = {
    "report_behind": "card",
    "report_ahead": "manual_pending",
    "contradiction": "card",
    "missing_refund": "card",
    "amount_under": "card",
    "amount_over": "card",
    "settlement_amount": "card",
    "settlement_missing": "card",
    "double_charge_first": "card",
    "double_charge": "card",
    "missing_in_report": "card",
    "duplicate_conflict": "card",
}


def generate(
    out_dir: Path,
    *,
    payments: int = 1000,
    seed: int = 7,
    faults: Mapping[str, int] | None = None,
    kcat: bool = False,
    gzip: bool = False,
    partitions: int = 3,
    rates: Rates = Rates(),  # noqa: B008 - a frozen value
    tile: int | None = None,
) -> Expected:
    """Write a Stripe recording of `payments` PaymentIntents under `out_dir`; return what a
    correct replay must find. `tile=T` (for benchmarks): generate T payments and repeat them with
    new ids, later in time, up to about `payments` (see `stripe_tiles`); faults are planted once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if tile is None or payments <= tile:
        return _Recording(out_dir, payments, seed, dict(faults or {}), kcat, gzip, partitions, rates).run()
    base_dir = out_dir / ".base-tile"
    base_dir.mkdir(exist_ok=True)
    rec = _Recording(
        base_dir, tile, seed, dict(faults or {}), kcat, False, partitions, rates, stripe_tiles.window(tile)
    )
    expected = rec.run()
    base = stripe_tiles.Base(base_dir, expected, rec.ids.tag, rec.clean_totals.freeze(), rec.fault_noise)
    result = stripe_tiles.replicate(base, out_dir, max(1, round(payments / tile)), gzip)
    shutil.rmtree(base_dir)
    return result


class _Recording:
    def __init__(
        self,
        out: Path,
        payments: int,
        seed: int,
        faults: dict[str, int],
        kcat: bool,
        gzipped: bool,
        partitions: int,
        rates: Rates,
        window: Window | None = None,
    ) -> None:
        self.out, self.payments, self.seed, self.faults_wanted = out, payments, seed, faults
        self.rng = new_rng(seed)
        self.ids = so.Ids(self.rng)
        self.plan = plan_faults(self.rng, payments, faults, FAULTS, "stripe")
        self.window = window or Window.around_dst(payments, gap=3.0)
        self.rates = rates
        self.events_name = "events.jsonl.gz" if gzipped else "events.jsonl"
        self.sink = EventSink(
            out / self.events_name, gzipped=gzipped, kcat=kcat, topic="stripe.webhooks", partitions=partitions
        )
        self.settle = stripe_settlement.PayoutReport(out / "settlement.csv", self.ids)
        self._report_fh = open(out / "report.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in run()
        self.report = csv.writer(self._report_fh, lineterminator="\n")
        self.report.writerow(REPORT_COLUMNS)
        self.noise: Counter[str] = Counter()
        self.totals = Totals()
        self.clean_totals = Totals()
        self.fault_noise: Counter[str] = Counter()
        self.found: list[Fault] = []
        self.in_events = 0
        self.first_of_pair: StripePayment | None = None
        self.cards: list[so.Method] = []

    def run(self) -> Expected:
        for i in range(self.payments):
            start = self.window.start(i) + self.rng.uniform(0, self.window.gap)
            self.sink.advance(start)
            self.settle.sink.advance(start)
            kind = self.plan.get(i, "")
            if kind:
                before = Counter(self.noise)
                self._one(i, start, kind)
                self.fault_noise.update(self.noise - before)
            else:
                self._one(i, start, kind)
        for n in range(self.faults_wanted.get("missing_in_events", 0)):
            pid = self.ids.obj("pi")
            self.report.writerow((pid, "succeeded", 4200, "usd", 0))
            self.found.append(
                Fault("missing_in_events", pid, "missing_in_events", "report", f"report row {n + 1} has no events")
            )
        written = self.sink.close()
        self.settle.close()
        self._report_fh.close()
        expected = Expected.of_run(
            "stripe",
            seed=self.seed,
            events=self.events_name,
            settlement="settlement.csv",
            as_of=iso_utc(self.window.as_of),
            events_written=written,
            payments=self.in_events,
            faults=self.found,
            totals=self.totals.freeze(),
            noise=self.noise,
        )
        expected.write(self.out)
        return expected

    # -- one payment ---------------------------------------------------------------------
    def _one(self, i: int, start: float, kind: str) -> None:
        rng = self.rng
        cur = pick_currency(rng, CURRENCIES)
        flow = _FORCED.get(kind) or pick_flow(rng)
        if flow.startswith("async") and cur.code not in ("eur", "usd"):
            flow = "card"
        method = so.bank_debit(self.ids, cur.code) if flow.startswith("async") else self._card(flow)
        order = f"ord_{b62(rng, 6)}{self.ids.tag}"  # the account tag: ids stay unique when tiled
        key = f"{order}:create"
        pid = self.ids.obj("pi")
        if kind == "double_charge" and self.first_of_pair is not None:
            first = self.first_of_pair
            key, cur = first.key, next(c for c in CURRENCIES if c.code == first.currency)
            while pid <= first.pid:  # the duplicate sorts after the original, as a replay reports it
                pid = self.ids.obj("pi")
        amount = self.first_of_pair.amount if kind == "double_charge" and self.first_of_pair else draw_amount(rng, cur)
        p = StripePayment(self.ids, start, self.window.limit(bool(kind)), amount, cur.code, method, key)
        p.create(pid, manual=flow.startswith("manual"))
        run_flow(p, flow, self.noise)
        if not kind and p.status == "succeeded" and p.method.kind == "card":
            extras(p, self.noise)
        self.noise[f"flow:{flow}"] += 1
        self._fault(kind, p)
        self._deliver(p, kind)
        if kind == "double_charge_first":
            self.first_of_pair = p

    def _card(self, flow: str) -> so.Method:
        """A new card, or (for returning customers) one seen before: a pool of up to 4096."""
        pool = self.cards
        if len(pool) >= 256 and self.rng.random() < 0.6:
            m = pool[int(self.rng.random() * len(pool))]
            if flow.startswith("three_ds"):
                m = so.Method(
                    m.kind,
                    m.pm,
                    {**m.details, "three_d_secure": so.three_ds_result(self.rng)},
                    m.brand,
                    m.funding,
                    m.country,
                )
            return m
        m = so.card(self.ids, flow.startswith("three_ds"))
        if len(pool) < 4096:
            pool.append(m)
        return m

    def _fault(self, kind: str, p: StripePayment) -> None:
        """Record the fault; the report row and settlement rows follow from it."""
        status, amount, refunded = p.status, p.amount, p.refunded
        moves = p.moves
        category = FAULTS.get(kind, "")
        side, detail = "report", ""
        related: tuple[str, ...] = ()
        if kind == "report_behind":
            status, detail = "processing", "succeeded, reported processing"
        elif kind == "report_ahead":
            status, detail = "succeeded", "requires_capture, reported succeeded"
        elif kind == "contradiction":
            status, detail = "canceled", "succeeded, reported canceled"
        elif kind == "missing_refund":
            step = 10 if p.currency == "kwd" else 1
            p.refund(max(step, p.amount // 3 // step * step), "succeeded")
            moves, refunded = p.moves, 0
            detail = f"refunded {p.refunded}, reported 0"
        elif kind in ("amount_under", "amount_over"):
            delta = max(1, amount // 10)
            amount += -delta if kind == "amount_under" else delta
            detail = f"amount {p.amount}, reported {amount}"
        elif kind == "settlement_amount":
            delta = max(10, p.amount // 20)
            delta = delta if self.rng.random() < 0.5 else -delta
            category = "amount_under" if delta > 0 else "amount_over"
            m = moves[0]
            moves = [
                Movement(m.created, m.category, m.gross - delta, m.fee, m.txn, m.source, m.description),
                *moves[1:],
            ]
            side, detail = "settlement", f"captured {p.captured}, charge row gross {p.captured - delta}"
        elif kind == "settlement_missing":
            moves, side, detail = [], "settlement", "no balance transaction rows"
        elif kind == "double_charge" and self.first_of_pair is not None:
            side, related = "events", (self.first_of_pair.pid,)
            detail = f"second succeeded PaymentIntent under creation key of {self.first_of_pair.pid}"
        elif kind == "duplicate_conflict":
            side, detail = "events", "one event id recorded with two payloads"
        elif kind == "missing_in_report":
            detail = "no report row"
        if category:
            self.found.append(Fault(kind, p.pid, category, side, detail, related))
        if kind != "missing_in_report":
            self.report.writerow((p.pid, status, amount, p.currency, refunded))
        for m in moves:
            self.settle.row(p, m)
        self.in_events += 1
        self.totals.add(p.currency, p.amount, p.captured, p.refunded, p.disputed)
        if not kind:
            self.clean_totals.add(p.currency, p.amount, p.captured, p.refunded, p.disputed)

    def _deliver(self, p: StripePayment, kind: str) -> None:
        events = p.events
        if kind == "duplicate_conflict":
            t, e = next((t, e) for t, e in events if e["type"] == "charge.succeeded")
            data = sub(e, "data")
            obj = {**sub(data, "object"), "metadata": {"order_id": p.order, "retry": "1"}}
            clash = {**e, "data": {**data, "object": obj}, "pending_webhooks": num(e, "pending_webhooks") + 1}
            events = [*events, (t, clash)]
        created = [t for t, _ in events]
        times, again = deliveries(self.rng, created, self.noise, self.rates)
        push = self.sink.push
        for (_, e), when in zip(events, times, strict=True):
            push(when, orjson.dumps(e), p.pid)
        for k, when in again:
            e = events[k][1]
            # Stripe recomputes pending_webhooks for each delivery attempt
            push(when, orjson.dumps({**e, "pending_webhooks": max(0, num(e, "pending_webhooks") - 1)}), p.pid)
