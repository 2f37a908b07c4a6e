"""Write events in the order they were received, and CSV rows in time order, in bounded memory.

A generator hands each event over with the time it was *delivered* (a webhook's receipt, a Kafka
append); `EventSink` holds events in a heap and writes those delivered before the time the
generator has reached (`advance`), so late, out-of-order and redelivered events land where a real
recording has them while memory stays bounded by what is in flight. Optionally each line is
wrapped as a `kcat -C -J` envelope (`{"topic","partition","offset","tstype","ts","broker","key",
"payload"}`, the payload a JSON string, a tombstone's payload null) and the file gzipped (with a
zero timestamp in the gzip header, so equal seeds give equal bytes).
"""

from __future__ import annotations

import csv
import gzip
import heapq
import io
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

_FLUSH_BYTES = 1 << 20


class EventSink:
    def __init__(
        self,
        path: Path,
        *,
        gzipped: bool,
        kcat: bool,
        topic: str,
        partitions: int,
        group: tuple[float, int, Callable[[list[bytes]], bytes]] | None = None,
    ) -> None:
        """`group` = (seconds, most, wrap): events delivered within `seconds` of the first of a
        group, at most `most` of them, go out as one line `wrap(lines)` (Adyen sends several
        notification items in one request body)."""
        self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._fh: gzip.GzipFile | io.BufferedWriter = (
            gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=1, mtime=0) if gzipped else self._raw
        )
        self._kcat = kcat
        self._topic = topic
        self._partitions = max(1, partitions)
        self._offsets = [0] * self._partitions
        self._heap: list[tuple[float, int, bytes | None, str | None, int]] = []
        self._seq = 0
        self._buf: list[bytes] = []
        self._size = 0
        self.written = 0
        self._group = group
        self._pending: list[bytes] = []
        self._pending_at = 0.0
        self.grouped = 0  # lines that hold more than one event

    def push(self, delivered: float, line: bytes | None, key: str | None, partition: int = -1) -> None:
        """Queue one event (`line` None: a Kafka tombstone). `partition` -1: by the key's hash."""
        self._seq += 1
        heapq.heappush(self._heap, (delivered, self._seq, line, key, partition))

    def advance(self, now: float) -> None:
        """Write every queued event delivered before `now` (nothing later can precede them)."""
        heap = self._heap
        while heap and heap[0][0] < now:
            delivered, _, line, key, partition = heapq.heappop(heap)
            if self._group is None or line is None:
                self._emit(delivered, line, key, partition)
            else:
                self._collect(delivered, line)

    def _collect(self, delivered: float, line: bytes) -> None:
        assert self._group is not None
        seconds, most, _ = self._group
        if self._pending and (delivered - self._pending_at > seconds or len(self._pending) >= most):
            self._release()
        if not self._pending:
            self._pending_at = delivered
        self._pending.append(line)

    def _release(self) -> None:
        if self._pending and self._group is not None:
            self.grouped += len(self._pending) > 1
            self._emit(self._pending_at, self._group[2](self._pending), None, 0)
            self._pending = []

    def partition_of(self, key: str | None) -> int:
        return zlib.crc32(key.encode()) % self._partitions if key is not None else 0

    def _emit(self, delivered: float, line: bytes | None, key: str | None, partition: int) -> None:
        if self._kcat:
            p = partition if partition >= 0 else self.partition_of(key)
            envelope = {
                "topic": self._topic,
                "partition": p,
                "offset": self._offsets[p],
                "tstype": "create",
                "ts": int(delivered * 1000),
                "broker": p % 3 + 1,
                "key": key,
                "payload": None if line is None else line.decode(),
            }
            self._offsets[p] += 1
            out = orjson.dumps(envelope)
        else:
            # kafka-console-consumer and most archivers print a null value as the word null
            out = b"null" if line is None else line
        self._buf.append(out)
        self._size += len(out) + 1
        self.written += 1
        if self._size >= _FLUSH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._fh.write(b"\n".join(self._buf) + b"\n")
            self._buf.clear()
            self._size = 0

    def close(self) -> int:
        self.advance(float("inf"))
        self._release()
        self._flush()
        if self._fh is not self._raw:
            self._fh.close()
        self._raw.close()
        return self.written


class RowSink:
    """CSV rows written in the order of their time key, as the generator's clock passes them."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self._fh = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._w = csv.writer(self._fh, lineterminator="\n")
        self._w.writerow(header)
        self._heap: list[tuple[float, int, Sequence[object]]] = []
        self._seq = 0
        self.rows = 0

    def push(self, when: float, row: Sequence[object]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, row))

    def advance(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] < now:
            self._w.writerow(heapq.heappop(heap)[2])
            self.rows += 1

    def close(self) -> int:
        self.advance(float("inf"))
        self._fh.close()
        return self.rows
