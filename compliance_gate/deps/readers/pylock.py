"""`pylock.toml` (PEP 751), the standard lock file (`pylock.toml` or `pylock.<name>.toml`).

Markers are evaluated in the lock-file context of PEP 751, with every extra and dependency group
the file offers counted as requested (a lock file cannot say which ones the deploy installs).
A `directory` package is the team's own code and is skipped; a package without a `version`
(a VCS checkout) cannot be matched and is skipped with that reason.
"""

from __future__ import annotations

from pathlib import Path

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.packages import DependencySet, Skipped, normalise
from compliance_gate.deps.readers.common import (
    Collected,
    array,
    array_table_lines,
    load_toml,
    pin,
    read_text,
    require_str,
)


def read_pylock(root: Path, path: Path, target: Target) -> DependencySet:
    text, info = read_text(root, path)
    shown = info.path
    data = load_toml(text, shown)
    lock_version = data.get("lock-version")
    if not isinstance(lock_version, str) or lock_version.split(".")[0] != "1":
        raise LockFileError(shown, 1, f"lock-version {lock_version!r} is not a PEP 751 version 1.x lock file")
    extras = frozenset(x for x in array(data.get("extras")) if isinstance(x, str))
    groups = frozenset(x for x in array(data.get("dependency-groups")) if isinstance(x, str))
    entries = data.get("packages", [])
    if not isinstance(entries, list):
        raise LockFileError(shown, None, "`packages` is not an array of tables")
    found = Collected()
    for entry, line in zip(entries, array_table_lines(text, "packages", len(entries)), strict=True):
        if not isinstance(entry, dict):
            raise LockFileError(shown, line, "package entry is not a table")
        name = require_str(entry, "name", shown, line)
        version = entry.get("version")
        marker = entry.get("marker")
        if "directory" in entry:
            found.add(Skipped(normalise(name), "local directory, not a PyPI release", shown, line))
        elif not isinstance(version, str):
            found.add(Skipped(normalise(name), "no version recorded (VCS or archive)", shown, line))
        else:
            pinned = pin(
                target,
                name,
                version,
                shown,
                line,
                marker if isinstance(marker, str) else None,
                extras=extras,
                dependency_groups=groups,
            )
            found.add(pinned)
    return found.result("pylock.toml", (info,))
