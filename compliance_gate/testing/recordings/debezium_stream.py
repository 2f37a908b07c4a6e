"""The Debezium connector's side of a recording: commit order, LSNs, partitions, restarts.

Rows (`Row`) record their changes with the time each was committed; `ChangeStream` takes them in
commit order (a heap, so memory holds only what is not yet committed), gives each an LSN
(growing, the snapshot's rows all one), a transaction id and the `source` block, and hands the
value to the sink on its key's partition: each partition lags by its own slowly changing delay,
so partitions interleave in the file while every key keeps its order. A delete is followed by a
tombstone. At each restart time the connector re-sends its last few events: same LSN, source
and images, a new envelope timestamp.
"""

from __future__ import annotations

import heapq
import zlib
from collections import Counter, deque

from compliance_gate.testing.recordings import debezium_shapes as shapes
from compliance_gate.testing.recordings.common import Rng, later, num
from compliance_gate.testing.recordings.sink import EventSink

Change = tuple[float, str, dict[str, object] | None, dict[str, object] | None]  # (time, op, before, after)


class Row:
    """One row of `payments` and the changes made to it, in commit order."""

    def __init__(self, rng: Rng, rid: str, key: str | None, cur: str, amount: int, t: float, limit: float) -> None:
        self.rng, self.id, self.key, self.currency, self.amount = rng, rid, key, cur, amount
        self.t, self.limit = t, limit
        self.changes: list[Change] = []
        self.now: dict[str, object] | None = None
        self.snapshot_at = 0  # changes[:snapshot_at] happened before the snapshot

    def _image(self, status: str, captured: int, refunded: int) -> dict[str, object]:
        return {
            "id": self.id,
            "status": status,
            "amount_minor": self.amount,
            "currency": self.currency,
            "captured_minor": captured,
            "refunded_minor": refunded,
            "idempotency_key": self.key,
            "updated_at": int(self.t * 1_000_000) - self.rng.randrange(1000, 400_000),
        }

    def insert(self, status: str = "pending", captured: int = 0) -> None:
        self.now = self._image(status, captured, 0)
        self.changes.append((self.t, "c", None, self.now))

    def update(self, status: str, captured: int | None = None, refunded: int | None = None, wait: float = 20) -> None:
        assert self.now is not None
        self.t = later(self.t, self.rng.uniform(1, wait), self.limit)
        before = self.now
        cap = num(before, "captured_minor") if captured is None else captured
        ref = num(before, "refunded_minor") if refunded is None else refunded
        self.now = self._image(status, cap, ref)
        self.changes.append((self.t, "u", before, self.now))

    def delete(self) -> None:
        self.t = later(self.t, self.rng.uniform(600, 86400), self.limit)
        self.changes.append((self.t, "d", self.now, None))
        self.now = None

    def walk(self, path: tuple[str, ...]) -> None:
        for status in path:
            self.update(status, captured=self.amount if status == "captured" else None)


class ChangeStream:
    def __init__(
        self,
        rng: Rng,
        sink: EventSink,
        noise: Counter[str],
        *,
        schema: bool,
        full: bool,
        partitions: int,
        snap_time: float,
        restarts: list[float],
    ) -> None:
        self.rng, self.sink, self.noise = rng, sink, noise
        self.schema, self.full, self.partitions = schema, full, partitions
        # commit order: (time, seq, row, change index, snapshot, conflict)
        self.commits: list[tuple[float, int, Row, int, bool, bool]] = []
        self.seq = 0
        self.snap_time = snap_time
        self.snap_rows = 0
        self.snap_done = 0
        self.lsn = 24_000_000 + rng.randrange(10**6)
        self.snap_lsn = self.lsn
        self.tx = 700 + rng.randrange(1000)
        self.snap_tx = self.tx
        self.prev_commit = self.lsn
        self.lag = [0.0] * partitions
        self.last = [0.0] * partitions
        self.recent: deque[tuple[dict[str, object] | None, str, int, str]] = deque(maxlen=40)
        self.restarts = restarts

    def commit(self, t: float, row: Row, k: int, snap: bool, conflict: bool) -> None:
        self.seq += 1
        heapq.heappush(self.commits, (t, self.seq, row, k, snap, conflict))

    def advance(self, now: float) -> None:
        commits = self.commits
        while commits and commits[0][0] < now:
            t, _, row, k, snap, conflict = heapq.heappop(commits)
            while self.restarts and self.restarts[0] <= t:
                self._restart(self.restarts.pop(0))
            self._emit(t, row, k, snap, conflict)
        while self.restarts and self.restarts[0] < now and now != float("inf"):
            self._restart(self.restarts.pop(0))
        self.sink.advance(now)

    def _emit(self, t: float, row: Row, k: int, snap: bool, conflict: bool) -> None:
        rng = self.rng
        _, op, before, after = row.changes[k]
        if snap:
            lsn, tx, sequence = self.snap_lsn, self.snap_tx, f'[null,"{self.snap_lsn}"]'
            self.snap_done += 1
            label = "last" if self.snap_done == self.snap_rows else "first" if self.snap_done == 1 else "true"
            op, before = "r", None
        else:
            self.lsn += rng.randrange(56, 900)
            self.tx += 1
            lsn, tx, label = self.lsn, self.tx, "false"
            sequence = f'["{self.prev_commit}","{lsn}"]'
            self.prev_commit = lsn
            if not self.full and op == "u":
                before = None
            elif not self.full and op == "d" and before is not None:
                before = {name: (before[name] if name == "id" else None) for name in before}
        src = shapes.source(int(t * 1000), label, sequence, tx, lsn)
        body = shapes.payload(before, after, src, op, int(t * 1000) + rng.randrange(5, 900))
        key = shapes.key_text(row.id, self.schema)
        p = zlib.crc32(row.id.encode()) % self.partitions
        self._push(t, body, key, p)
        if op == "d":
            self._push(t, None, key, p)  # the tombstone that follows a delete
            self.noise["tombstone"] += 1
        if conflict:
            clash = {**body, "after": {**(after or {}), "updated_at": num(after or {}, "updated_at") + 1}}
            self._push(t + 5, self._restamp(clash, t + 5), key, p)

    def _restamp(self, body: dict[str, object], t: float) -> dict[str, object]:
        ms = int(t * 1000) + self.rng.randrange(5, 900)
        return {**body, "ts_ms": ms, "ts_us": ms * 1000, "ts_ns": ms * 1_000_000}

    def _push(self, t: float, body: dict[str, object] | None, key: str, p: int) -> None:
        # each partition lags by its own slowly changing delay; per partition, order is kept
        self.lag[p] = min(3.0, max(0.05, self.lag[p] + self.rng.uniform(-0.3, 0.3)))
        when = max(self.last[p] + 0.0001, t + self.lag[p])
        self.last[p] = when
        line = None if body is None else shapes.value_line(body, self.schema)
        self.sink.push(when, line, key, p)
        self.recent.append((body, key, p, "tombstone" if body is None else "event"))

    def _restart(self, at: float) -> None:
        """The connector restarts and re-sends what it had not yet committed as read: same LSNs
        and images, a new envelope timestamp."""
        if not self.recent:
            return
        tail = list(self.recent)[-self.rng.randint(min(5, len(self.recent)), len(self.recent)) :]
        for body, key, p, _ in tail:
            again = None if body is None else self._restamp(body, at)
            when = max(self.last[p] + 0.0001, at)
            self.last[p] = when
            self.sink.push(when, None if again is None else shapes.value_line(again, self.schema), key, p)
            self.noise["restart_resent"] += 1
        self.noise["connector_restart"] += 1
