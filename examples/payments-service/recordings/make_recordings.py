"""Write the example's recorded payment events, reporting snapshot and settlement file.

    python examples/payments-service/recordings/make_recordings.py

Deterministic (fixed seed): 12 payments on 4 partitions, file order shuffled (the replay orders
by partition and offset), a SQLite reporting snapshot `report.sqlite` and `settlement.csv`. One
planted break: a payment the events and the settlement file show as completed is "pending" in
the report (CG-REC-REPORT-BEHIND). Prints the snapshot's as-of time for the policy.
"""

from __future__ import annotations

from pathlib import Path

from compliance_gate.replay import generate

HERE = Path(__file__).resolve().parent


def main() -> None:
    g = generate.generate(
        HERE, payments=12, seed=2026, faults={"report_behind": 1, "redelivery": 1}, report_format="sqlite", partitions=4
    )
    (HERE / "events.jsonl").replace(HERE / "payment_events.jsonl")
    planted = sorted(g.expected["report_behind"])
    print(f"wrote {g.events_written} events; snapshot as of {g.as_of}; planted report-behind: {planted}")


if __name__ == "__main__":
    main()
