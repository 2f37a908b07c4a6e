"""Cut a log into blocks of whole lines, and analyse blocks in worker processes, in order.

A plain log is cut at newlines into byte ranges of a few MiB that workers read themselves
(nothing but offsets crosses the process boundary on the way in); a gzip log, or a plain one
with a giant line, is read here by the streaming `LogReader` and sent in batches. Results come
back in block order, with at most a few blocks in flight, so memory stays bounded whatever the
size of the log.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from itertools import islice
from pathlib import Path
from typing import TypeVar

from compliance_gate.auditlog.analyse import Block
from compliance_gate.auditlog.reader import LogReader
from compliance_gate.scanning.fanout import WorkerPool

RANGE_BYTES = 4 << 20
MIN_PARALLEL_BYTES = 24 << 20
"""Below this (plain; an eighth of it gzip) worker start-up (a fresh interpreter importing
orjson, jsonschema_rs and the detectors) costs more than it saves."""

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """One worker process per core; none (everything in this process) on a single core."""
    cpus = os.cpu_count() or 1
    return cpus if cpus > 1 else 0


def line_ranges(path: Path, target: int | None = None) -> list[tuple[int, int]] | None:
    """Cut points at newlines every ~`target` bytes; None when a range would be far too large."""
    target = target or RANGE_BYTES
    size = path.stat().st_size
    ranges: list[tuple[int, int]] = []
    with open(path, "rb") as fh:
        start = 0
        while start < size:
            fh.seek(min(start + target, size))
            fh.readline(4 * target)
            end = min(fh.tell(), size)
            if end - start > 4 * target and end < size:
                return None  # a giant line: leave it to the streaming reader
            ranges.append((start, end))
            start = end
    return ranges


def read_blocks(reader: LogReader, target: int | None = None) -> Iterator[Block]:
    """The reader's lines in blocks of ~`target` bytes, numbered as in the file: blank lines the
    reader skipped are kept empty, and lines too long to keep are empty and listed as huge."""
    target = target or RANGE_BYTES
    parts: list[bytes] = []
    huge: list[int] = []
    size, first = 0, 1
    for number, raw in reader:
        parts.extend([b""] * (number - first - len(parts)))
        parts.append(raw or b"")
        if raw is None:
            huge.append(len(parts))
        size += len(parts[-1]) + 1
        if size >= target:
            yield Block(str(reader.path), data=b"\n".join(parts) + b"\n", huge=tuple(huge))
            first += len(parts)
            parts, huge, size = [], [], 0
    if parts:
        yield Block(str(reader.path), data=b"\n".join(parts) + b"\n", huge=tuple(huge))


class Workers(WorkerPool):
    """The engine's lazily started forkserver pool; `map` yields `(task, result)` in task order."""

    def map(self, fn: Callable[..., R], tasks: Iterable[T], *args: object) -> Iterator[tuple[T, R]]:
        """Submit the first tasks now (the caller may work meanwhile); more as results are taken."""
        pool, todo = self.get(), iter(tasks)
        flight: deque[tuple[T, Future[R]]] = deque(
            (t, pool.submit(fn, t, *args)) for t in islice(todo, 2 * self.jobs + 1)
        )

        def results() -> Iterator[tuple[T, R]]:
            while flight:
                task, future = flight.popleft()
                for more in islice(todo, 1):
                    flight.append((more, pool.submit(fn, more, *args)))
                yield task, future.result()

        return results()
