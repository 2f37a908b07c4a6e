"""The one git layer: every question the gate asks git goes through `GitRepo`, on gitpython.

Why gitpython rather than our own subprocess wrapper: the workspace needs typed facts (the HEAD
commit, the branch, whether the work tree is dirty) that gitpython reads without us parsing
porcelain output, and it is already a dependency for that. For everything else (`ls-files`,
`diff`, `log -p`, `show`, `checkout-index`) it runs the git binary with an argument list, never
a shell, kills a command that hangs, and reports failures as typed errors. One layer means one
place for the timeout, for the error message (git's own first line, never a traceback) and for
decoding paths: git prints bytes, and a file name that is not UTF-8 survives as surrogate
escapes instead of turning into an exception.

gitpython is imported on first use: it takes a noticeable part of a second to import, and the
pre-commit hook on a few staged files should not pay that before it needs git.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate.errors import GateError

if TYPE_CHECKING:
    from git import Repo

TIMEOUT_S = 300.0
"""A git command that runs longer than this is killed and reported."""


class GitProblem(GateError):
    """git could not answer (a bad revision, a missing object, a broken repository...): the
    gate cannot evaluate, exit code 3."""


class GitRepo:
    """A repository: typed facts from gitpython, and git commands whose output is text or bytes."""

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        self.toplevel = str(repo.working_tree_dir)

    @classmethod
    def discover(cls, path: Path) -> GitRepo | None:
        """The repository containing `path` (searching its parents), or None outside git."""
        import git

        try:
            return cls(git.Repo(path, search_parent_directories=True))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            return None

    @classmethod
    def at(cls, toplevel: str | Path) -> GitRepo:
        """The repository whose work tree is `toplevel`; `GitProblem` if there is none."""
        import git

        try:
            return cls(git.Repo(toplevel))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitProblem(f"{toplevel}: not a git repository") from None

    def head_commit(self) -> str | None:
        """The commit HEAD points at; None in a repository without commits."""
        try:
            return str(self._repo.head.commit.hexsha)
        except ValueError:  # an empty repository has no HEAD commit yet
            return None

    def head_ref(self) -> str | None:
        """The branch HEAD is on (`refs/heads/main`); None when detached."""
        return None if self._repo.head.is_detached else str(self._repo.head.reference.path)

    def is_dirty(self, path: str) -> bool:
        """Uncommitted changes (untracked files included) under `path`."""
        return bool(self._repo.is_dirty(untracked_files=True, path=path))

    def _execute(self, args: tuple[str, ...]) -> tuple[bytes, str]:
        """Standard output and error of `git ARGS`; `GitProblem` when it fails."""
        import git

        try:
            status, out, err = self._repo.git.execute(
                ["git", *args],
                with_extended_output=True,
                with_exceptions=False,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
                kill_after_timeout=TIMEOUT_S,
            )
        except git.GitCommandError as exc:  # git could not be started at all
            raise GitProblem(f"git {args[0]} failed to run ({exc.status})") from None
        text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
        if status != 0:
            first = (text.strip().splitlines() or ["no message"])[0]
            raise GitProblem(f"git {' '.join(args[:2])} failed: {first[:200]}")
        return (out if isinstance(out, bytes) else str(out).encode()), text

    def run_bytes(self, *args: str) -> bytes:
        """`git ARGS` in the work tree; its standard output unchanged. Raises `GitProblem`."""
        return self._execute(args)[0]

    def run_warned(self, *args: str) -> tuple[str, tuple[str, ...]]:
        """`git ARGS` as text, with the `warning:` lines git printed while still exiting 0 (an
        unreadable folder that `ls-files` could not open, say): callers must not ignore them."""
        out, err = self._execute(args)
        warnings = tuple(line[len("warning: ") :] for line in err.splitlines() if line.startswith("warning: "))
        return out.decode("utf-8", errors="surrogateescape"), warnings

    def run(self, *args: str) -> str:
        """`git ARGS` as text (UTF-8; undecodable bytes kept as surrogate escapes)."""
        return self.run_bytes(*args).decode("utf-8", errors="surrogateescape")

    def ignore_rule(self, path: str) -> str | None:
        """The `.gitignore` rule (`source:line:pattern`) that ignores `path`, or None."""
        try:
            out = self.run("check-ignore", "-v", "--", path)
        except GitProblem:  # exit 1: not ignored
            return None
        rule = out.split("\t", 1)[0].strip()
        return rule or None

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def merge_base(self, ref: str) -> str:
        """The merge base of `ref` and HEAD. Raises `GitProblem` (with a hint for shallow clones)."""
        try:
            return self.run("merge-base", ref, "HEAD").strip()
        except GitProblem:
            hint = (
                " (this is a shallow clone: fetch the history, e.g. actions/checkout fetch-depth: 0)"
                if self.is_shallow()
                else ""
            )
            raise GitProblem(f"{ref}: no such revision or no common history with HEAD{hint}") from None

    def show(self, revision: str, path: str) -> str | None:
        """The text of `path` at `revision`, or None when it does not exist there."""
        try:
            return self.run("show", f"{revision}:{path}")
        except GitProblem:
            return None
