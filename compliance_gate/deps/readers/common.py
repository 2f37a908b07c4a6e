"""What every reader shares: reading a file safely, TOML with line numbers, and the marker verdict."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import MarkerError, Target
from compliance_gate.deps.packages import DependencySet, InputFile, Package, Skipped, Unpinned, normalise

_TOML_AT = re.compile(r"at line (\d+)")
_HEADER = re.compile(r"^\s*\[")
_NAME = re.compile(r"""^\s*name\s*=\s*["']""")


@dataclass
class Collected:
    """What a reader found, in file order."""

    packages: list[Package] = field(default_factory=list)
    unpinned: list[Unpinned] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, entry: Package | Unpinned | Skipped) -> None:
        if isinstance(entry, Package):
            self.packages.append(entry)
        elif isinstance(entry, Unpinned):
            self.unpinned.append(entry)
        else:
            self.skipped.append(entry)

    def result(self, kind: str, files: tuple[InputFile, ...]) -> DependencySet:
        return DependencySet(
            kind, files[0].path, files, tuple(self.packages), tuple(self.unpinned), tuple(self.skipped)
        )


def display_path(root: Path, path: Path) -> str:
    """Repo-relative POSIX path when inside the repository, else the absolute path."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def read_text(root: Path, path: Path) -> tuple[str, InputFile]:
    """The file's text and digest; an unreadable or non-UTF-8 file is a `LockFileError`."""
    shown = display_path(root, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LockFileError(shown, None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LockFileError(shown, None, f"not UTF-8 text (byte {exc.start})") from exc
    return text, InputFile(shown, hashlib.sha256(data).hexdigest())


def load_toml(text: str, shown: str) -> dict[str, object]:
    """TOML as parsed (values are checked where they are read); an invalid file names its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.search(str(exc))
        raise LockFileError(shown, int(found.group(1)) if found else None, f"not valid TOML: {exc}") from exc


def array_table_lines(text: str, header: str, count: int) -> list[int | None]:
    """The line of each `[[header]]` entry's `name = ...` key (its header line if it has none).

    Entries of a TOML array of tables come in file order, so the i-th header is the i-th entry;
    when the file writes the array inline instead, no line is known.
    """
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == f"[[{header}]]"]
    if len(starts) != count:
        return [None] * count
    out: list[int | None] = []
    for start in starts:
        found = start + 1
        for j in range(start + 1, len(lines)):
            if _HEADER.match(lines[j]):
                break
            if _NAME.match(lines[j]):
                found = j + 1
                break
        out.append(found)
    return out


def table(value: object) -> Mapping[str, object]:
    """A TOML/JSON table as read, or an empty one when the value is something else."""
    return value if isinstance(value, dict) else {}


def array(value: object) -> list[object]:
    """A TOML/JSON array as read, or an empty one when the value is something else."""
    return value if isinstance(value, list) else []


def require_str(entry: Mapping[str, object], key: str, shown: str, line: int | None) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise LockFileError(shown, line, f"entry has no {key!r} string")
    return value


def admitted(
    target: Target,
    marker: str | None,
    shown: str,
    line: int | None,
    *,
    extras: frozenset[str] | None = None,
    groups: frozenset[str] | None = None,
) -> bool:
    try:
        return target.admits(marker, extras=extras, groups=groups)
    except MarkerError as exc:
        raise LockFileError(shown, line, str(exc)) from exc


def pin(
    target: Target,
    name: str,
    version: str,
    shown: str,
    line: int | None,
    marker: str | None = None,
    groups: tuple[str, ...] = (),
    *,
    extras: frozenset[str] | None = None,
    dependency_groups: frozenset[str] | None = None,
) -> Package | Skipped:
    """A pinned entry: a `Package` when its marker holds on the target, else a `Skipped` saying so."""
    if admitted(target, marker, shown, line, extras=extras, groups=dependency_groups):
        return Package(normalise(name), version, shown, line, marker or None, groups)
    return Skipped(normalise(name), f"marker excludes the target platform: {marker}", shown, line, version)
