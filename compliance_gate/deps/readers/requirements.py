"""Pinned `requirements*.txt` files, as pip reads them.

Physical lines ending in `\\` are joined, comments dropped, `-r FILE` includes followed (relative
to the including file, each file once), per-requirement options (`--hash=...`) set aside, and each
line parsed as a PEP 508 requirement. `name==X` (or `===X`) is a pin; a range is reported as not
pinned unless a `-c FILE` constraints file pins it. Editable, path and URL requirements are the
team's own code or not a PyPI release, and are skipped. Environment variables are not expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from compliance_gate.deps.errors import LockFileError
from compliance_gate.deps.markers import Target
from compliance_gate.deps.packages import DependencySet, InputFile, Package, Skipped, Unpinned, normalise
from compliance_gate.deps.readers.common import Collected, admitted, pin, read_text

_COMMENT = re.compile(r"(^|\s+)#.*$")
_FILE_OPTIONS = (("-r", "--requirement"), ("-c", "--constraint"), ("-e", "--editable"))
_EGG = re.compile(r"#egg=([A-Za-z0-9._-]+)")


@dataclass
class _Reading:
    root: Path
    target: Target
    files: list[InputFile] = field(default_factory=list)
    seen: set[Path] = field(default_factory=set)
    found: Collected = field(default_factory=Collected)
    constraints: dict[str, Package] = field(default_factory=dict)


def read_requirements(root: Path, paths: list[Path], target: Target) -> DependencySet:
    """Read `paths` (the repository's `requirements*.txt`, `requirements.txt` first) and their includes."""
    reading = _Reading(root, target)
    for path in paths:
        _read_file(reading, path, constraint=False)
    found = Collected(skipped=reading.found.skipped)
    first: dict[tuple[str, str], Package] = {}
    for package in reading.found.packages:
        first.setdefault((package.name, package.version), package)
    for item in reading.found.unpinned:
        # a range in a requirements file, pinned by a `-c` constraints file, is installed at that pin
        pinned = reading.constraints.get(item.name)
        if pinned is None:
            found.add(item)
        else:
            first.setdefault((pinned.name, pinned.version), pinned)
    found.packages.extend(first.values())
    return found.result("requirements", tuple(reading.files))


def _read_file(reading: _Reading, path: Path, *, constraint: bool) -> None:
    resolved = path.resolve()
    if resolved in reading.seen:
        return
    reading.seen.add(resolved)
    text, info = read_text(reading.root, path)
    reading.files.append(info)
    for number, line in _logical_lines(text):
        _read_line(reading, path, info.path, number, line, constraint=constraint)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, joined text without comments) for each non-empty logical line."""
    out: list[tuple[int, str]] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not parts:
            start = number
        if raw.endswith("\\") and not _COMMENT.search(raw):
            parts.append(raw[:-1])
            continue
        parts.append(raw)
        joined = _COMMENT.sub("", " ".join(p.strip() for p in parts)).strip()
        parts = []
        if joined:
            out.append((start, joined))
    if parts:
        joined = _COMMENT.sub("", " ".join(p.strip() for p in parts)).strip()
        if joined:
            out.append((start, joined))
    return out


def _read_line(reading: _Reading, path: Path, shown: str, line: int, text: str, *, constraint: bool) -> None:
    option = _file_option(text)
    if option and option[0] == "-e":
        egg = _EGG.search(option[1])
        name = normalise(egg.group(1)) if egg else option[1]
        reading.found.add(Skipped(name, "editable requirement: the team's own code", shown, line))
        return
    if option:
        included = path.parent / option[1]
        if not option[1] or not included.is_file():
            raise LockFileError(shown, line, f"{option[0]} {option[1]}: no such file")
        _read_file(reading, included, constraint=constraint or option[0] == "-c")
        return
    if text.startswith("-"):
        return  # a global option (--index-url, --require-hashes...): nothing to audit
    tokens = text.split(" ")
    cut = next((i for i, token in enumerate(tokens) if token.startswith("-")), len(tokens))
    _read_requirement(reading, shown, line, " ".join(tokens[:cut]).strip(), constraint=constraint)


def _file_option(text: str) -> tuple[str, str] | None:
    """(`-r`, `-c` or `-e`, its value) for `-r FILE`, `-rFILE`, `--requirement=FILE`... else None."""
    for short, long in _FILE_OPTIONS:
        if text.startswith(long) and text[len(long) : len(long) + 1] in ("=", " ", "\t"):
            return short, text[len(long) :].lstrip("= \t").strip()
        if text.startswith(short) and not text.startswith("--"):
            return short, text[len(short) :].lstrip("= \t").strip()
    return None


def _read_requirement(reading: _Reading, shown: str, line: int, text: str, *, constraint: bool) -> None:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        if "/" in text or text.endswith((".whl", ".zip", ".tar.gz")):
            reading.found.add(Skipped(text, "path or URL without a project name", shown, line))
            return
        raise LockFileError(shown, line, f"not a valid requirement {text!r}: {exc}") from exc
    marker = str(req.marker) if req.marker else None
    name = normalise(req.name)
    if req.url:
        reading.found.add(Skipped(name, "direct URL reference, not a PyPI release", shown, line))
        return
    specs = list(req.specifier)
    exact = len(specs) == 1 and (
        specs[0].operator == "===" or (specs[0].operator == "==" and "*" not in specs[0].version)
    )
    if exact:
        found = pin(reading.target, req.name, specs[0].version, shown, line, marker)
        if constraint:
            if isinstance(found, Package):
                reading.constraints.setdefault(name, found)
            return
        reading.found.add(found)
    elif constraint:
        return
    elif admitted(reading.target, marker, shown, line):
        reading.found.add(Unpinned(name, str(req.specifier) or "(any version)", shown, line, marker))
    else:
        reading.found.add(Skipped(name, f"marker excludes the target platform: {marker}", shown, line))
