"""Write the example's recorded payment events, reporting snapshot and settlement file.

    python examples/payments-service/recordings/make_recordings.py

Deterministic (fixed seed): 12 payments on 4 partitions, file order shuffled (the replay orders
by partition and offset), a SQLite reporting snapshot `report.sqlite` and `settlement.csv`. One
planted break: a payment the events and the settlement file show as completed is "pending" in
the report (CG-REC-REPORT-BEHIND). Prints the snapshot's as-of time for the policy.

`stripe/`: 24 PaymentIntents as Stripe delivers them to a webhook endpoint (`events.jsonl.gz`,
with declines, 3-D Secure, manual capture, refunds and redeliveries), the payments table
(`report.csv`) and Stripe's itemized payout reconciliation (`settlement.csv`), all clean; the
service's tests replay it through `payments/stripe_projection.py` (`--preset stripe`).
"""

from __future__ import annotations

from pathlib import Path

from compliance_gate.replay import generate
from compliance_gate.testing.recordings import stripe

HERE = Path(__file__).resolve().parent


def main() -> None:
    g = generate.generate(
        HERE, payments=12, seed=2026, faults={"report_behind": 1, "redelivery": 1}, report_format="sqlite", partitions=4
    )
    (HERE / "events.jsonl").replace(HERE / "payment_events.jsonl")
    planted = sorted(g.expected["report_behind"])
    print(f"wrote {g.events_written} events; snapshot as of {g.as_of}; planted report-behind: {planted}")
    # Stripe-shaped: webhook Events (gzip), the payments table, the payout reconciliation report
    s = stripe.generate(HERE / "stripe", payments=24, seed=2026, faults={}, gzip=True)
    (HERE / "stripe" / "expected.json").unlink()
    print(f"wrote {s.events_written} Stripe events to stripe/; snapshot as of {s.as_of}")


if __name__ == "__main__":
    main()
