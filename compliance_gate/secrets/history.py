"""The release's history: the lines every commit in BASE..HEAD added, as scan jobs.

A secret committed and deleted later is still in the history (and in every clone): it blocks. One
`git log -p --cc -U1` (through gitpython) lists, oldest first, what each commit added; merges
contribute only lines that are in none of their parents (an evil merge), since the rest was
already added by the merged commits. One line of context gives each added line its real previous
line, so `pragma: allowlist nextline secret` works as in the file (the engine's own diff scan
looks the previous line up in the list of *added* lines, which is wrong as soon as a hunk has
context).

Each added line is scanned once (`write_jobs`): not again when a later commit adds the same text
to the same file, and not here when the text is still in the file the tree scan reads (that scan
reports it, in its real context). Each (commit, file) with added lines left becomes a small JSON
job file that goes through the engine's fan-out like any file, so history results are cached by
content and scanned on all cores.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate.errors import CheckFailure
from compliance_gate.gitrepo import GitProblem, GitRepo, unquote_path
from compliance_gate.scanning.workspace import SourceFile

_HUNK = re.compile(rb"^(@@+) (.*?) @@+")


@dataclass(slots=True)
class Change:
    """Lines of one file in one commit: `known` maps line number to text, `added` are new."""

    commit: str
    path: str
    known: dict[int, str] = field(default_factory=dict)
    added: list[int] = field(default_factory=list)


def resolve_base(repo: GitRepo, ref: str) -> str:
    """The merge base of `ref` and HEAD; a clear error for an unknown ref or a shallow clone."""
    try:
        return repo.merge_base(ref)
    except GitProblem as exc:
        raise CheckFailure(f"history_since {exc}") from None


def check_complete(repo: GitRepo, base: str) -> int:
    """Number of commits in base..HEAD; refuses a range that a shallow clone cut short."""
    commits = [c for c in repo.run("rev-list", f"{base}..HEAD").split() if c]
    if repo.is_shallow():
        shallow = Path(repo.run("rev-parse", "--git-path", "shallow").strip())
        path = shallow if shallow.is_absolute() else Path(repo.toplevel) / shallow
        grafted = set(path.read_text().split()) if path.is_file() else set()
        cut = [c for c in commits if c in grafted]
        if cut:
            raise CheckFailure(
                f"shallow clone: the parents of commit {cut[0][:12]} are missing, so what it added cannot be "
                "told apart from what was there; fetch the full history (actions/checkout fetch-depth: 0)"
            )
    return len(commits)


def changes(repo: GitRepo, base: str, prefix: str, counts: Counter[str]) -> Iterator[Change]:
    """Added lines per commit and file in base..HEAD, oldest commit first, paths under `prefix`."""
    args = [
        f"{base}..HEAD",
        "--reverse",
        "--format=%x00%H",
        "-p",
        "--cc",
        "-U1",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--submodule=short",
    ]
    if prefix:
        args.append(f"--relative={prefix}")
    raw = repo.run_bytes("log", *args)
    for chunk in raw.split(b"\0")[1:]:
        head, _, body = chunk.partition(b"\n")
        yield from _parse_commit(head.strip().decode("ascii"), body, counts)


def _parse_commit(commit: str, body: bytes, counts: Counter[str]) -> Iterator[Change]:
    current: Change | None = None
    width = 1
    number = 0
    header = False  # between a `diff` line and its first hunk: `+++ ` names the file there
    for raw in body.split(b"\n"):
        if raw.startswith((b"diff --git ", b"diff --cc ", b"diff --combined ")):
            if current is not None and current.added:
                yield current
            current, header = None, True
            continue
        if header and raw.startswith(b"+++ "):
            name = unquote_path(raw[4:])
            current = Change(commit, name) if name is not None else None
            continue
        if header and raw.startswith(b"Binary files "):
            counts["history-binary"] += 1
            continue
        m = _HUNK.match(raw) if raw.startswith(b"@@") else None
        if m:
            header = False
            width = len(m.group(1)) - 1
            new = m.group(2).split()[-1].lstrip(b"+")
            number = int(new.split(b",")[0])
            continue
        if current is None or len(raw) < width or raw.startswith(b"\\"):
            continue
        marks, text = raw[:width], raw[width:]
        if b"-" in marks:
            continue
        line = _decode(text, counts)
        current.known[number] = line
        if marks == b"+" * width:
            current.added.append(number)
        number += 1
    if current is not None and current.added:
        yield current


def _decode(text: bytes, counts: Counter[str]) -> str:
    try:
        return text.decode("utf-8") + "\n"
    except UnicodeDecodeError:
        counts["history-invalid-utf8-lines"] += 1
        return text.decode("utf-8", errors="replace") + "\n"


def write_jobs(
    found: Sequence[Change],
    folder: Path,
    admit: Callable[[str], bool],
    max_bytes: int,
    counts: Counter[str],
    in_tree: Callable[[str], frozenset[str]] = lambda path: frozenset(),
) -> list[SourceFile]:
    """Job files for the fan-out; the job's path is `COMMIT:PATH` (unique and readable).

    `admit` is the same path scope the tree scan has (policy-wide rules and the check's own).
    Each added line is scanned once: a line whose text an earlier commit of the range already
    added to the same file is left out, and so is one whose text is still in the file the tree
    scan reads (`in_tree(path)`: its lines), which reports it there with its real context. What
    is left is what the range added and took out again, the secrets only the history still holds.
    """
    out: list[SourceFile] = []
    seen: set[tuple[str, str]] = set()
    for i, ch in enumerate(found):
        if not admit(ch.path):
            counts["history-excluded"] += 1
            continue
        present = in_tree(ch.path)
        added = []
        for n in ch.added:
            text = ch.known[n].rstrip("\r\n")
            if text in present or (ch.path, text) in seen:
                counts["history-lines-scanned-elsewhere"] += 1
                continue
            seen.add((ch.path, text))
            added.append(n)
        if not added:
            continue
        if sum(len(ch.known[n]) for n in added) > max_bytes:
            counts["history-too-large"] += 1
            continue
        blob = json.dumps({"commit": ch.commit, "path": ch.path, "known": ch.known, "added": added}).encode()
        target = folder / f"{i}.json"
        target.write_bytes(blob)
        out.append(SourceFile(f"{ch.commit}:{ch.path}", str(target), len(blob), hashlib.sha256(blob).hexdigest()))
    return out


def read_job(data: bytes) -> tuple[str, str, list[str], frozenset[int]]:
    """(commit, path, lines padded with '' where unknown, added line numbers) of a job file."""
    job = json.loads(data)
    known = {int(k): v for k, v in job["known"].items()}
    lines = [""] * (max(known) if known else 0)
    for n, text in known.items():
        lines[n - 1] = text
    return job["commit"], job["path"], lines, frozenset(job["added"])
