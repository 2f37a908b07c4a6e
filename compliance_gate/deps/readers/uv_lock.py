"""`uv.lock`: uv's universal lock file.

uv locks for every platform at once, so its package entries carry no markers: the markers sit on
the dependency edges. A package is installed on the target when some path of edges from a
workspace member (an `editable` or `virtual` source) reaches it with every marker true there;
optional and development dependencies count as paths (a lock file cannot say they are never
installed). Packages from a local path or directory are the team's own code, not PyPI releases,
and are skipped; registry, git and URL sources are audited by the version uv recorded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from pathlib import Path

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.packages import DependencySet, Package, Skipped, normalise
from compliance_gate.deps.readers.common import (
    Collected,
    admitted,
    array_table_lines,
    load_toml,
    read_text,
    require_str,
)

_MEMBER_SOURCES = frozenset({"editable", "virtual"})
_LOCAL_SOURCES = frozenset({"path", "directory"})

Key = tuple[str, str | None]
Node = tuple[Mapping[str, object], int | None]


def read_uv_lock(root: Path, path: Path, target: Target) -> DependencySet:
    text, info = read_text(root, path)
    shown = info.path
    data = load_toml(text, shown)
    if not isinstance(data.get("version"), int):
        raise LockFileError(shown, 1, "no integer `version`: not a uv.lock file")
    entries = data.get("package", [])
    if not isinstance(entries, list):
        raise LockFileError(shown, None, "`package` is not an array of tables")
    lines = array_table_lines(text, "package", len(entries))
    nodes: dict[Key, Node] = {}
    by_name: dict[str, list[Key]] = {}
    for entry, line in zip(entries, lines, strict=True):
        if not isinstance(entry, dict):
            raise LockFileError(shown, line, "package entry is not a table")
        name = normalise(require_str(entry, "name", shown, line))
        version = entry.get("version")
        key = (name, version if isinstance(version, str) else None)
        nodes[key] = (entry, line)
        by_name.setdefault(name, []).append(key)

    def kind(entry: Mapping[str, object]) -> str:
        source = entry.get("source", {})
        return next(iter(source), "registry") if isinstance(source, dict) else "registry"

    roots = {k for k, (entry, _) in nodes.items() if kind(entry) in _MEMBER_SOURCES} or set(nodes)
    reached = _reachable(roots, nodes, by_name, target, shown)

    found = Collected()
    for key, (entry, line) in nodes.items():
        name, version = key
        source = kind(entry)
        if key in roots and source in _MEMBER_SOURCES:
            found.add(Skipped(name, f"workspace member ({source} source)", shown, line, version))
        elif source in _LOCAL_SOURCES:
            found.add(Skipped(name, f"local {source} source, not a PyPI release", shown, line, version))
        elif version is None:
            found.add(Skipped(name, "no version recorded", shown, line))
        elif key not in reached:
            reason = "no dependency path whose markers hold on the target platform"
            found.add(Skipped(name, reason, shown, line, version))
        else:
            found.add(Package(name, version, shown, line))
    return found.result("uv.lock", (info,))


def _reachable(
    roots: set[Key],
    nodes: dict[Key, Node],
    by_name: dict[str, list[Key]],
    target: Target,
    shown: str,
) -> set[Key]:
    seen: set[Key] = set(roots)
    queue = deque(roots)
    while queue:
        entry, line = nodes[queue.popleft()]
        for edge in _edges(entry, shown, line):
            if not isinstance(edge, dict) or not isinstance(edge.get("name"), str):
                raise LockFileError(shown, line, "dependency entry has no `name`")
            marker = edge.get("marker")
            if not admitted(target, marker if isinstance(marker, str) else None, shown, line):
                continue
            name = normalise(edge["name"])
            version = edge.get("version")
            keys = [(name, version)] if isinstance(version, str) and (name, version) in nodes else by_name.get(name, [])
            for key in keys:
                if key not in seen:
                    seen.add(key)
                    queue.append(key)
    return seen


def _edges(entry: Mapping[str, object], shown: str, line: int | None) -> list[object]:
    """Every dependency edge of a package: required, optional and development ones."""
    lists = [entry.get("dependencies", [])]
    for table in ("optional-dependencies", "dev-dependencies"):
        groups = entry.get(table, {})
        if not isinstance(groups, dict):
            raise LockFileError(shown, line, f"`{table}` is not a table")
        lists.extend(groups.values())
    edges: list[object] = []
    for found in lists:
        if not isinstance(found, list):
            raise LockFileError(shown, line, "dependencies are not an array")  # never a silently shorter graph
        edges.extend(found)
    return edges
