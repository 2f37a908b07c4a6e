"""A Debezium recording: change events of a PostgreSQL `payments` table, and the table's snapshot.

`generate(out_dir, payments=N, seed=S, faults={kind: n}, kcat=False, gzip=False,
schema=True, replica_identity="full")` writes `events.jsonl[.gz]` (the connector's values as a
consumer archives them, tombstones as the line `null`; or `kcat -C -J` envelopes keyed by the
row key, tombstone payload null, three partitions by key), `report.csv` (the table's own rows:
`payment_id,status,amount,currency,refunded` = `id,status,amount_minor,currency,refunded_minor`;
deleted rows are absent) and `expected.json`. There is no settlement file.

Columns: `id` UUID, `status`, `amount_minor`, `currency`, `captured_minor`, `refunded_minor`,
`idempotency_key`, `updated_at` (epoch microseconds). The recording starts with a snapshot
(`op: r`, all rows at one LSN, `source.snapshot` first/true/last), then streams `c`/`u`/`d`
changes ordered by commit (`source.lsn` grows with each). Partitions interleave in the file, so
file order is not LSN order; within one key it is. Twice in a run the connector restarts and
re-sends its last few events (same LSN, source and images, a new envelope `ts_ms`).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from compliance_gate.testing.recordings import debezium_shapes as shapes
from compliance_gate.testing.recordings.common import (
    Currency,
    Picker,
    Totals,
    Window,
    draw_amount,
    iso_utc,
    new_rng,
    num,
    pick_currency,
    plan_faults,
    text,
    uuid4,
)
from compliance_gate.testing.recordings.debezium_stream import ChangeStream, Row
from compliance_gate.testing.recordings.expected import Expected, Fault
from compliance_gate.testing.recordings.sink import EventSink

CURRENCIES = (
    Currency("EUR", 2, 40, 100, 60000),
    Currency("USD", 2, 25, 100, 60000),
    Currency("GBP", 2, 10, 100, 50000),
    Currency("JPY", 0, 15, 100, 80000),
    Currency("KWD", 3, 10, 1000, 200000),
)
FLOWS = {
    "captured": 50.0,
    "captured_3ds": 8.0,
    "captured_direct": 8.0,
    "inserted_captured": 2.0,
    "failed": 5.0,
    "failed_then_retry": 4.0,
    "canceled": 3.0,
    "pending_only": 2.0,
    "authorized_only": 2.0,
    "requires_action_only": 1.0,
    "deleted": 2.0,
    "deleted_then_retry": 1.0,
}
FAULTS = {
    "report_behind": "report_behind",
    "report_ahead": "report_ahead",
    "contradiction": "contradiction",
    "missing_refund": "amount_under",
    "amount_under": "amount_under",
    "amount_over": "amount_over",
    "double_charge": "double_charge",
    "missing_in_report": "missing_in_report",
    "missing_in_events": "missing_in_events",
    "illegal_transition": "illegal_transition",
    "duplicate_conflict": "duplicate_conflict",
}
_PICK_FLOW = Picker(FLOWS)
REPORT_COLUMNS = ("payment_id", "status", "amount", "currency", "refunded")
_PATHS = {
    "captured": ("authorized", "captured"),
    "captured_3ds": ("requires_action", "authorized", "captured"),
    "captured_direct": ("captured",),
    "failed": ("failed",),
    "canceled": ("authorized", "canceled"),
    "pending_only": (),
    "authorized_only": ("authorized",),
    "requires_action_only": ("requires_action",),
}
_FORCED = {"report_ahead": "authorized_only", "contradiction": "canceled"}
_SNAPSHOT_MAX = 5000


def generate(
    out_dir: Path,
    *,
    payments: int = 1000,
    seed: int = 7,
    faults: Mapping[str, int] | None = None,
    kcat: bool = False,
    gzip: bool = False,
    schema: bool = True,
    replica_identity: str = "full",
    partitions: int = 3,
) -> Expected:
    """Write a Debezium recording of `payments` rows' changes under `out_dir`; return what a
    correct replay must find. `replica_identity` "default" gives updates without `before` and
    deletes whose `before` holds only the key, as PostgreSQL's default replica identity does."""
    if replica_identity not in ("full", "default"):
        raise ValueError("replica_identity must be 'full' or 'default'")
    out_dir.mkdir(parents=True, exist_ok=True)
    return _Recording(
        out_dir, payments, seed, dict(faults or {}), kcat, gzip, schema, replica_identity, partitions
    ).run()


class _Recording:
    def __init__(
        self,
        out: Path,
        payments: int,
        seed: int,
        faults: dict[str, int],
        kcat: bool,
        gzipped: bool,
        schema: bool,
        identity: str,
        partitions: int,
    ) -> None:
        self.out, self.payments, self.seed, self.faults_wanted = out, payments, seed, faults
        self.schema, self.full = schema, identity == "full"
        self.rng = new_rng(seed)
        self.plan = plan_faults(self.rng, payments, faults, FAULTS, "debezium")
        self.window = Window.around_dst(payments, gap=3.0)
        self.events_name = "events.jsonl.gz" if gzipped else "events.jsonl"
        self.partitions = partitions
        self.sink = EventSink(
            out / self.events_name, gzipped=gzipped, kcat=kcat, topic=shapes.TOPIC, partitions=partitions
        )
        self._report_fh = open(out / "report.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in run()
        self.report = csv.writer(self._report_fh, lineterminator="\n")
        self.report.writerow(REPORT_COLUMNS)
        self.noise: Counter[str] = Counter()
        self.totals = Totals()
        self.found: list[Fault] = []
        self.in_events = 0
        self.first_of_pair: Row | None = None
        span = self.window.as_of - self.window.t0
        self.snap_time = self.window.t0 - 30.0
        self.stream = ChangeStream(
            self.rng,
            self.sink,
            self.noise,
            schema=schema,
            full=identity == "full",
            partitions=partitions,
            snap_time=self.snap_time,
            restarts=[self.window.t0 + span * f for f in (0.31, 0.67)] if payments >= 50 else [],
        )

    def run(self) -> Expected:
        snapshot_n = min(_SNAPSHOT_MAX, self.payments * 8 // 100)
        for i in range(self.payments):
            start = self.window.start(i) + self.rng.uniform(0, self.window.gap)
            if i >= snapshot_n:  # the snapshot's rows all go first, at one LSN
                self.stream.advance(start)
            self._one(start, self.plan.get(i, ""), i < snapshot_n)
        for n in range(self.faults_wanted.get("missing_in_events", 0)):
            rid = uuid4(self.rng)
            self.report.writerow((rid, "captured", 4200, "EUR", 0))
            self.found.append(
                Fault("missing_in_events", rid, "missing_in_events", "report", f"report row {n + 1} has no events")
            )
        self.stream.advance(float("inf"))
        written = self.sink.close()
        self._report_fh.close()
        expected = Expected.of_run(
            "debezium",
            seed=self.seed,
            events=self.events_name,
            settlement=None,
            as_of=iso_utc(self.window.as_of),
            events_written=written,
            payments=self.in_events,
            faults=self.found,
            totals=self.totals.freeze(),
            noise=self.noise,
        )
        expected.write(self.out)
        return expected

    # -- rows ----------------------------------------------------------------------------
    def _new_row(self, start: float, kind: str, key: str | None, cur: Currency, amount: int) -> Row:
        rid = uuid4(self.rng)
        if kind == "double_charge" and self.first_of_pair is not None:
            while rid <= self.first_of_pair.id:  # the duplicate sorts after the original
                rid = uuid4(self.rng)
        return Row(self.rng, rid, key, cur.code, amount, start, self.window.limit(bool(kind)))

    def _one(self, start: float, kind: str, may_snapshot: bool) -> None:
        rng = self.rng
        cur = pick_currency(rng, CURRENCIES)
        amount = draw_amount(rng, cur)
        key: str | None = uuid4(rng) if rng.random() < 0.95 or kind.startswith("double") else None
        if kind == "double_charge" and self.first_of_pair is not None:
            first = self.first_of_pair
            key, cur, amount = first.key, next(c for c in CURRENCIES if c.code == first.currency), first.amount
        flow = _FORCED.get(kind, "captured") if kind else _PICK_FLOW(rng)
        self.noise[f"flow:{flow}"] += 1
        row = self._new_row(start, kind, key, cur, amount)
        if flow == "inserted_captured":
            row.insert("captured", captured=amount)
        else:
            row.insert()
        if flow.endswith("_then_retry") or flow == "deleted":
            row.walk(("failed",))
            if flow.startswith("deleted"):
                row.delete()
        else:
            row.walk(_PATHS.get(flow, ()))
        if not kind and row.now is not None and row.now["status"] == "captured":
            self._extras(row)
        self._fault(kind, row)
        if may_snapshot and not kind and row.now is not None:
            self._snapshot(row)
        self._finish(row, kind)
        if flow.endswith("_then_retry"):
            retry = Row(rng, uuid4(rng), key, cur.code, amount, row.t + rng.uniform(30, 900), self.window.limit(False))
            retry.insert()
            retry.walk(_PATHS["captured"])
            self._finish(retry, "")
        if kind == "double_charge_first":
            self.first_of_pair = row

    def _extras(self, row: Row) -> None:
        rng, step = self.rng, 10 if row.currency == "KWD" else 1
        r = rng.random()
        if r < 0.08:
            part = max(step, row.amount // 2 // step * step)
            row.update("partially_refunded", refunded=part, wait=12 * 3600)
            self.noise["refund_partial"] += 1
            if rng.random() < 0.3:
                row.update("refunded", refunded=row.amount, wait=12 * 3600)
                self.noise["refund_rest"] += 1
        elif r < 0.12:
            row.update("refunded", refunded=row.amount, wait=12 * 3600)
            self.noise["refund_full"] += 1
        elif r < 0.135:
            row.update("disputed", wait=86400)
            self.noise["disputed"] += 1
        if row.now is not None and rng.random() < 0.06:
            row.update(text(row.now, "status"), wait=3600)  # touched, status repeated
            self.noise["update_repeating_status"] += 1

    def _snapshot(self, row: Row) -> None:
        """Move the row's first changes before the snapshot (they happened before the recording
        began); the snapshot shows the image they left, the rest streams as usual."""
        cut = self.rng.randint(1, len(row.changes))
        shift = row.changes[cut - 1][0] - (self.snap_time - self.rng.uniform(1, 3600))
        shift_us = int(shift * 1_000_000)
        moved: dict[int, dict[str, object]] = {}
        for k in range(cut):
            t, op, before, after = row.changes[k]
            assert after is not None
            new_after = {**after, "updated_at": num(after, "updated_at") - shift_us}
            moved[id(after)] = new_after
            row.changes[k] = (t - shift, op, moved.get(id(before), before) if before else None, new_after)
        if cut < len(row.changes):
            t, op, before, after = row.changes[cut]
            row.changes[cut] = (t, op, moved.get(id(before), before) if before else None, after)
        else:
            row.now = row.changes[-1][3]
        row.snapshot_at = cut
        self.stream.snap_rows += 1
        self.noise["snapshot_row"] += 1

    def _fault(self, kind: str, row: Row) -> None:
        if kind == "missing_refund":
            row.update("partially_refunded", refunded=max(1, row.amount // 3), wait=3600)
        elif kind == "illegal_transition":
            row.update("refunded", refunded=row.amount, wait=3600)
            row.update("captured", wait=3600)  # refunded -> captured: amounts unchanged, status rewound

    def _finish(self, row: Row, kind: str) -> None:
        conflict_at = -1
        if kind == "duplicate_conflict":
            conflict_at = next(k for k, c in enumerate(row.changes) if c[1] == "u")
        if row.snapshot_at:
            self.stream.commit(self.snap_time, row, row.snapshot_at - 1, True, False)
        for k in range(row.snapshot_at, len(row.changes)):
            self.stream.commit(row.changes[k][0], row, k, False, k == conflict_at)
        if row.now is None:
            self.noise["deleted_row"] += 1
            return  # a deleted row is neither in the report nor a replayed payment
        img = row.now
        status, amount, refunded = img["status"], row.amount, img["refunded_minor"]
        category = FAULTS.get(kind, "")
        side, detail = "report", ""
        related: tuple[str, ...] = ()
        if kind == "report_behind":
            status, detail = "authorized", "captured, reported authorized"
        elif kind == "report_ahead":
            status, detail = "captured", "authorized, reported captured"
        elif kind == "contradiction":
            status, detail = "failed", "canceled, reported failed"
        elif kind == "missing_refund":
            refunded, detail = 0, f"refunded_minor {img['refunded_minor']}, reported 0"
        elif kind in ("amount_under", "amount_over"):
            delta = max(1, amount // 10)
            amount += -delta if kind == "amount_under" else delta
            detail = f"amount_minor {row.amount}, reported {amount}"
        elif kind == "double_charge" and self.first_of_pair is not None:
            side, related = "events", (self.first_of_pair.id,)
            detail = "second captured row under one idempotency_key"
        elif kind == "illegal_transition":
            side, detail = "events", "refunded -> captured"
        elif kind == "duplicate_conflict":
            side, detail = "events", "one change (same LSN) recorded with two row images"
        elif kind == "missing_in_report":
            detail = "no report row"
        if category:
            self.found.append(Fault(kind, row.id, category, side, detail, related))
        if kind != "missing_in_report":
            self.report.writerow((row.id, status, amount, row.currency, refunded))
        self.in_events += 1
        self.totals.add(row.currency, row.amount, num(img, "captured_minor"), num(img, "refunded_minor"), 0)
