"""The one extension point: a check is a `Check` value in `checks.REGISTRY`.

A check is a plain function `run(ctx) -> CheckOutput` plus the typed options it reads from its
policy section. It holds no state between runs and reads no environment: everything arrives in
the `CheckContext`. A check that cannot evaluate something either raises (the engine marks it
`error`) or returns `CheckOutput(errors=...)`; it never returns a clean result instead.

File-based checks hand the per-file work to `ctx.scan_files(...)`, which spreads it over worker
processes and answers unchanged files from the content-hash cache. The worker function must be a
module-level function (it is pickled by reference) with the signature of `BatchScanner`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from compliance_gate.model import CheckOutput, Finding, Severity

if TYPE_CHECKING:
    from compliance_gate.fingerprint import Fingerprinter
    from compliance_gate.policy import Policy
    from compliance_gate.workspace import SourceFile, Workspace

OptionsT = TypeVar("OptionsT")


@dataclass(frozen=True, slots=True)
class NoOptions:
    """For checks without options of their own."""


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


class BatchScanner(Protocol[OptionsT]):  # type: ignore[misc]
    """Runs in a worker process over a batch of files; `key` is the fingerprint key."""

    def __call__(self, jobs: Sequence[FileJob], options: OptionsT, key: bytes) -> list[FileOutcome]: ...


class FileScanRunner(Protocol):
    def __call__(
        self,
        scanner: BatchScanner[Any],
        files: Sequence[SourceFile],
        options: Any,
        *,
        engines: Mapping[str, str],
        batch_bytes: int = ...,
    ) -> Iterator[FileOutcome]: ...


@dataclass(frozen=True, slots=True)
class CheckContext(Generic[OptionsT]):
    """Everything a check may read. `files` is the workspace after the check's own path rules."""

    check_id: str
    options: OptionsT
    policy: Policy
    workspace: Workspace
    files: tuple[SourceFile, ...]
    fingerprints: Fingerprinter
    scan_files: FileScanRunner
    fail_on: Severity


@dataclass(frozen=True, slots=True)
class Check(Generic[OptionsT]):
    """A check: its id, one-line summary, options type, engine versions and `run` function."""

    id: str
    summary: str
    run: Callable[[CheckContext[OptionsT]], CheckOutput]
    options: type[OptionsT]
    engines: Callable[[], Mapping[str, str]] = dict
    default_fail_on: Severity = Severity.HIGH
