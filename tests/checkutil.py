"""Helpers for testing a check's `run(ctx)` without the engine."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from compliance_gate.fingerprint import PUBLIC_KEY
from compliance_gate.scanning.jobs import BatchScanner, FileJob, FileOutcome
from compliance_gate.scanning.workspace import SourceFile


def in_process(
    scanner: BatchScanner[Any],
    files: Sequence[SourceFile],
    options: Any,
    *,
    engines: Mapping[str, str],
    batch_bytes: int = 0,
) -> Iterator[FileOutcome]:
    """A stand-in for the engine's fan-out: one batch, in this process, no cache."""
    yield from scanner([FileJob(f.path, f.abspath, f.sha256, f.size) for f in files], options, PUBLIC_KEY)
