"""Readers of the resolved dependency set, one module per file format, and the discovery order.

`read_dependencies(root, options)` reads the most precise source present in the repository root:
`uv.lock`, `poetry.lock`, `Pipfile.lock`, `pylock.toml` (or `pylock.<name>.toml`), the
`requirements*.txt` files, then `pyproject.toml`; with `options.environment`, the installed
distributions instead. Nothing found is an error, never an empty (passing) set.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from compliance_gate.deps.errors import NoDependencySourceError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.options import DepsOptions
from compliance_gate.deps.packages import DependencySet
from compliance_gate.deps.readers.installed import read_installed, site_directories
from compliance_gate.deps.readers.pipfile_lock import read_pipfile_lock
from compliance_gate.deps.readers.poetry_lock import read_poetry_lock
from compliance_gate.deps.readers.pylock import read_pylock
from compliance_gate.deps.readers.pyproject import has_dependencies, read_pyproject
from compliance_gate.deps.readers.requirements import read_requirements
from compliance_gate.deps.readers.uv_lock import read_uv_lock

Reader = Callable[[Path, Path, Target], DependencySet]

LOCK_FILES: tuple[tuple[str, Reader], ...] = (
    ("uv.lock", read_uv_lock),
    ("poetry.lock", read_poetry_lock),
    ("Pipfile.lock", read_pipfile_lock),
    ("pylock.toml", read_pylock),
)
SEARCHED = "uv.lock, poetry.lock, Pipfile.lock, pylock.toml, requirements*.txt, pyproject.toml"


def read_dependencies(root: Path, options: DepsOptions) -> DependencySet:
    """The repository's resolved dependencies, or the environment's with `options.environment`."""
    if options.environment:
        return read_installed(options.site_paths, options.environment_label)
    target = Target.of(options.target)
    for name, reader in LOCK_FILES:
        if (root / name).is_file():
            return reader(root, root / name, target)
    named_pylocks = sorted(p for p in root.glob("pylock.*.toml") if p.is_file())
    if named_pylocks:
        return read_pylock(root, named_pylocks[0], target)
    requirements = sorted(p for p in root.glob("requirements*.txt") if p.is_file())
    if requirements:
        requirements.sort(key=lambda p: (p.name != "requirements.txt", p.name))
        return read_requirements(root, requirements, target)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and has_dependencies(root, pyproject):
        return read_pyproject(root, pyproject, target)
    raise NoDependencySourceError(
        f"no dependency source found in the repository root (looked for {SEARCHED}); commit a lock file, "
        "set checks.deps.environment: true to audit the build environment, or disable the deps check"
    )


__all__ = ["LOCK_FILES", "SEARCHED", "read_dependencies", "read_installed", "site_directories"]
