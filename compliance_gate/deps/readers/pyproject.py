"""`pyproject.toml` (PEP 621 `[project]`, PEP 735 `[dependency-groups]`): the last resort.

It states what the project asks for, not what was resolved: an exact `==` pin is audited, and
every range is reported as not pinned (the policy decides whether that blocks). Dependencies
declared `dynamic` cannot be read without running the build backend: that is an error asking
for a lock file, never an empty (passing) set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.packages import DependencySet, Skipped, Unpinned, normalise
from compliance_gate.deps.readers.common import Collected, admitted, array, load_toml, pin, read_text, table


def read_pyproject(root: Path, path: Path, target: Target) -> DependencySet:
    text, info = read_text(root, path)
    shown = info.path
    data = load_toml(text, shown)
    project = data.get("project", {})
    if not isinstance(project, dict):
        raise LockFileError(shown, None, "`[project]` is not a table")
    if "dependencies" in array(project.get("dynamic")):
        raise LockFileError(
            shown,
            None,
            "dependencies are declared dynamic and cannot be read; commit a lock file "
            "(uv.lock, poetry.lock, pylock.toml, requirements.txt) or set checks.deps.environment: true",
        )
    declared = _declared(project, data.get("dependency-groups", {}), shown)
    found = Collected()
    occurrences: Counter[str] = Counter()
    for group, spec in declared:
        line = _line_of(text, spec, occurrences[spec])
        occurrences[spec] += 1
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            raise LockFileError(shown, line, f"not a valid requirement {spec!r}: {exc}") from exc
        marker = str(req.marker) if req.marker else None
        groups = (group,) if group else ()
        specs = list(req.specifier)
        if req.url:
            found.add(Skipped(normalise(req.name), "direct URL reference, not a PyPI release", shown, line))
        elif len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            pinned = pin(target, req.name, specs[0].version, shown, line, marker, groups)
            found.add(pinned)
        elif admitted(target, marker, shown, line):
            found.add(Unpinned(normalise(req.name), str(req.specifier) or "(any version)", shown, line, marker))
        else:
            reason = f"marker excludes the target platform: {marker}"
            found.add(Skipped(normalise(req.name), reason, shown, line))
    return found.result("pyproject.toml", (info,))


def has_dependencies(root: Path, path: Path) -> bool:
    """Whether a pyproject.toml declares a `[project]` or `[dependency-groups]` table at all."""
    text, info = read_text(root, path)
    data = load_toml(text, info.path)
    return isinstance(data.get("project"), dict) or isinstance(data.get("dependency-groups"), dict)


def _declared(project: Mapping[str, object], dependency_groups: object, shown: str) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for spec in _strings(project.get("dependencies", []), shown, "project.dependencies"):
        out.append((None, spec))
    for extra, specs in table(project.get("optional-dependencies")).items():
        out.extend((extra, s) for s in _strings(specs, shown, f"project.optional-dependencies.{extra}"))
    for group, specs in table(dependency_groups).items():
        # `{include-group = "..."}` entries repeat another group, which is read in its own right
        plain = [s for s in specs if not isinstance(s, dict)] if isinstance(specs, list) else specs
        out.extend((group, s) for s in _strings(plain, shown, f"dependency-groups.{group}"))
    return out


def _strings(value: object, shown: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LockFileError(shown, None, f"{key} is not a list of requirement strings")
    return [str(v) for v in value]


def _line_of(text: str, spec: str, occurrence: int) -> int | None:
    start = -1
    for _ in range(occurrence + 1):
        hits = [i for i in (text.find(f'"{spec}"', start + 1), text.find(f"'{spec}'", start + 1)) if i >= 0]
        if not hits:
            return None
        start = min(hits)
    return text.count("\n", 0, start) + 1
