"""Scan a large plain log for leaks in a worker process while the main process checks the chain.

Chain verification is sequential per stream, but finding card numbers and secrets is not: the
file is cut at line boundaries into ranges of a few MiB that worker processes read and scan on
their own (nothing but offsets crosses the process boundary on the way in), and the results come
back in order so line numbers can be made absolute. Gzip files cannot be cut without
decompressing and are scanned inline instead.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from compliance_gate.auditlog.leaks import Leak, scan_range
from compliance_gate.auditlog.reader import GZIP_MAGIC

RANGE_BYTES = 4 << 20
MIN_PARALLEL_BYTES = 24 << 20
"""Below this the worker's start-up (a fresh interpreter importing the detectors) costs more
than it saves."""


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


class LeakWorkers:
    """Start scanning `path` now; `results()` later yields leaks with absolute line numbers."""

    def __init__(self, path: Path, workers: int, pii_options: Any | None, secrets: bool,
                 max_line_bytes: int) -> None:
        self._futures: list[Future[tuple[int, list[Leak]]]] = []
        self._pool: ProcessPoolExecutor | None = None
        with open(path, "rb") as fh:
            gzip = fh.read(2) == GZIP_MAGIC
        ranges = None if gzip or path.stat().st_size < MIN_PARALLEL_BYTES else line_ranges(path)
        if not ranges:
            return
        # forkserver: the engine runs checks in threads, and forking a threaded process is unsafe.
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
        self._futures = [self._pool.submit(scan_range, str(path), a, b, pii_options, secrets, max_line_bytes)
                         for a, b in ranges]

    @property
    def active(self) -> bool:
        return bool(self._futures)

    def results(self) -> Iterator[Leak]:
        before = 0
        try:
            for future in self._futures:
                newlines, leaks = future.result()
                for leak in leaks:
                    yield Leak(leak.rule, before + leak.line, leak.column, leak.normalized, leak.excerpt,
                               leak.classification)
                before += newlines
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
