"""What a release changes, read from git, for the change-scope check.

Paths are relative to the repository top (outside git: to the scanned root), sorted, unique.
Deleted files and both sides of a rename count (`--no-renames`): deleting a migration or a CI
workflow is a change to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compliance_gate.gitrepo import GitProblem, GitRepo
from compliance_gate.scanning.workspace import Workspace

__all__ = ["Changes", "GitProblem", "changed_paths", "file_at", "relative_path"]


@dataclass(frozen=True, slots=True)
class Changes:
    paths: tuple[str, ...]
    basis: str
    label: str
    base: str | None = None


def changed_paths(ws: Workspace) -> Changes:
    g = ws.git
    if g is None:
        return Changes(tuple(sorted(f.path for f in ws.files)), "files", "workspace files")
    top = Path(g.toplevel)
    if ws.mode == "since":
        if not g.since_commit or not g.commit:
            raise GitProblem("change-scope: the release range has no base or head commit")
        out = _git(top, "diff", "--name-only", "-z", "--no-renames", g.since_commit, g.commit)
        label = f"git diff {g.since_commit[:12]}..{g.commit[:12]}"
        return Changes(_split(out), "range", label, g.since_commit)
    if ws.mode == "staged":
        return Changes(
            _split(_git(top, "diff", "--cached", "--name-only", "-z", "--no-renames")), "staged", "git diff --cached"
        )
    if ws.mode == "tree":
        return Changes(_split(_git(top, "ls-files", "-z")), "tree", "git ls-files (whole tree)")
    prefix = f"{rel}/" if (rel := relative_path(ws.root, top)) else ""
    return Changes(tuple(sorted(prefix + f.path for f in ws.files)), "files", "explicit files")


def file_at(top: Path, base: str, rel: str) -> str | None:
    """The text of `rel` as it was at commit `base`, or None when it did not exist there."""
    return GitRepo.at(top).show(base, rel)


def _git(top: Path, *args: str) -> str:
    try:
        return GitRepo.at(top).run(*args)
    except GitProblem as exc:
        raise GitProblem(f"change-scope: {exc}") from None


def _split(out: str) -> tuple[str, ...]:
    return tuple(sorted({p for p in out.split("\0") if p}))


def relative_path(path: Path, top: Path) -> str | None:
    """`path` relative to the repository top, POSIX-style ("" for the top itself); None outside it."""
    try:
        rel = path.resolve().relative_to(top.resolve()).as_posix()
    except (ValueError, OSError):
        return None
    return "" if rel == "." else rel
