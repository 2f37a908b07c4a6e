"""The one interface between the engine and an advisory database, and what a lookup returns.

An `AdvisorySource` is opened once per run (`open(now)`: the offline export checks its age there,
so tests pass their own `now`), then asked for the OSV records that may concern a set of
(package, version) pairs. It returns candidate records only; whether a version is affected is
decided by `ranges.match` for every source alike, so the offline export and the online API give
the same answer for the same records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from compliance_gate.deps.osv import Advisory

Query = tuple[str, str]
"""(normalised package name, version as pinned)."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Which database answered: `offline` (an export, with its age) or `online` (the API URL)."""

    kind: str
    location: str
    records: int | None = None
    newest: datetime | None = None
    digest: str | None = None
    cache: str = "off"


@dataclass(frozen=True, slots=True)
class Lookup:
    """Candidate records per query, and how they were obtained (`fetched`, `cached`...)."""

    candidates: Mapping[Query, tuple[Advisory, ...]]
    stats: Mapping[str, int] = field(default_factory=dict)


class AdvisorySource(Protocol):
    def open(self, now: datetime) -> SourceInfo:
        """Check the source can answer (an export exists, parses and is fresh); raise a `DepsError` if not."""
        ...

    def lookup(self, queries: Sequence[Query]) -> Lookup:
        """OSV records that may affect each (package, version); raise a `DepsError` if they cannot be had."""
        ...

    def close(self) -> None:
        """Release open files (the export, the warm cache)."""
        ...
