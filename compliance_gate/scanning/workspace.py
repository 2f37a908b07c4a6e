"""The set of files a run scans, and where they came from.

A workspace is chosen in one of four modes:

- `tree`: every git-tracked file plus untracked files that are not ignored (or, outside git,
  every file under the root);
- `since`: files changed between the merge base of a ref and HEAD (a release range);
- `staged`: files in the git index, read from the index itself (a snapshot in a temporary
  folder), so that what is scanned is exactly what would be committed;
- `files`: explicit paths (what pre-commit passes).

Whatever the mode, the policy's include/exclude globs apply; symlinks are never followed (a link
is skipped and counted, so nothing outside the repository is ever read); binary files (a NUL in
the first 8 KiB) and files over the size limit are skipped and counted; a file that cannot be read
is a *problem*, which keeps the verdict from passing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate import paths
from compliance_gate.errors import UsageError
from compliance_gate.gitrepo import GitProblem, GitRepo
from compliance_gate.policy import PathRules

BINARY_PROBE_BYTES = 8192
ALWAYS_EXCLUDED_DIRS = frozenset({".git", ".compliance-gate"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str
    abspath: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class GitInfo:
    toplevel: str
    commit: str | None
    ref: str | None
    dirty: bool
    since: str | None = None
    since_commit: str | None = None


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path
    mode: str
    files: tuple[SourceFile, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    git: GitInfo | None = None
    snapshot: Path | None = None
    why_empty: str = ""
    """When no file was selected, why (say, the folder is ignored by its repository's .gitignore):
    a run that scanned nothing must not pass, and this tells the user what to change."""

    def close(self) -> None:
        """Remove the staged snapshot, if any."""
        if self.snapshot is not None:
            shutil.rmtree(self.snapshot, ignore_errors=True)


def open_workspace(
    root: str | Path,
    rules: PathRules,
    *,
    mode: str = "tree",
    since: str | None = None,
    files: Sequence[str] = (),
) -> Workspace:
    """Build the workspace for `root`; raises `UsageError` for a bad root, ref or file."""
    top = readable_root(root)
    repo = GitRepo.discover(top)
    git = _git_info(repo, top) if repo is not None else None
    snapshot: Path | None = None
    prefix = _prefix(repo, top)
    listing: list[str] = []
    if mode == "tree":
        candidates = _list_tree(repo, top, prefix, listing)
    elif mode == "since":
        if repo is None or git is None:
            raise UsageError(f"--since needs a git repository; {top} is not one")
        since_commit, candidates = _list_since(repo, since or "", prefix)
        git = GitInfo(git.toplevel, git.commit, git.ref, git.dirty, since, since_commit)
    elif mode == "staged":
        if repo is None:
            raise UsageError(f"--staged needs a git repository; {top} is not one")
        snapshot, candidates = _snapshot_staged(repo, prefix)
    elif mode == "files":
        candidates = _explicit(top, files)
    else:
        raise UsageError(f"unknown workspace mode {mode!r}")
    read_root = snapshot if snapshot is not None else top
    selected, skipped, problems = _admit(read_root, candidates, rules)
    why = "" if selected else _why_empty(repo, prefix, mode, candidates, skipped)
    return Workspace(top, mode, selected, dict(skipped), (*listing, *problems), git, snapshot, why)


def readable_root(root: str | Path) -> Path:
    """`root` resolved, if it is a folder the gate can list; else `UsageError` saying why."""
    top = Path(root)
    try:
        if not top.is_dir():
            raise UsageError(f"{root}: not a directory; pass the repository to scan")
        with os.scandir(top):
            pass
    except OSError as exc:
        raise UsageError(
            f"{root}: cannot read the folder ({exc.strerror}); run the gate as a user who can read the repository"
        ) from None
    return top.resolve()


def _why_empty(repo: GitRepo | None, prefix: str, mode: str, candidates: list[str], skipped: Counter[str]) -> str:
    """Why a workspace selected no file, in words a user can act on (no machine paths)."""
    if repo is not None and prefix and not candidates and mode == "tree":
        rule = repo.ignore_rule(prefix)
        if rule is not None:
            return (
                f"the folder ({prefix} in its enclosing git repository) is ignored by that repository "
                f"({rule}); git lists none of its files. Stop ignoring it, or scan it as a repository of its own"
            )
    if not candidates:
        what = {"since": "the release range changes no file", "staged": "nothing is staged"}.get(mode, "no files")
        return f"{what}: nothing to scan"
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
    return f"every file was left out by the policy's paths or skipped ({reasons})"


def _git_info(repo: GitRepo, top: Path) -> GitInfo:
    return GitInfo(repo.toplevel, repo.head_commit(), repo.head_ref(), repo.is_dirty(str(top)))


def _prefix(repo: GitRepo | None, top: Path) -> str:
    """Where `top` sits inside the repository ('' at its top, 'examples/svc/' below it).

    git prints paths relative to the top of the work tree; we report them relative to `top`.
    """
    if repo is None:
        return ""
    rel = top.relative_to(Path(repo.toplevel).resolve()).as_posix()
    return "" if rel == "." else rel + "/"


def _strip(out: str, prefix: str) -> list[str]:
    return sorted({p[len(prefix) :] for p in out.split("\0") if p and p.startswith(prefix)})


def _list_tree(repo: GitRepo | None, top: Path, prefix: str, problems: list[str]) -> list[str]:
    """Every file of the tree; a folder that cannot be listed is a problem, never a silent gap."""
    if repo is None:
        return sorted(_walk(top, problems))
    out, warnings = repo.run_warned("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", prefix or ".")
    problems += [f"git: {w}; its files were not scanned" for w in warnings if "could not open" in w]
    return _strip(out, prefix)


def _walk(top: Path, problems: list[str]) -> Iterable[str]:
    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename).relative_to(top).as_posix() if exc.filename else "."
        problems.append(f"{where}/: cannot list the folder ({exc.strerror}); its files were not scanned")

    for dirpath, dirnames, filenames in os.walk(top, followlinks=False, onerror=unreadable):
        dirnames[:] = [d for d in dirnames if d not in ALWAYS_EXCLUDED_DIRS]
        rel = Path(dirpath).relative_to(top)
        for name in filenames:
            yield (rel / name).as_posix()


def _list_since(repo: GitRepo, since: str, prefix: str) -> tuple[str, list[str]]:
    try:
        base = repo.merge_base(since)
    except GitProblem as exc:
        raise UsageError(f"--since {exc}") from None
    out = repo.run("diff", "--name-only", "-z", "--diff-filter=d", base, "HEAD", "--", prefix or ".")
    return base, _strip(out, prefix)


def _snapshot_staged(repo: GitRepo, prefix: str) -> tuple[Path, list[str]]:
    out = repo.run("diff", "--cached", "--name-only", "-z", "--diff-filter=d", "--", prefix or ".")
    paths = _strip(out, prefix)
    snap = Path(tempfile.mkdtemp(prefix="compliance-gate-staged-"))
    if paths:
        # checkout-index writes the index blobs (not the work tree) under the snapshot folder.
        repo.run("checkout-index", "--force", f"--prefix={snap}/", "--", *(prefix + p for p in paths))
    inner = snap / prefix
    inner.mkdir(parents=True, exist_ok=True)
    return inner, paths


def _explicit(top: Path, files: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in files:
        p = Path(name)
        p = p if p.is_absolute() else (Path.cwd() / p)
        if not p.exists() and not p.is_symlink():
            alt = top / name
            if alt.exists() or alt.is_symlink():
                p = alt
            else:
                raise UsageError(f"{name}: no such file")
        parent = p.parent.resolve()
        try:
            rel = (parent / p.name).relative_to(top)
        except ValueError:
            raise UsageError(f"{name}: outside the scanned root {top}") from None
        out.append(rel.as_posix())
    return sorted(set(out))


def in_scope(path: str, rules: PathRules) -> bool:
    """The policy's path rules for a repo-relative path (also for paths that are not on disk now,
    such as files in a commit of the release range)."""
    if any(part in ALWAYS_EXCLUDED_DIRS for part in path.split("/")[:-1]):
        return False
    return paths.select(path, rules.include, rules.exclude)


def _admit(
    read_root: Path, candidates: Iterable[str], rules: PathRules
) -> tuple[tuple[SourceFile, ...], Counter[str], list[str]]:
    selected: list[SourceFile] = []
    skipped: Counter[str] = Counter()
    problems: list[str] = []
    for rel in candidates:
        if any(part in ALWAYS_EXCLUDED_DIRS for part in rel.split("/")[:-1]):
            continue
        if not in_scope(rel, rules):
            skipped["excluded"] += 1
            continue
        abspath = read_root / rel
        try:
            st = os.lstat(abspath)
        except FileNotFoundError:
            skipped["missing"] += 1  # tracked but deleted in the work tree
            continue
        except OSError as exc:
            problems.append(f"{rel}: cannot stat ({exc.strerror})")
            continue
        if stat.S_ISLNK(st.st_mode):
            skipped["symlink"] += 1
            continue
        if not stat.S_ISREG(st.st_mode):
            skipped["special"] += 1
            continue
        if st.st_size > rules.max_file_bytes:
            skipped["too-large"] += 1
            continue
        try:
            digest, binary = _digest(abspath)
        except OSError as exc:
            problems.append(f"{rel}: cannot read ({exc.strerror}); fix its permissions or exclude it")
            continue
        if binary:
            skipped["binary"] += 1
            continue
        selected.append(SourceFile(rel, str(abspath), st.st_size, digest))
    return tuple(selected), skipped, problems


def _digest(path: Path) -> tuple[str, bool]:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        head = fh.read(BINARY_PROBE_BYTES)
        if b"\0" in head:
            return "", True
        h.update(head)
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest(), False
