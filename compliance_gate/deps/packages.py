"""What the release ships: the packages read from a lock file, and what could not be audited.

Names are normalised (PEP 503: `Jinja2` and `jinja2` are one package); versions are kept as the
lock file writes them. Every entry remembers the file and line it came from, so a finding points
at the lock file line of the package.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.utils import canonicalize_name


def normalise(name: str) -> str:
    """The PEP 503 form of a distribution name (`Django` -> `django`, `zope.interface` -> `zope-interface`)."""
    return str(canonicalize_name(name))


@dataclass(frozen=True, slots=True)
class Package:
    """One pinned distribution that is installed on the target platform."""

    name: str
    version: str
    path: str
    line: int | None = None
    marker: str | None = None
    groups: tuple[str, ...] = ()
    """Dependency groups the lock file puts it in (`dev`, `develop`...), empty when it does not say."""


@dataclass(frozen=True, slots=True)
class Unpinned:
    """A requirement given as a range (`requests>=2.31`): which release ships is not fixed."""

    name: str
    specifier: str
    path: str
    line: int | None = None
    marker: str | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A lock file entry that is not audited, and why (another platform, the project itself...)."""

    name: str
    reason: str
    path: str
    line: int | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file that was read, with its digest, for the verdict's list of inputs."""

    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DependencySet:
    """The resolved dependencies of the repository, from the most precise source present.

    `kind` is `uv.lock`, `poetry.lock`, `Pipfile.lock`, `pylock.toml`, `requirements`,
    `pyproject.toml` or `environment`; `path` is the file that was read (repo-relative), or the
    interpreter prefix for `environment`; `files` lists every file read (requirements includes).
    """

    kind: str
    path: str
    files: tuple[InputFile, ...]
    packages: tuple[Package, ...]
    unpinned: tuple[Unpinned, ...] = ()
    skipped: tuple[Skipped, ...] = ()
