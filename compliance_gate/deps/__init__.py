"""The `deps` engine: a release's pinned dependencies against OSV advisories.

Three steps, each usable on its own:

1. `read_dependencies(root, options) -> DependencySet`: the resolved dependency set from the most
   precise source in the repository (`uv.lock`, `poetry.lock`, `Pipfile.lock`, `pylock.toml`,
   pinned `requirements*.txt`, then `pyproject.toml`, whose ranges are reported as not pinned), or
   the installed distributions with `options.environment`. Markers are evaluated for the target
   platform: a package that is not installed there is skipped, with its marker as the reason.
2. `advisory_source(root, options) -> AdvisorySource`: an offline OSV export (`options.database`,
   a directory or zip of OSV JSON records, at most `max_age_days` old) or the OSV API.
3. `audit(deps, source, options, now=...) -> AuditResult`: one `Vulnerability` per (package,
   advisory), with the advisory id and aliases, the installed and first fixed versions, the
   severity and how it was derived, a link, and the lock file line; plus metrics.

Version ranges are evaluated here from the OSV records (`affected[].ranges` ECOSYSTEM events and
`versions` lists), so the export and the API agree. Withdrawn advisories are ignored. Anything
that prevents an answer (an unreadable lock file, a stale export, an unreachable API) raises a
`DepsError` whose message says what to do; it is never an empty, passing result.

This package knows nothing of the check registry or the policy file: the `deps` check adapts it.
"""

from __future__ import annotations

from pathlib import Path

from compliance_gate.deps.audit import AuditResult, Vulnerability, audit
from compliance_gate.deps.errors import (
    AdvisoryApiError,
    DatabaseError,
    DepsError,
    LockFileError,
    NoDependencySourceError,
    StaleDatabaseError,
)
from compliance_gate.deps.offline import OsvExport
from compliance_gate.deps.online import OsvApi
from compliance_gate.deps.options import DEFAULT_API_URL, DepsOptions
from compliance_gate.deps.packages import DependencySet, InputFile, Package, Skipped, Unpinned
from compliance_gate.deps.readers import read_dependencies
from compliance_gate.deps.readers.common import display_path
from compliance_gate.deps.source import AdvisorySource, Lookup, SourceInfo


def advisory_source(root: Path, options: DepsOptions) -> AdvisorySource:
    """The offline export named by `options.database` (relative to `root`), else the OSV API."""
    if options.database is not None:
        path = options.database if options.database.is_absolute() else root / options.database
        shown = display_path(root, path)
        return OsvExport(path, max_age_days=options.max_age_days, cache=options.cache, shown=shown)
    return OsvApi(options.api_url, timeout_s=options.api_timeout_s, retries=options.api_retries, cache=options.cache)


__all__ = [
    "DEFAULT_API_URL",
    "AdvisoryApiError",
    "AdvisorySource",
    "AuditResult",
    "DatabaseError",
    "DependencySet",
    "DepsError",
    "DepsOptions",
    "InputFile",
    "LockFileError",
    "Lookup",
    "NoDependencySourceError",
    "OsvApi",
    "OsvExport",
    "Package",
    "Skipped",
    "SourceInfo",
    "StaleDatabaseError",
    "Unpinned",
    "Vulnerability",
    "advisory_source",
    "audit",
    "read_dependencies",
]
