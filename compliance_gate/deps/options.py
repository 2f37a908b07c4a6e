"""The deps engine's options: the `checks.deps` policy keys, typed, plus a few engine settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate.model import Severity

DEFAULT_API_URL = "https://api.osv.dev"


@dataclass(frozen=True, slots=True)
class DepsOptions:
    """How to read the dependencies and where to look up advisories.

    `environment`: audit the installed distributions of the running interpreter (or of
    `site_paths`) instead of the repository's lock files (policy `checks.deps.environment`).
    `database`: an offline OSV export, a directory or zip of OSV JSON records, absolute or
    relative to the repository root; None asks the OSV API at `api_url` (`checks.deps.database`).
    `max_age_days`: an offline export whose newest record is older than this is an error
    (`checks.deps.max_age_days`, default 7).
    `unrated`: the severity given to an advisory that has neither a CVSS vector nor a database
    severity; high, so a known vulnerability that nobody rated still blocks at the default
    threshold.
    `target`: PEP 508 marker values of the platform the release runs on, over those of the running
    interpreter (e.g. `{"sys_platform": "linux", "python_version": "3.12"}`); a package whose
    marker is false there is not installed there and is not audited.
    `cache`: an SQLite file for the warm advisory cache (None: no cache). It never changes an
    answer: entries are keyed by the export's digest (offline) or each record's `modified` (online).
    `fail_on` is not here: the engine reports every advisory with its severity, the check decides.
    """

    environment: bool = False
    database: Path | None = None
    max_age_days: int = 7
    api_url: str = DEFAULT_API_URL
    api_timeout_s: float = 10.0
    api_retries: int = 3
    unrated: Severity = Severity.HIGH
    target: Mapping[str, str] = field(default_factory=dict)
    cache: Path | None = None
    site_paths: tuple[str, ...] | None = None
    environment_label: str | None = None
    """How the verdict names the environment of `site_paths` (`environment:.venv`)."""
