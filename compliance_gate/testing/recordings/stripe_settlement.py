"""Stripe's itemized payout reconciliation report for a generated recording.

One row per balance transaction, in major units, signed (money into the Stripe balance
positive), `net = gross - fee`. Payment rows carry `charge_id` and `payment_intent_id`:
`charge` (gross = the captured amount), `refund` (negative), `refund_failure` (positive, the
failed refund coming back), `dispute` (negative, the dispute fee in `fee`) and
`dispute_reversal` (positive). Each balance transaction becomes available two days after it
was created and is paid out that day, one automatic payout per currency and day; every payout
also carries a Radar `fee` row and, last, the `payout` row itself (negative: the money leaving
for the bank), neither with a PaymentIntent. Column names are those of the
`payout_reconciliation.itemized.5` report type (a selection of them; the report lets a user
choose columns).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from compliance_gate.testing.recordings import stripe_objects as so
from compliance_gate.testing.recordings.common import clock_text, major, num
from compliance_gate.testing.recordings.sink import RowSink
from compliance_gate.testing.recordings.stripe_flows import Movement, StripePayment

COLUMNS = (
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
EXPONENT = {"usd": 2, "eur": 2, "gbp": 2, "jpy": 0, "kwd": 3}
RADAR_FEE = {"usd": 5, "eur": 5, "gbp": 5, "jpy": 7, "kwd": 20}  # per screened charge, minor units


def stamp(t: int) -> str:
    """`YYYY-MM-DD HH:MM:SS` in UTC."""
    return clock_text(int(t))


class PayoutReport:
    def __init__(self, path: Path, ids: so.Ids) -> None:
        self.sink = RowSink(path, COLUMNS)
        self.ids = ids
        self.payouts: dict[tuple[str, str], list[int]] = {}  # (currency, day) -> [net, charges]
        self.payout_ids: dict[tuple[str, str], str] = {}

    def row(self, p: StripePayment, m: Movement) -> None:
        exp = EXPONENT[p.currency]
        available = stamp(m.created + 2 * 86400)[:10]
        entry = self.payouts.get((p.currency, available))
        if entry is None:
            entry = self.payouts[(p.currency, available)] = [0, 0]
            self.payout_ids[(p.currency, available)] = self.ids.obj("po", "1")
        entry[0] += m.gross - m.fee
        entry[1] += m.category == "charge"
        card = p.method.kind == "card"
        self.sink.push(
            m.created,
            (
                self.payout_ids[(p.currency, available)],
                f"{available} 00:00:00",
                m.txn,
                stamp(m.created),
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
                stamp(num(p.ch, "created")),
                p.method.kind,
                p.method.brand if card else "",
                p.method.funding if card else "",
                p.method.country,
                m.dispute_reason,
            ),
        )

    def close(self) -> int:
        """Write each payout's Radar fee row and the payout row, then everything still queued."""
        for (currency, day), (net, charges) in sorted(self.payouts.items()):
            po = self.payout_ids[(currency, day)]
            exp = EXPONENT[currency]
            radar = charges * RADAR_FEE[currency]
            when = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() - 86400 - 1
            charged = dt.date.fromisoformat(day) - dt.timedelta(days=2)
            for cat, gross, source, text in (
                ("fee", -radar, self.ids.obj("txn"), f"Radar ({charged}): Radar for Fraud Teams"),
                ("payout", -(net - radar), po, "STRIPE PAYOUT"),
            ):
                money = (major(gross, exp), major(0, exp), major(gross, exp))
                row = (po, f"{day} 00:00:00", self.ids.obj("txn"), stamp(int(when)), f"{day} 00:00:00", currency)
                self.sink.push(when, (*row, *money, cat, source, text, *([""] * 10)))
        return self.sink.close()
