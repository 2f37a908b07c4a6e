"""What crosses the process boundary: a file to scan, and what a worker found in it.

File-based checks hand their per-file work to a `FileScanRunner` (`CheckContext.scan_files`),
which spreads batches of `FileJob`s over worker processes and answers unchanged files from the
content-hash cache. The worker function must be a module-level function (it is pickled by
reference) with the signature of `BatchScanner`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from compliance_gate.model import Finding
from compliance_gate.scanning.workspace import SourceFile

OptionsT = TypeVar("OptionsT")
OptionsT_contra = TypeVar("OptionsT_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class FileJob:
    """One file for a worker: its repo-relative path and where to read it."""

    path: str
    abspath: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """A worker's result for one file. `error` set means the file could not be evaluated."""

    path: str
    findings: tuple[Finding, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None


class BatchScanner(Protocol[OptionsT_contra]):
    """Runs in a worker process over a batch of files; `key` is the fingerprint key."""

    def __call__(self, jobs: Sequence[FileJob], options: OptionsT_contra, key: bytes) -> list[FileOutcome]: ...


class FileScanRunner(Protocol):
    def __call__(
        self,
        scanner: BatchScanner[OptionsT],
        files: Sequence[SourceFile],
        options: OptionsT,
        *,
        engines: Mapping[str, str],
        batch_bytes: int = ...,
    ) -> Iterator[FileOutcome]: ...
