"""Per-file work spread over worker processes, answered from the cache where possible.

`FileFanout` is what a check sees as `ctx.scan_files`. It looks every file up in the content-hash
cache, groups the misses into batches of roughly `batch_bytes`, runs the check's module-level
batch scanner on them in a process pool (in-process when the work is small, where starting
workers would cost more than it saves), stores clean results and yields outcomes as they finish.
A batch whose worker raised or died yields an error outcome for each of its files: never a
silent skip.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from compliance_gate.scanning.cache import ResultCache, cache_key
from compliance_gate.scanning.jobs import BatchScanner, FileJob, FileOutcome, OptionsT
from compliance_gate.scanning.workspace import SourceFile

IN_PROCESS_BYTES = 512 * 1024
"""Below this much uncached content, worker start-up costs more than it saves (pre-commit)."""

Progress = Callable[[str, int, int], None]


class WorkerPool:
    """A lazily started process pool that can be killed when a check times out."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # forkserver: workers never inherit the threads and locks of this process.
                ctx = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx)
            return self._pool

    def kill(self) -> None:
        """Stop everything now (a check ran out of time); the next `get` starts afresh."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())  # no public API to kill workers
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.kill()

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class FileFanout:
    """Implements `FileScanRunner` for one check."""

    def __init__(
        self,
        check_id: str,
        section_digest: str,
        gate_version: str,
        key: bytes,
        key_id: str,
        pool: WorkerPool,
        cache: ResultCache | None,
        progress: Progress | None = None,
    ) -> None:
        self._prefix = (check_id, section_digest, gate_version, key_id)
        self._check_id = check_id
        self._key = key
        self._pool = pool
        self._cache = cache
        self._progress = progress

    def __call__(
        self,
        scanner: BatchScanner[OptionsT],
        files: Sequence[SourceFile],
        options: OptionsT,
        *,
        engines: Mapping[str, str],
        batch_bytes: int = 1 << 20,
    ) -> Iterator[FileOutcome]:
        keys = {f.path: cache_key((*self._prefix, f.path, f.sha256), engines) for f in files}
        hits = self._cache.get_many({k: p for p, k in keys.items()}) if self._cache is not None else {}
        misses = [f for f in files if keys[f.path] not in hits]
        done = len(files) - len(misses)
        self._report(done, len(files))
        for f in files:
            if keys[f.path] in hits:
                yield hits[keys[f.path]]
        unsaved: list[tuple[str, FileOutcome]] = []
        for outcome in self._run(scanner, misses, options, batch_bytes):
            if outcome.path in keys:
                unsaved.append((keys[outcome.path], outcome))
            if len(unsaved) >= 256:  # one SQLite transaction per 256 files, not per file
                self._save(unsaved)
            done += 1
            self._report(done, len(files))
            yield outcome
        self._save(unsaved)

    def _save(self, unsaved: list[tuple[str, FileOutcome]]) -> None:
        if self._cache is not None and unsaved:
            self._cache.put_many(unsaved)
        unsaved.clear()

    def _report(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(self._check_id, done, total)

    def _run(
        self, scanner: BatchScanner[OptionsT], files: Sequence[SourceFile], options: OptionsT, batch_bytes: int
    ) -> Iterator[FileOutcome]:
        batches = list(_batches(files, batch_bytes))
        total = sum(f.size for f in files)
        if total <= IN_PROCESS_BYTES or self._pool.jobs <= 1 or len(batches) <= 1:
            for batch in batches:
                yield from _guarded(scanner, batch, options, self._key)
            return
        pool = self._pool.get()
        pending: dict[Future[list[FileOutcome]], list[FileJob]] = {
            pool.submit(scanner, batch, options, self._key): batch for batch in batches
        }
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                batch = pending.pop(fut)
                try:
                    outcomes = fut.result()
                except Exception as exc:  # a worker that raised or died: every file is an error
                    outcomes = [FileOutcome(j.path, error=f"worker failed: {type(exc).__name__}: {exc}") for j in batch]
                yield from _complete(batch, outcomes)


def _guarded(scanner: BatchScanner[OptionsT], batch: list[FileJob], options: OptionsT, key: bytes) -> list[FileOutcome]:
    try:
        return _complete(batch, scanner(batch, options, key))
    except Exception as exc:
        return [FileOutcome(j.path, error=f"scanner failed: {type(exc).__name__}: {exc}") for j in batch]


def _complete(batch: list[FileJob], outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """A scanner that forgot a file must not make it pass: missing outcomes become errors."""
    seen = {o.path for o in outcomes}
    missing = [
        FileOutcome(j.path, error="scanner returned no result for this file") for j in batch if j.path not in seen
    ]
    return [*outcomes, *missing]


def _batches(files: Sequence[SourceFile], batch_bytes: int) -> Iterator[list[FileJob]]:
    batch: list[FileJob] = []
    size = 0
    for f in files:
        batch.append(FileJob(f.path, f.abspath, f.sha256, f.size))
        size += f.size
        if size >= batch_bytes or len(batch) >= 256:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
