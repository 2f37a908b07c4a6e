"""An Adyen recording: standard webhook bodies, the company's payments table, the settlement details report.

`generate(out_dir, payments=N, seed=S, faults={kind: n}, kcat=False, gzip=False)` writes
`events.jsonl[.gz]` (one webhook body `{"live":"false","notificationItems":[...]}` per line as
received, several items per body when they arrive together; or `kcat -C -J` envelopes with a
null key on one partition), `report.csv` (`payment_id,status,amount,currency,refunded`: the
AUTHORISATION's pspReference, Adyen's vocabulary `Refused|Cancelled|Refunded|Captured|
Authorised`, the AUTHORISATION's value, currency, net refunded minor units), `settlement.csv`
(the settlement details report, several batches, each closed by Fee and MerchantPayout rows)
and `expected.json`.

A "payment" index may produce two payments: a refusal or cancellation followed by a retry under
the same `merchantReference` with a new pspReference (both are in the report).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import orjson

from compliance_gate.testing.recordings.adyen_flows import AdyenPayment, Row, psp_reference
from compliance_gate.testing.recordings.common import (
    Currency,
    Picker,
    Totals,
    Window,
    cet_text,
    draw_amount,
    iso_utc,
    major,
    new_rng,
    pick_currency,
    plan_faults,
    sub,
    text,
)
from compliance_gate.testing.recordings.expected import Expected, Fault
from compliance_gate.testing.recordings.sink import EventSink, RowSink
from compliance_gate.testing.recordings.webhooks import Rates, deliveries

COMPANY, ACCOUNT = "ExampleCompany", "ExampleShopECOM"
CURRENCIES = (
    Currency("EUR", 2, 40, 100, 60000),
    Currency("USD", 2, 15, 100, 60000),
    Currency("GBP", 2, 10, 100, 50000),
    Currency("SEK", 2, 8, 1000, 500000),
    Currency("JPY", 0, 15, 100, 80000),
    Currency("KWD", 3, 7, 1000, 200000),
)
FLOWS = {
    "captured": 62.0,
    "captured_later": 8.0,
    "refused": 5.0,
    "refused_then_retry": 5.0,
    "cancelled": 2.0,
    "cancelled_then_retry": 1.5,
    "cancel_or_refund_cancel": 1.0,
    "authorised_only": 2.5,
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
    "Company Account",
    "Merchant Account",
    "Psp Reference",
    "Merchant Reference",
    "Payment Method",
    "Creation Date",
    "TimeZone",
    "Type",
    "Modification Reference",
    "Gross Currency",
    "Gross Debit (GC)",
    "Gross Credit (GC)",
    "Exchange Rate",
    "Net Currency",
    "Net Debit (NC)",
    "Net Credit (NC)",
    "Commission (NC)",
    "Markup (NC)",
    "Scheme Fees (NC)",
    "Interchange (NC)",
    "Payment Method Variant",
    "Modification Merchant Reference",
    "Batch Number",
    *(f"Reserved{n}" for n in range(4, 11)),
)
_PICK_FLOW = Picker(FLOWS)
REPORT_COLUMNS = ("payment_id", "status", "amount", "currency", "refunded")
_FORCED = {"report_ahead": "authorised_only", "contradiction": "refused"}
_EXP = {c.code: c.exponent for c in CURRENCIES}


def _body(items: list[bytes]) -> bytes:
    return b'{"live":"false","notificationItems":[' + b",".join(items) + b"]}"


def generate(
    out_dir: Path,
    *,
    payments: int = 1000,
    seed: int = 7,
    faults: Mapping[str, int] | None = None,
    kcat: bool = False,
    gzip: bool = False,
    rates: Rates = Rates(),  # noqa: B008 - a frozen value
) -> Expected:
    """Write an Adyen recording of `payments` payment attempts under `out_dir`; return what a
    correct replay must find."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return _Recording(out_dir, payments, seed, dict(faults or {}), kcat, gzip, rates).run()


class _Recording:
    def __init__(
        self, out: Path, payments: int, seed: int, faults: dict[str, int], kcat: bool, gzipped: bool, rates: Rates
    ) -> None:
        self.out, self.payments, self.seed, self.faults_wanted, self.rates = out, payments, seed, faults, rates
        self.rng = new_rng(seed)
        self.plan = plan_faults(self.rng, payments, faults, FAULTS, "adyen")
        self.window = Window.around_dst(payments, gap=3.0)
        self.events_name = "events.jsonl.gz" if gzipped else "events.jsonl"
        self.sink = EventSink(
            out / self.events_name,
            gzipped=gzipped,
            kcat=kcat,
            topic="adyen.notifications",
            partitions=1,
            group=(1.0, 3, _body),
        )
        self.settle = RowSink(out / "settlement.csv", SETTLEMENT_COLUMNS)
        self._report_fh = open(out / "report.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in run()
        self.report = csv.writer(self._report_fh, lineterminator="\n")
        self.report.writerow(REPORT_COLUMNS)
        self.noise: Counter[str] = Counter()
        self.totals = Totals()
        self.found: list[Fault] = []
        self.batches: dict[tuple[int, str], list[int]] = {}
        self.in_events = 0
        self.first_of_pair: AdyenPayment | None = None
        self.day0 = dt.datetime.fromtimestamp(self.window.t0, dt.UTC).date()

    def run(self) -> Expected:
        for i in range(self.payments):
            start = self.window.start(i) + self.rng.uniform(0, self.window.gap)
            self.sink.advance(start)
            self.settle.advance(start)
            self._one(start, self.plan.get(i, ""))
        for n in range(self.faults_wanted.get("missing_in_events", 0)):
            psp = psp_reference(self.rng)
            self.report.writerow((psp, "Captured", 4200, "EUR", 0))
            self.found.append(
                Fault("missing_in_events", psp, "missing_in_events", "report", f"report row {n + 1} has no events")
            )
        self._batch_rows()
        written = self.sink.close()
        self.noise["bodies_with_several_items"] = self.sink.grouped
        self.settle.close()
        self._report_fh.close()
        expected = Expected.of_run(
            "adyen",
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

    def _new(self, start: float, kind: str, cur: Currency, amount: int, mref: str) -> AdyenPayment:
        p = AdyenPayment(self.rng, start, self.window.limit(bool(kind)), amount, cur.code, mref, ACCOUNT)
        psp = psp_reference(self.rng)
        if kind == "double_charge" and self.first_of_pair is not None:
            while psp <= self.first_of_pair.psp:  # the duplicate sorts after the original
                psp = psp_reference(self.rng)
        p.psp = psp
        return p

    def _one(self, start: float, kind: str) -> None:
        rng = self.rng
        cur = pick_currency(rng, CURRENCIES)
        amount = draw_amount(rng, cur)
        mref = f"ORD-{rng.randrange(10**8):08d}"
        if kind == "double_charge" and self.first_of_pair is not None:
            first = self.first_of_pair
            cur, amount, mref = next(c for c in CURRENCIES if c.code == first.currency), first.amount, first.mref
        flow = _FORCED.get(kind, "captured") if kind else _PICK_FLOW(rng)
        self.noise[f"flow:{flow}"] += 1
        p = self._new(start, kind, cur, amount, mref)
        if flow in ("refused", "refused_then_retry"):
            p.authorise(p.psp, False)
        else:
            p.authorise(p.psp, True)
            if flow in ("captured", "captured_later"):
                p.capture((3600, 8 * 3600) if flow == "captured_later" else (1, 30))
            elif flow in ("cancelled", "cancelled_then_retry"):
                p.cancel()
            elif flow == "cancel_or_refund_cancel":
                p.cancel_or_refund("cancel")
        if not kind and p.status == "Captured":
            _extras(p, self.noise)
        self._finish(p, kind)
        if flow.endswith("_then_retry"):
            retry = self._new(p.t + rng.uniform(30, 900), "", cur, amount, mref)
            retry.authorise(retry.psp, True)
            retry.capture()
            self._finish(retry, "")
        if kind == "double_charge_first":
            self.first_of_pair = p

    def _finish(self, p: AdyenPayment, kind: str) -> None:
        status, amount, refunded, rows = p.status, p.amount, p.refunded, p.rows
        category = FAULTS.get(kind, "")
        side, detail = "report", ""
        related: tuple[str, ...] = ()
        if kind == "report_behind":
            status, detail = "Authorised", "Captured, reported Authorised"
        elif kind == "report_ahead":
            status, detail = "Captured", "Authorised, reported Captured"
        elif kind == "contradiction":
            status, detail = "Captured", "Refused, reported Captured"
        elif kind == "missing_refund":
            step = 10 if p.currency == "KWD" else 1
            p.refund(max(step, p.amount // 3 // step * step), "ok")
            status, rows, refunded = p.status, p.rows, 0
            detail = f"refunded {p.refunded}, reported Refunded with 0 refunded"
        elif kind in ("amount_under", "amount_over"):
            delta = max(1, amount // 10)
            amount += -delta if kind == "amount_under" else delta
            detail = f"amount {p.amount}, reported {amount}"
        elif kind == "settlement_amount":
            delta = max(10, p.amount // 20) * (1 if self.rng.random() < 0.5 else -1)
            category = "amount_under" if delta > 0 else "amount_over"
            r = rows[0]
            rows = [
                Row(
                    r.created,
                    r.type,
                    r.modification,
                    0,
                    r.credit - delta,
                    r.commission,
                    r.markup,
                    r.scheme,
                    r.interchange,
                ),
                *rows[1:],
            ]
            side, detail = "settlement", f"captured {p.captured}, Settled credit {p.captured - delta}"
        elif kind == "settlement_missing":
            rows, side, detail = [], "settlement", "no settlement rows"
        elif kind == "double_charge" and self.first_of_pair is not None:
            side, related = "events", (self.first_of_pair.psp,)
            detail = f"second captured payment under merchantReference {p.mref}"
        elif kind == "duplicate_conflict":
            side, detail = "events", "AUTHORISATION item recorded twice with different authCode"
        elif kind == "missing_in_report":
            detail = "no report row"
        if category:
            self.found.append(Fault(kind, p.psp, category, side, detail, related))
        if kind != "missing_in_report":
            self.report.writerow((p.psp, status, amount, p.currency, refunded))
        for r in rows:
            self._settlement_row(p, r)
        self.in_events += 1
        self.totals.add(p.currency, p.amount, p.captured, p.refunded, p.disputed)
        self._deliver(p, kind)

    def _deliver(self, p: AdyenPayment, kind: str) -> None:
        items = p.items
        if kind == "duplicate_conflict":
            t, auth = items[0]
            data = sub(auth, "additionalData")
            code = f"{(int(text(data, 'authCode')) + 1) % 10**6:06d}"
            clash = {**auth, "additionalData": {**data, "authCode": code}}
            clash["reason"] = f"{code}:{p.summary}:{p.expiry}"
            items = [*items, (t + 1, clash)]
        times, again = deliveries(self.rng, [t for t, _ in items], self.noise, self.rates)
        lines = [orjson.dumps({"NotificationRequestItem": it}) for _, it in items]
        for line, when in zip(lines, times, strict=True):
            self.sink.push(when, line, None)
        for k, when in again:
            self.sink.push(when, lines[k], None)  # Adyen redelivers the identical item

    def _settlement_row(self, p: AdyenPayment, r: Row) -> None:
        exp = _EXP[p.currency]
        local, hours = cet_text(r.created)
        batch = 1000 + (dt.datetime.fromtimestamp(r.created, dt.UTC).date() - self.day0).days
        entry = self.batches.setdefault((batch, p.currency), [0, 0])
        entry[0] += r.net
        entry[1] += 1

        def money(v: int) -> str:
            return major(v, exp) if v else ""

        row = (
            COMPANY,
            ACCOUNT,
            p.psp,
            p.mref,
            p.method,
            local,
            "CEST" if hours == 2 else "CET",
            r.type,
            r.modification,
            p.currency,
            money(r.debit),
            money(r.credit),
            "1",
            p.currency,
            money(-r.net if r.net < 0 else 0),
            money(r.net if r.net > 0 else 0),
            money(r.commission),
            money(r.markup),
            money(r.scheme),
            money(r.interchange),
            p.variant,
            "",
            batch,
            *([""] * 7),
        )
        self.settle.push(r.created, row)

    def _batch_rows(self) -> None:
        """Per batch and currency: a Fee row and the MerchantPayout (neither has a payment)."""
        for (batch, currency), (net, count) in sorted(self.batches.items()):
            exp = _EXP[currency]
            fee = count * (20 if exp == 3 else 2)  # processing fees invoiced per batch
            day = self.day0 + dt.timedelta(days=batch - 1000 + 1)
            when = dt.datetime.combine(day, dt.time(3), dt.UTC).timestamp()
            stamp, hours = cet_text(when)
            tz = "CEST" if hours == 2 else "CET"
            payout = net - fee
            for kind, debit, ref in (("Fee", fee, "Transaction Fees"), ("MerchantPayout", payout, f"TX{batch}XT")):
                row: list[object] = [COMPANY, ACCOUNT, "", "", "", stamp, tz, kind, ref, "", "", "", "", currency]
                row += [major(debit, exp) if debit > 0 else "", major(-debit, exp) if debit < 0 else "", "", "", "", ""]
                row += ["", "", batch, *([""] * 7)]
                self.settle.push(when, row)


def _extras(p: AdyenPayment, noise: Counter[str]) -> None:
    """After a capture: refunds, a CANCEL_OR_REFUND, chargebacks (all clean noise)."""
    rng, step = p.rng, 10 if p.currency == "KWD" else 1
    r = rng.random()
    half = max(step, p.amount // 2 // step * step)
    if r < 0.07:
        p.refund(half, "ok")
        noise["refund_partial"] += 1
    elif r < 0.105:
        p.refund(p.amount, "ok")
        noise["refund_full"] += 1
    elif r < 0.115:
        third = max(step, p.amount // 3 // step * step)
        p.refund(third, "ok")
        p.refund(third, "ok")
        noise["refund_two_partials"] += 1
    elif r < 0.13:
        p.cancel_or_refund("refund")
        noise["cancel_or_refund_refund"] += 1
    elif r < 0.14:
        p.refund(half, "rejected")
        noise["refund_rejected"] += 1
    elif r < 0.15:
        p.refund(half, "failed")
        noise["refund_failed"] += 1
    elif r < 0.175:
        fate = rng.choice(("notified", "debited", "debited", "won", "won"))
        p.chargeback(fate)
        noise[f"chargeback_{fate}"] += 1
