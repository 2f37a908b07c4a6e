"""Provider-shaped recordings with planted faults: what the replay presets are tested against.

    from compliance_gate.testing.recordings import stripe
    exp = stripe.generate(out_dir, payments=5000, seed=7, faults={"double_charge": 2, "missing_refund": 3})
    # out_dir/events.jsonl, report.csv, settlement.csv, expected.json
    exp.by_category()   # {"double_charge": {"pi_3..."}, "amount_under": {...}}
    exp.involved()      # every payment a fault touches: a finding on any other is a false positive
    exp.totals          # per currency: payments, amount, captured, refunded, disputed (minor units)

`stripe.generate`, `adyen.generate` and `debezium.generate` take `(out_dir, *, payments, seed,
faults={kind: n}, kcat=False, gzip=False)` (Debezium also `schema=True`, `replica_identity=
"full"|"default"`) and return an `Expected`, also written as `expected.json` (`Expected.load`).
The same seed gives the same bytes. Generation streams: memory is bounded by the events in
flight, not by the size of the recording. Only the standard library and orjson are used.
Generating costs tens of microseconds of Python per event; for benchmark-size Stripe recordings
`stripe.generate(..., tile=25000)` generates one tile and repeats it with every id renamed and
later in time, faults planted once (`stripe_tiles`; `benchmarks/recordings_bench.py` measures).

## The files

- `events.jsonl[.gz]`. Stripe: Event objects as delivered to a webhook endpoint (API version
  2024-06-20). Adyen: webhook bodies `{"live":"false","notificationItems":[...]}` of 1 to 3
  items. Debezium: the PostgreSQL connector's values for `public.payments`, with or without the
  schema envelope, tombstones as the line `null`. With `kcat=True`, `kcat -C -J` envelopes
  instead (payload as a JSON string, a tombstone's null): keyed by the PaymentIntent id on 3
  partitions (Stripe), unkeyed on 1 (Adyen), keyed by the row key on 3 (Debezium).
- `report.csv`: `payment_id,status,amount,currency,refunded` in the provider's vocabulary.
  Stripe: PaymentIntent id and status, lower-case currency. Adyen: the AUTHORISATION's
  pspReference, `Refused|Cancelled|Refunded|Captured|Authorised`. Debezium: the table's rows
  (`id,status,amount_minor,currency,refunded_minor`), deleted rows absent.
- `settlement.csv`. Stripe: the itemized payout reconciliation report, one row per balance
  transaction, signed, `net = gross - fee` (charge, refund, refund_failure, dispute,
  dispute_reversal; per payout a Radar `fee` row and the `payout` row, without a PaymentIntent).
  Adyen: the settlement details report (Settled, Refunded, RefundedReversed, Chargeback,
  ChargebackReversed; per batch and currency a Fee and a MerchantPayout row). Debezium: none.

Amounts in events and the report are integer minor units; the settlement files use decimal
major units by currency exponent (JPY none, KWD three). Every payment in the events has a report
row (refused, failed and canceled ones too), except planted `missing_in_report` faults and
deleted CDC rows. The recording window straddles the end of daylight-saving time in the EU
(2026-10-25 01:00 UTC), so Adyen's `eventDate` offsets change from +02:00 to +01:00 mid-file;
the report is taken at `Expected.as_of`, after every event; no planted fault lies within three
hours of it, so none is in a replay's in-flight grace window.

## Planted faults (`faults={kind: n}`; each module's `FAULTS` maps kind -> category)

| kind | category | what is planted (S Stripe, A Adyen, D Debezium) |
|---|---|---|
| `report_behind` | report_behind | captured, reported `processing` (S), `Authorised` (A), `authorized` (D) |
| `report_ahead` | report_ahead | awaiting capture, reported `succeeded` (S), `Captured` (A), `captured` (D) |
| `contradiction` | contradiction | succeeded reported `canceled` (S), Refused `Captured` (A), canceled `failed` (D) |
| `missing_refund` | amount_under | refunded, but the report's `refunded` is 0 (A: status Refunded) |
| `amount_under`, `amount_over` | same | the report's `amount` 10% lower / higher |
| `settlement_amount` | amount_under/over | the charge (S) or Settled (A) row's gross off by 5% (see `Fault.category`) |
| `settlement_missing` | missing_in_settlement | a captured payment without settlement rows (S, A) |
| `double_charge` | double_charge | a second captured payment under the first's creation idempotency key (S), |
| | | merchantReference (A) or `idempotency_key` (D); `payment_id` sorts later, `related` |
| `missing_in_report` | missing_in_report | no report row |
| `missing_in_events` | missing_in_events | a report row for an id without events |
| `illegal_transition` | illegal_transition | `refunded -> captured`, amounts unchanged (D only) |
| `duplicate_conflict` | duplicate_conflict | one event id, two payloads: `metadata` and `pending_webhooks` (S), the |
| | | AUTHORISATION's authCode (A), another `updated_at` at the same LSN (D) |

A correct replay reports `Fault.category` for `Fault.payment_id`; other findings on a faulted
payment are tolerated (a report that rewound a status may also disagree on it). Faults move no
money that a replay could count two ways, so `Expected.totals` are exact for every payment.

## Clean noise (counted in `Expected.noise`; must produce no finding)

- Stripe: declines back to `requires_payment_method` then success on the same PaymentIntent,
  3-D Secure (`requires_action`), abandoned and canceled intents, manual capture and voids (the
  void's `charge.refunded` moves no money), bank debits through `processing` (success, failure,
  still in flight), partial, full, pending-then-succeeded and failed refunds (`refund.updated`,
  `charge.refund.updated`, `refund.failed`), disputes won, lost, open and inquiries,
  `charge.updated`, redeliveries differing only in `pending_webhooks`, out-of-order and late
  deliveries, returning customers' cards; currencies usd, eur, gbp, jpy, kwd (multiples of 10).
- Adyen: refusals (`success: "false"`), retries under the same merchantReference after a
  refusal or cancellation, cancellations and CANCEL_OR_REFUND (cancel and refund), captures hours
  later, authorisations never captured, partial, full, rejected (`success: "false"`) and failed
  (REFUND_FAILED) refunds, NOTIFICATION_OF_CHARGEBACK / CHARGEBACK / CHARGEBACK_REVERSED,
  several items per body, identical redeliveries, reordering; 16-character pspReferences, some
  all digits; EUR, USD, GBP, SEK, JPY, KWD.
- Debezium: a snapshot (`op: r`, one LSN), inserts in any status, updates repeating a status,
  refunds and disputes as statuses, failed rows retried under the same key, deletes with
  tombstones (and a retry of a deleted row's key), two connector restarts re-sending a tail with
  new envelope timestamps, partitions interleaved in the file (LSN order holds per key).

Delivery noise only ever reorders events whose timestamps differ: ordering by timestamp (LSN),
then position, always restores the causal order.
"""

from compliance_gate.testing.recordings import adyen, debezium, stripe
from compliance_gate.testing.recordings.expected import CurrencyTotals, Expected, Fault

PROVIDERS = {"stripe": stripe, "adyen": adyen, "debezium": debezium}

__all__ = ["PROVIDERS", "CurrencyTotals", "Expected", "Fault", "adyen", "debezium", "stripe"]
