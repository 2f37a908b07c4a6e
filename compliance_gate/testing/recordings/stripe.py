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
import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from compliance_gate.testing.recordings import stripe_objects as so
from compliance_gate.testing.recordings.common import (
    Currency,
    Picker,
    Totals,
    Window,
    b62,
    draw_amount,
    iso_utc,
    major,
    new_rng,
    pick_currency,
    plan_faults,
)
from compliance_gate.testing.recordings.expected import Expected, Fault
from compliance_gate.testing.recordings.sink import EventSink, RowSink
from compliance_gate.testing.recordings.stripe_flows import Movement, StripePayment
from compliance_gate.testing.recordings.webhooks import Rates, deliveries

CURRENCIES = (
    Currency("usd", 2, 50, 100, 60000),
    Currency("eur", 2, 20, 100, 60000),
    Currency("gbp", 2, 10, 100, 50000),
    Currency("jpy", 0, 12, 100, 80000),
    Currency("kwd", 3, 8, 1000, 200000, step=10),  # Stripe takes 3-decimal amounts in multiples of 10
)
FLOWS = {
    "card": 52.0,
    "three_ds": 8.0,
    "decline_then_success": 5.0,
    "decline_abandoned": 3.0,
    "abandoned": 4.0,
    "canceled_abandoned": 2.0,
    "three_ds_abandoned": 1.5,
    "three_ds_canceled": 0.5,
    "manual_capture": 7.0,
    "manual_void": 2.0,
    "manual_pending": 1.0,
    "async_success": 3.0,
    "async_failed": 1.0,
    "async_processing": 1.0,
}
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
SETTLEMENT_COLUMNS = (
    "automatic_payout_id",
    "automatic_payout_effective_at_utc",
    "balance_transaction_id",
    "created_utc",
    "available_on_utc",
    "currency",
    "gross",
    "fee",
    "net",
    "reporting_category",
    "source_id",
    "description",
    "customer_facing_amount",
    "customer_facing_currency",
    "charge_id",
    "payment_intent_id",
    "charge_created_utc",
    "payment_method_type",
    "card_brand",
    "card_funding",
    "card_country",
    "dispute_reason",
)
_PICK_FLOW = Picker(FLOWS)
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
_EXP = {c.code: c.exponent for c in CURRENCIES}
_RADAR_FEE = {"usd": 5, "eur": 5, "gbp": 5, "jpy": 7, "kwd": 20}  # per screened charge, minor units


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
) -> Expected:
    """Write a Stripe recording of `payments` PaymentIntents under `out_dir`; return what a
    correct replay must find."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rec = _Recording(out_dir, payments, seed, dict(faults or {}), kcat, gzip, partitions, rates)
    return rec.run()


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
    ) -> None:
        self.out, self.payments, self.seed, self.faults_wanted = out, payments, seed, faults
        self.rng = new_rng(seed)
        self.ids = so.Ids(self.rng)
        self.plan = plan_faults(self.rng, payments, faults, FAULTS, "stripe")
        self.window = Window.around_dst(payments, gap=3.0)
        self.rates = rates
        self.events_name = "events.jsonl.gz" if gzipped else "events.jsonl"
        self.sink = EventSink(
            out / self.events_name, gzipped=gzipped, kcat=kcat, topic="stripe.webhooks", partitions=partitions
        )
        self.settle = RowSink(out / "settlement.csv", SETTLEMENT_COLUMNS)
        self._report_fh = open(out / "report.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in run()
        self.report = csv.writer(self._report_fh, lineterminator="\n")
        self.report.writerow(REPORT_COLUMNS)
        self.noise: Counter[str] = Counter()
        self.totals = Totals()
        self.found: list[Fault] = []
        self.payouts: dict[tuple[str, str], list[Any]] = {}
        self.in_events = 0
        self.first_of_pair: StripePayment | None = None
        self.cards: list[so.Method] = []

    def run(self) -> Expected:
        for i in range(self.payments):
            start = self.window.start(i) + self.rng.uniform(0, self.window.gap)
            self.sink.advance(start)
            self.settle.advance(start)
            self._one(i, start, self.plan.get(i, ""))
        for n in range(self.faults_wanted.get("missing_in_events", 0)):
            pid = self.ids.obj("pi")
            self.report.writerow((pid, "succeeded", 4200, "usd", 0))
            self.found.append(
                Fault("missing_in_events", pid, "missing_in_events", "report", f"report row {n + 1} has no events")
            )
        self._payout_rows()
        written = self.sink.close()
        self.settle.close()
        self._report_fh.close()
        involved = {p for f in self.found for p in (f.payment_id, *f.related)} - self._missing_ids()
        expected = Expected(
            provider="stripe",
            seed=self.seed,
            events=self.events_name,
            report="report.csv",
            settlement="settlement.csv",
            as_of=iso_utc(self.window.as_of),
            events_written=written,
            payments=self.in_events,
            clean_payments=self.in_events - len(involved),
            faults=tuple(self.found),
            totals=self.totals.freeze(),
            noise=tuple(sorted(self.noise.items())),
        )
        expected.write(self.out)
        return expected

    def _missing_ids(self) -> set[str]:
        return {f.payment_id for f in self.found if f.kind == "missing_in_events"}

    # -- one payment ---------------------------------------------------------------------
    def _one(self, i: int, start: float, kind: str) -> None:
        rng = self.rng
        cur = pick_currency(rng, CURRENCIES)
        flow = _FORCED.get(kind) or _PICK_FLOW(rng)
        if flow.startswith("async") and cur.code not in ("eur", "usd"):
            flow = "card"
        method = so.bank_debit(self.ids, cur.code) if flow.startswith("async") else self._card(flow)
        order = f"ord_{b62(rng, 12)}"
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
        _run_flow(p, flow, self.noise)
        if not kind and p.status == "succeeded" and p.method.kind == "card":
            _extras(p, self.noise)
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
            self._settlement_row(p, m)
        self.in_events += 1
        self.totals.add(p.currency, p.amount, p.captured, p.refunded, p.disputed)

    def _deliver(self, p: StripePayment, kind: str) -> None:
        events = p.events
        if kind == "duplicate_conflict":
            t, e = next((t, e) for t, e in events if e["type"] == "charge.succeeded")
            obj = {**e["data"]["object"], "metadata": {"order_id": p.order, "retry": "1"}}
            clash = {**e, "data": {**e["data"], "object": obj}, "pending_webhooks": e["pending_webhooks"] + 1}
            events = [*events, (t, clash)]
        created = [t for t, _ in events]
        times, again = deliveries(self.rng, created, self.noise, self.rates)
        push = self.sink.push
        for (_, e), when in zip(events, times, strict=True):
            push(when, orjson.dumps(e), p.pid)
        for k, when in again:
            e = events[k][1]
            # Stripe recomputes pending_webhooks for each delivery attempt
            push(when, orjson.dumps({**e, "pending_webhooks": max(0, e["pending_webhooks"] - 1)}), p.pid)

    # -- settlement ----------------------------------------------------------------------
    def _settlement_row(self, p: StripePayment, m: Movement) -> None:
        exp = _EXP[p.currency]
        available = _stamp(m.created + 2 * 86400)[:10]
        payout = self._payout(p.currency, available, m.gross - m.fee, m.category == "charge")
        card = p.method.kind == "card"
        row = (
            payout,
            f"{available} 00:00:00",
            m.txn,
            _stamp(m.created),
            f"{available} 00:00:00",
            p.currency,
            major(m.gross, exp),
            major(m.fee, exp),
            major(m.gross - m.fee, exp),
            m.category,
            m.source,
            m.description,
            major(abs(m.gross), exp),
            p.currency,
            p.ch["id"],
            p.pid,
            _stamp(p.ch["created"]),
            p.method.kind,
            p.method.brand if card else "",
            p.method.funding if card else "",
            p.method.country,
            m.dispute_reason,
        )
        self.settle.push(m.created, row)

    def _payout(self, currency: str, day: str, net: int, screened: bool) -> str:
        entry = self.payouts.get((currency, day))
        if entry is None:
            entry = self.payouts[(currency, day)] = [self.ids.obj("po", "1"), 0, 0]
        entry[1] += net
        entry[2] += screened
        return str(entry[0])

    def _payout_rows(self) -> None:
        """Per payout, a Radar fee row (no PaymentIntent) and the payout itself (no PaymentIntent)."""
        for (currency, day), (po, net, count) in sorted(self.payouts.items()):
            exp = _EXP[currency]
            radar = count * _RADAR_FEE[currency]
            when = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() - 86400 - 1
            charged = dt.date.fromisoformat(day) - dt.timedelta(days=2)
            for cat, gross, source, text in (
                ("fee", -radar, self.ids.obj("txn"), f"Radar ({charged}): Radar for Fraud Teams"),
                ("payout", -(net - radar), po, "STRIPE PAYOUT"),
            ):
                row = (
                    po,
                    f"{day} 00:00:00",
                    self.ids.obj("txn"),
                    _stamp(int(when)),
                    f"{day} 00:00:00",
                    currency,
                    major(gross, exp),
                    major(0, exp),
                    major(gross, exp),
                    cat,
                    source,
                    text,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                )
                self.settle.push(when, row)


_DAYS: dict[int, str] = {}


def _stamp(t: int) -> str:
    day, second = divmod(int(t), 86400)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = dt.datetime.fromtimestamp(day * 86400, dt.UTC).strftime("%Y-%m-%d")
    hours, rest = divmod(second, 3600)
    return f"{text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _run_flow(p: StripePayment, flow: str, noise: Counter[str]) -> None:
    rng = p.rng
    if flow == "card":
        p.succeed()
    elif flow == "three_ds":
        p.require_action()
        p.succeed(after_action=True)
    elif flow == "decline_then_success":
        p.decline(rng.choice(("insufficient_funds", "do_not_honor", "generic_decline")))
        if rng.random() < 0.3:
            p.decline("card_velocity_exceeded")
        p.method = so.card(p.ids, False)
        p.succeed()
    elif flow == "decline_abandoned":
        p.decline()
    elif flow == "canceled_abandoned":
        p.cancel("abandoned")
    elif flow.startswith("three_ds_"):
        p.require_action()
        if flow == "three_ds_canceled":
            p.cancel("abandoned")
    elif flow.startswith("manual"):
        p.authorize()
        if flow == "manual_capture":
            p.capture()
        elif flow == "manual_void":
            p.void()
    elif flow.startswith("async"):
        p.process()
        if flow != "async_processing":
            p.settle_async(flow == "async_success")


def _extras(p: StripePayment, noise: Counter[str]) -> None:
    """After a card payment succeeded: refunds, disputes, a charge update (all clean noise)."""
    rng, step = p.rng, 10 if p.currency == "kwd" else 1
    r = rng.random()
    if r < 0.07:
        p.refund(max(step, p.amount // 2 // step * step), "succeeded")
        noise["refund_partial"] += 1
    elif r < 0.11:
        p.refund(p.amount, "succeeded")
        noise["refund_full"] += 1
    elif r < 0.125:
        third = max(step, p.amount // 3 // step * step)
        p.refund(third, "succeeded")
        p.refund(third, "pending")
        noise["refund_two_partials"] += 1
    elif r < 0.145:
        p.refund(p.amount, "pending")
        noise["refund_pending_then_succeeded"] += 1
    elif r < 0.155:
        p.refund(p.amount, "failed")
        noise["refund_failed"] += 1
    elif r < 0.182:
        fate = rng.choice(("won", "won", "lost", "lost", "open", "inquiry"))
        p.dispute(fate)
        noise[f"dispute_{fate}"] += 1
    if rng.random() < 0.04:
        p.touch_charge()
        noise["charge_updated"] += 1
