"""`poetry.lock`: Poetry's lock file.

Poetry 2 writes each package's `groups` and, where it applies only somewhere, its `markers` (a
string, or a table of one marker per group: installed when any holds). Older lock files have
neither: every package is audited. Optional packages (installed with an extra) are audited too.
Packages from a local `directory` or `file` source are the team's own code and are skipped.
"""

from __future__ import annotations

from pathlib import Path

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.packages import DependencySet, Package, Skipped, normalise
from compliance_gate.deps.readers.common import (
    Collected,
    admitted,
    array,
    array_table_lines,
    load_toml,
    read_text,
    require_str,
)

_LOCAL_SOURCES = frozenset({"directory", "file"})


def read_poetry_lock(root: Path, path: Path, target: Target) -> DependencySet:
    text, info = read_text(root, path)
    shown = info.path
    data = load_toml(text, shown)
    entries = data.get("package", [])
    if not isinstance(entries, list):
        raise LockFileError(shown, None, "`package` is not an array of tables")
    found = Collected()
    for entry, line in zip(entries, array_table_lines(text, "package", len(entries)), strict=True):
        if not isinstance(entry, dict):
            raise LockFileError(shown, line, "package entry is not a table")
        name = normalise(require_str(entry, "name", shown, line))
        version = require_str(entry, "version", shown, line)
        groups = tuple(g for g in array(entry.get("groups")) if isinstance(g, str))
        source = entry.get("source", {})
        source_type = source.get("type") if isinstance(source, dict) else None
        markers = _markers(entry.get("markers"), shown, line)
        if source_type in _LOCAL_SOURCES:
            found.add(Skipped(name, f"local {source_type} source, not a PyPI release", shown, line, version))
        elif not any(admitted(target, m, shown, line) for m in markers):
            reason = f"marker excludes the target platform: {' or '.join(m or '' for m in markers)}"
            found.add(Skipped(name, reason, shown, line, version))
        else:
            marker = " or ".join(f"({m})" for m in markers if m) if len(markers) > 1 else markers[0]
            found.add(Package(name, version, shown, line, marker or None, groups))
    return found.result("poetry.lock", (info,))


def _markers(value: object, shown: str, line: int | None) -> list[str | None]:
    if value is None:
        return [None]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and value and all(isinstance(m, str) for m in value.values()):
        return [str(m) for m in value.values()]
    raise LockFileError(shown, line, f"`markers` is neither a string nor a table of strings: {value!r}")
