"""Generate realistic recorded payment traffic with injected faults and the expected findings.

`generate(out_dir, payments=..., faults={category: n})` writes events (JSON Lines, optionally
gzip; Kafka-style partitions and offsets, file order shuffled within blocks), a reporting
snapshot (CSV, JSON Lines or SQLite) and a settlement CSV, and returns which payment ids each
category must flag. Everything else is consistent, so a correct replay finds exactly the faults.
Used by the tests and `benchmarks/replay_bench.py`; streams in blocks so 10M events fit in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import random
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import orjson

FLAGGED = (
    "report_behind",
    "report_ahead",
    "contradiction",
    "missing_in_report",
    "missing_in_events",
    "missing_in_settlement",
    "amount_under",
    "amount_over",
    "currency_mismatch",
    "precision_error",
    "duplicate_key",
    "double_charge",
    "illegal_transition",
    "money_invariant",
    "duplicate_conflict",
    "geo_currency",
    "geo_residency",
)
COUNTED = ("redelivery", "stale", "in_flight")
CONFIG_ERRORS = ("unmapped_event_type",)
"""Faults that are a configuration error of the whole replay (an event type the machine does not
know), not findings on payments: `unmapped_event_type` adds a `payment.mystery` event."""
CURRENCIES = (
    ("USD", 2, "US", "us-east-1"),
    ("EUR", 2, "DE", "eu-central-1"),
    ("JPY", 0, "JP", "ap-northeast-1"),
    ("GBP", 2, "GB", "eu-west-2"),
)
BASE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
GEO_RULES = {
    "regions": {"EU": ["DE", "FR"]},
    "currencies": {"US": ["USD"], "EU": ["EUR"], "JP": ["JPY"], "GB": ["GBP"]},
    "residency": {
        "EU": ["eu-central-1", "eu-west-1"],
        "US": ["us-east-1"],
        "JP": ["ap-northeast-1"],
        "GB": ["eu-west-2"],
    },
}


@dataclass(frozen=True, slots=True)
class Generated:
    events: Path
    report: Path
    settlement: Path
    as_of: str
    expected: Mapping[str, frozenset[str]]
    counted: Mapping[str, int]
    events_written: int


def pid(i: int) -> str:
    return f"pay_{i:08d}"


def _fmt(minor: int, exp: int) -> str:
    return str(minor) if exp == 0 else f"{minor // 10**exp}.{minor % 10**exp:0{exp}d}"


def _ts(sec: float) -> str:
    return (BASE + dt.timedelta(seconds=sec)).isoformat().replace("+00:00", "Z")


def generate(
    out_dir: Path,
    payments: int = 1000,
    seed: int = 7,
    faults: Mapping[str, int] | None = None,
    report_format: str = "csv",
    compress: bool = False,
    partitions: int = 4,
    block: int = 20000,
    pan: str | None = None,
) -> Generated:
    """Write the three inputs under `out_dir`; `pan` (if given) is put in every event's card field."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible on purpose
    faults = dict(faults or {})
    picks = _assign(rng, payments, faults)
    as_of_s = payments * 2 + 3600
    out_dir.mkdir(parents=True, exist_ok=True)
    ev_path = out_dir / ("events.jsonl.gz" if compress else "events.jsonl")
    expected: dict[str, set[str]] = {k: set() for k in FLAGGED}
    counted = dict.fromkeys(COUNTED, 0)
    report_rows: list[tuple[str, str, str, str]] = []
    settle_rows: list[tuple[str, str, str, str]] = []
    offsets = [0] * partitions
    written = 0
    opener: Callable[..., IO[str]] = gzip.open if compress else open
    with opener(ev_path, "wt", encoding="utf-8") as fh:
        for start in range(0, payments, block):
            lines: list[tuple[float, int, dict[str, object]]] = []
            for i in range(start, min(payments, start + block)):
                kind = picks.get(i, "")
                for ev in _payment(i, kind, rng, as_of_s, expected, counted, report_rows, settle_rows, picks):
                    lines.append((cast(float, ev.pop("_t")), i % partitions, ev))
            written += _write_block(fh, lines, offsets, rng, pan)
    for n in range(faults.get("missing_in_events", 0)):
        orphan = f"pay_orphan_{n:04d}"
        expected["missing_in_events"].add(orphan)
        report_rows.append((orphan, "completed", "10.00", "USD"))
    report_rows.sort()
    rep_path = _write_report(out_dir, report_rows, report_format)
    st_path = out_dir / "settlement.csv"
    with open(st_path, "w", newline="", encoding="utf-8") as sf:
        w = csv.writer(sf)
        w.writerow(("payment_id", "status", "amount", "currency"))
        w.writerows(sorted(settle_rows))
    return Generated(
        ev_path, rep_path, st_path, _ts(as_of_s), {k: frozenset(v) for k, v in expected.items()}, counted, written
    )


def _assign(rng: random.Random, payments: int, faults: Mapping[str, int]) -> dict[int, str]:
    wanted = [(k, n) for k, n in sorted(faults.items()) if k != "missing_in_events"]
    total = sum(n * (2 if k == "double_charge" else 1) for k, n in wanted)
    if total > payments:
        raise ValueError("more faults than payments")
    chosen = rng.sample(range(payments), total)
    picks: dict[int, str] = {}
    it = iter(chosen)
    for kind, n in wanted:
        for _ in range(n):
            if kind == "double_charge":
                a, b = sorted((next(it), next(it)))
                picks[a] = "double_charge_first"
                picks[b] = f"double_charge:{a}"
            else:
                picks[next(it)] = kind
    return picks


def _payment(
    i: int,
    kind: str,
    rng: random.Random,
    as_of_s: int,
    expected: dict[str, set[str]],
    counted: dict[str, int],
    report: list[tuple[str, str, str, str]],
    settle: list[tuple[str, str, str, str]],
    picks: Mapping[int, str],
) -> Iterator[dict[str, object]]:
    p = pid(i)
    cur, exp, country, region = CURRENCIES[i % len(CURRENCIES)]
    amount = rng.randrange(100, 500000)
    roll = rng.random()
    flow = "success" if roll < 0.8 else "failed" if roll < 0.9 else "canceled" if roll < 0.95 else "pending"
    forced = {
        "report_behind": "success",
        "missing_in_settlement": "success",
        "double_charge_first": "success",
        "report_ahead": "pending",
        "contradiction": "failed",
        "illegal_transition": "failed",
        "money_invariant": "success",
        "in_flight": "success",
        "stale": "success",
    }
    flow = "success" if kind.startswith("double_charge") else forced.get(kind, flow)
    t = 0.0 if kind != "in_flight" else as_of_s - 120 - 2 * i
    t += 2 * i
    idem = f"idem-{i}" if not kind.startswith("double_charge:") else f"idem-{kind.split(':')[1]}"
    if kind == "geo_currency":
        country, region = ("FR", "eu-west-1") if cur != "EUR" else ("US", "us-east-1")
    if kind == "geo_residency":
        region = "us-west-2"
    base = {"payment_id": p, "currency": cur, "idempotency_key": idem, "country": country, "region": region}
    seq = 0

    def ev(etype: str, minor: int | None = None, **extra: object) -> dict[str, object]:
        nonlocal seq
        seq += 1
        e = {"event_id": f"{p}-e{seq}", "type": etype, "occurred_at": _ts(t + seq), "_t": t + seq, **base, **extra}
        if minor is not None:
            e["amount"] = _fmt(minor, exp)
        return e

    events = [ev("payment.created", amount)]
    captured = 0
    if flow == "success":
        events += [ev("payment.processing"), ev("payment.authorized", amount)]
        cap = amount + 1 if kind == "money_invariant" else amount
        events.append(ev("payment.captured", cap))
        captured = cap
        if rng.random() < 0.1:
            events.append(ev("refund.succeeded", amount // 3))
        status = "completed"
    elif flow == "failed":
        events += [ev("payment.processing"), ev("payment.failed")]
        status = "failed"
    elif flow == "canceled":
        events += [ev("payment.requires_action"), ev("payment.canceled")]
        status = "canceled"
    else:
        events += [ev("payment.processing")]
        status = "pending"
    if kind == "illegal_transition":
        events.append(ev("payment.captured", amount))
    if kind == "unmapped_event_type":
        events.append(ev("payment.mystery"))
    if kind == "stale":
        events.append(ev("payment.processing"))
        counted["stale"] += 1
    if kind == "redelivery":
        events.append(dict(events[0]))
        counted["redelivery"] += 1
    if kind == "duplicate_conflict":
        clash = dict(events[0])
        clash["amount"] = _fmt(amount + 7, exp)
        events.append(clash)
    yield from events
    _expect(i, p, kind, flow, status, amount, captured, cur, exp, expected, counted, report, settle)


def _expect(
    i: int,
    p: str,
    kind: str,
    flow: str,
    status: str,
    amount: int,
    captured: int,
    cur: str,
    exp: int,
    expected: dict[str, set[str]],
    counted: dict[str, int],
    report: list[tuple[str, str, str, str]],
    settle: list[tuple[str, str, str, str]],
) -> None:
    shown_status, shown_amount, shown_cur = status, _fmt(amount, exp), cur
    simple = {
        "report_behind": "pending",
        "report_ahead": "completed",
        "contradiction": "completed",
        "in_flight": "pending",
    }
    if kind in simple:
        shown_status = simple[kind]
    if kind == "in_flight":
        counted["in_flight"] += 1
    elif kind in FLAGGED and kind not in ("missing_in_events",):
        expected[kind].add(p)
    elif kind.startswith("double_charge:"):
        expected["double_charge"].add(p)
    if kind == "amount_under":
        shown_amount = _fmt(amount - 100, exp)
    if kind == "amount_over":
        shown_amount = _fmt(amount + 100, exp)
    if kind == "currency_mismatch":
        shown_cur = "EUR" if cur != "EUR" else "USD"
    if kind == "precision_error":
        shown_amount = _fmt(amount, exp) + ("001" if exp else ".5")
    if kind != "missing_in_report":
        report.append((p, shown_status, shown_amount, shown_cur))
        if kind == "duplicate_key":
            report.append((p, shown_status, shown_amount, shown_cur))
    if flow == "success" and kind != "missing_in_settlement":
        settle.append((p, "settled", _fmt(captured, exp), cur))


def _write_block(
    fh: IO[str],
    lines: list[tuple[float, int, dict[str, object]]],
    offsets: list[int],
    rng: random.Random,
    pan: str | None,
) -> int:
    lines.sort(key=lambda x: x[0])
    out = []
    for _t, part, ev in lines:
        ev["partition"] = part
        ev["offset"] = offsets[part]
        offsets[part] += 1
        if pan:
            ev["card_number"] = pan
        out.append(orjson.dumps(ev).decode())
    rng.shuffle(out)
    fh.write("\n".join(out) + "\n")
    return len(out)


def _write_report(out_dir: Path, rows: list[tuple[str, str, str, str]], fmt: str) -> Path:
    header = ("payment_id", "status", "amount", "currency")
    if fmt == "sqlite":
        path = out_dir / "report.sqlite"
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE payments (payment_id TEXT, status TEXT, amount TEXT, currency TEXT)")
        db.executemany("INSERT INTO payments VALUES (?, ?, ?, ?)", rows)
        db.commit()
        db.close()
        return path
    if fmt == "jsonl":
        path = out_dir / "report.jsonl"
        path.write_bytes(b"".join(orjson.dumps(dict(zip(header, r, strict=True))) + b"\n" for r in rows))
        return path
    path = out_dir / "report.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
