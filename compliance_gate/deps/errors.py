"""What stops the deps engine from giving an answer. Each is an error of the check, never a pass.

Every message names the file and line, the database path or the URL, and says what to do.
They subclass `CheckFailure`, so an adapter that lets them propagate makes the check `error`.
"""

from __future__ import annotations

from datetime import datetime

from compliance_gate.errors import CheckFailure

OFFLINE_HINT = (
    "for an air-gapped runner, download an OSV export for PyPI "
    "(https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip) and set checks.deps.database: PATH"
)


class DepsError(CheckFailure):
    """Base class of the deps engine's errors."""


class LockFileError(DepsError):
    """A lock file, requirements file or pyproject.toml cannot be read or parsed."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}")


class NoDependencySourceError(DepsError):
    """Nothing in the repository says which packages the release ships."""


class DatabaseError(DepsError):
    """The offline OSV export is missing, unreadable or holds no records."""


class StaleDatabaseError(DatabaseError):
    """The offline OSV export is older than `max_age_days`: new advisories would be missed."""

    def __init__(self, location: str, newest: datetime, now: datetime, max_age_days: int) -> None:
        self.location = location
        self.newest = newest
        self.age_days = (now - newest).total_seconds() / 86400
        self.max_age_days = max_age_days
        super().__init__(
            f"{location}: the OSV export is {self.age_days:.1f} days old (newest record modified "
            f"{newest.isoformat()}), older than checks.deps.max_age_days ({max_age_days}); "
            "download a fresh export or raise max_age_days"
        )


class AdvisoryApiError(DepsError):
    """The OSV API could not be reached or answered with an error."""

    def __init__(self, url: str, problem: str) -> None:
        self.url = url
        self.problem = problem
        super().__init__(f"OSV API {url}: {problem}; {OFFLINE_HINT}")
