"""`Pipfile.lock`: Pipenv's lock file (JSON, `default` and `develop` sections).

Both sections are audited (`develop` packages carry the group `develop`). Each entry pins
`"version": "==X"`; an editable or path entry without a version is the team's own code and is
skipped; a git entry without a version cannot be matched and is skipped with that reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.packages import DependencySet, Skipped, normalise
from compliance_gate.deps.readers.common import Collected, pin, read_text

_SECTIONS = ("default", "develop")
_SECTION_LINE = re.compile(r'^\s*"(default|develop)"\s*:\s*\{')
_ENTRY_LINE = re.compile(r'^\s*"([^"]+)"\s*:\s*\{')


def read_pipfile_lock(root: Path, path: Path, target: Target) -> DependencySet:
    text, info = read_text(root, path)
    shown = info.path
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockFileError(shown, exc.lineno, f"not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict) or not any(isinstance(data.get(s), dict) for s in _SECTIONS):
        raise LockFileError(shown, 1, "no `default` or `develop` section: not a Pipfile.lock")
    lines = _entry_lines(text)
    found = Collected()
    for section in _SECTIONS:
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise LockFileError(shown, None, f"`{section}` is not an object")
        groups = () if section == "default" else (section,)
        for raw_name, entry in entries.items():
            line = lines.get((section, raw_name))
            if not isinstance(entry, dict):
                raise LockFileError(shown, line, f"entry {raw_name!r} is not an object")
            version = entry.get("version")
            marker = entry.get("markers")
            if not isinstance(version, str):
                why = "git source without a version" if "git" in entry else "local or editable entry without a version"
                found.add(Skipped(normalise(raw_name), why, shown, line))
                continue
            if not version.startswith("=="):
                raise LockFileError(shown, line, f"{raw_name}: version {version!r} is not an exact `==` pin")
            result = pin(target, raw_name, version.lstrip("="), shown, line, marker, groups)
            found.add(result)
    return found.result("Pipfile.lock", (info,))


def _entry_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each `"name": {` directly inside `default`/`develop` (the first key's indentation)."""
    out: dict[tuple[str, str], int] = {}
    section: str | None = None
    section_indent = entry_indent = -1
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip())
        found = _SECTION_LINE.match(line)
        if found and section is None:
            section, section_indent, entry_indent = found.group(1), indent, -1
        elif section is not None and line.strip().startswith("}") and indent == section_indent:
            section = None
        elif section is not None and (entry := _ENTRY_LINE.match(line)):
            if entry_indent < 0:
                entry_indent = indent
            if indent == entry_indent:
                out.setdefault((section, entry.group(1)), number)
    return out
