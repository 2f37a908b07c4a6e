"""Random payment histories around the regular/irregular boundary, for differential tests.

Each payment starts from a typical flow and is mutated at random (swapped, dropped or inserted
events; missing, zero, negative or excess amounts; a foreign currency or country; a failed flag;
redeliveries). The report and settlement rows come from folding the events, then are perturbed
now and then, so about half the payments are clean and the rest exercise every kind of break.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from compliance_gate import bundled
from compliance_gate.replay.fold.machine import load_machine
from compliance_gate.replay.fold.payment import NO_AMOUNT, fold_payment, legacy_event

FLOWS = (
    ("payment.created", "payment.processing", "payment.authorized", "payment.captured"),
    ("payment.created", "payment.processing", "payment.failed"),
    ("payment.created", "payment.requires_action", "payment.canceled"),
    ("payment.created", "payment.processing"),
    ("payment.created", "payment.authorized", "payment.captured", "refund.succeeded"),
    ("payment.created", "payment.authorized", "payment.captured", "refund.succeeded", "dispute.lost"),
    ("payment.created", "payment.succeeded"),
    ("payment.created", "payment.authorized", "payment.expired"),
    ("payment.created", "payment.authorized", "payment.reversed"),
    ("payment.created", "payment.updated", "payment.processing"),
)
CURRENCIES = (("USD", 2, "US"), ("EUR", 2, "DE"), ("JPY", 0, "JP"), ("BHD", 3, "BH"))
GEO = {
    "regions": {"EU": ["DE", "FR"]},
    "currencies": {"US": ["USD"], "EU": ["EUR"], "JP": ["JPY"]},
    "residency": {"US": ["r1"], "EU": ["r1", "r2"], "JP": ["r2"]},
}
MONEY_TYPES = ("payment.created", "payment.authorized", "payment.captured", "payment.succeeded")


def _fmt(minor: int, exp: int) -> str:
    sign, v = ("-" if minor < 0 else ""), abs(minor)
    return sign + (str(v) if exp == 0 else f"{v // 10**exp}.{v % 10**exp:0{exp}d}")


def _sequence(rng: random.Random, types: list[str]) -> list[str]:
    seq = list(rng.choice(FLOWS))
    if rng.random() < 0.35:
        for _ in range(rng.randint(1, 2)):
            k = rng.randrange(5)
            if k == 0 and len(seq) > 1:
                j = rng.randrange(1, len(seq))
                seq[j], seq[j - 1] = seq[j - 1], seq[j]
            elif k == 1:
                seq.insert(rng.randrange(len(seq) + 1), rng.choice(types))
            elif k == 2 and len(seq) > 1:
                seq.pop(rng.randrange(len(seq)))
            elif k == 3:
                seq.append(rng.choice(("refund.succeeded", "dispute.lost", "payment.captured", "payment.authorized")))
            else:
                seq.insert(0, rng.choice(types))
    return seq


def _amount(rng: random.Random, etype: str, base: int) -> int | None:
    if etype in MONEY_TYPES:
        return base if rng.random() > 0.05 else rng.choice([None, 0, base + 1, -base, base - 1])
    if etype in ("refund.succeeded", "dispute.lost"):
        return rng.choice([base // 3, base, None, 0, base + 5]) if rng.random() < 0.3 else base // 4
    return None


def write(out: Path, payments: int, seed: int) -> None:
    """Write events.jsonl, report.csv (with a refunded column) and settlement.csv under `out`."""
    rng = random.Random(seed)
    machine = load_machine(bundled.resolve("builtin:state-machines/payments.yaml", out))
    codes = machine.codes
    types = [*sorted(machine.events), "payment.mystery"]
    statuses: dict[int, list[str]] = {}
    for status, states in machine.reporting.items():
        for s in states:
            statuses.setdefault(s, []).append(status)
    events: list[dict[str, object]] = []
    report: list[list[str]] = []
    settle: list[list[str]] = []
    offsets = [0, 0, 0]
    for i in range(payments):
        pid, (cur, exp, country) = f"p{i:06d}", rng.choice(CURRENCIES)
        base = rng.randrange(1, 10**6)
        mine: list[dict[str, object]] = []
        for j, etype in enumerate(_sequence(rng, types)):
            ev: dict[str, object] = {
                "event_id": f"{pid}-{j}",
                "payment_id": pid,
                "type": etype,
                "occurred_at": f"2026-01-01T00:{j:02d}:{i % 60:02d}Z",
                "region": "r1",
                "currency": cur if rng.random() > 0.02 else rng.choice(CURRENCIES)[0],
                "idempotency_key": f"k{i if rng.random() > 0.01 else i - 1}",
                "country": country if rng.random() > 0.02 else rng.choice(["FR", "US", None]),
            }
            if rng.random() < 0.08:
                ev["success"] = rng.choice(["false", "true", "no"])
            amount = _amount(rng, etype, base)
            if amount is not None:
                ev["amount"] = _fmt(amount, exp)
            mine.append(ev)
        if rng.random() < 0.03:
            mine.append(dict(mine[0]))
        for ev in mine:
            part = i % 3
            ev["partition"], ev["offset"] = part, offsets[part]
            offsets[part] += 1
        # an unknown type is a configuration error that leaves those events out of the replay
        folded = fold_payment(
            [
                legacy_event(
                    codes[str(e["type"])][e.get("success") in ("false", "no")],
                    int(str(e["amount"]).replace(".", "")) if "amount" in e else NO_AMOUNT,
                    0,
                    0,
                )
                for e in mine
                if str(e["type"]) in codes
            ],
            machine,
        )
        if folded.state >= 0 and rng.random() > 0.02:
            status = (
                rng.choice(statuses.get(folded.state, ["pending"]))
                if rng.random() > 0.05
                else rng.choice([*machine.reporting, "weird"])
            )
            amount = folded.amount if rng.random() > 0.05 else folded.amount + rng.choice([-1, 1, 100])
            refunded = "" if rng.random() < 0.7 else _fmt(folded.refunded + (rng.random() < 0.1), exp)
            row = [
                pid,
                status,
                _fmt(amount, exp) + ("1" if rng.random() < 0.01 else ""),
                cur if rng.random() > 0.02 else "EUR",
                refunded,
            ]
            report.extend([row, row] if rng.random() < 0.01 else [row])
        if folded.state in machine.settled and folded.captured > 0 and rng.random() > 0.02:
            status = "settled" if rng.random() > 0.05 else rng.choice(["SETTLED", "pending", "\u017fettled"])
            settle.append([pid, status, _fmt(folded.captured + 7 * (rng.random() < 0.03), exp), cur])
        events.extend(mine)
    report.extend([f"orphan{k}", "completed", "1.00", "USD", ""] for k in range(3))
    rng.shuffle(events)
    out.mkdir(parents=True, exist_ok=True)
    (out / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    for name, header, rows in (("report.csv", ["refunded"], report), ("settlement.csv", [], settle)):
        with open(out / name, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["payment_id", "status", "amount", "currency", *header])
            w.writerows(rows)
