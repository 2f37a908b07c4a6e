"""The workspace: which files a run scans, in each mode, and what it skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitutil import commit, git, write

from compliance_gate.errors import UsageError
from compliance_gate.policy import PathRules
from compliance_gate.scanning.workspace import open_workspace

RULES = PathRules(exclude=("**/*.lock",), max_file_bytes=1000)


def paths(ws) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.path for f in ws.files]


def test_tree_mode_lists_tracked_and_untracked_not_ignored(repo: Path) -> None:
    """Tracked and untracked files are scanned; git-ignored and policy-excluded ones are not."""
    commit(repo, {"a.py": "x = 1\n", ".gitignore": "secret.env\n", "deps.lock": "x\n"})
    write(repo, {"new.py": "y = 2\n", "secret.env": "K=V\n"})
    ws = open_workspace(repo, RULES)
    assert paths(ws) == [".gitignore", "a.py", "new.py"]
    assert ws.skipped["excluded"] == 1
    assert ws.git is not None and ws.git.dirty and ws.git.commit


def test_binary_and_large_files_are_skipped_and_counted(repo: Path) -> None:
    """Binary and oversized files are counted skips, never scanned, never errors."""
    commit(repo, {"img.png": b"\x89PNG\0\0\0", "big.txt": "1" * 5000, "ok.txt": "fine"})
    ws = open_workspace(repo, RULES)
    assert paths(ws) == ["ok.txt"]
    assert ws.skipped == {"binary": 1, "too-large": 1}


def test_symlinks_are_never_followed(repo: Path, tmp_path: Path) -> None:
    """A link out of the repository (or a loop) is skipped; its target is never read."""
    outside = tmp_path / "outside.txt"
    outside.write_text("4539148803436467")
    commit(repo, {"ok.txt": "fine"})
    os.symlink(outside, repo / "escape.txt")
    os.symlink("loop", repo / "loop")
    ws = open_workspace(repo, RULES)
    assert paths(ws) == ["ok.txt"]
    assert ws.skipped["symlink"] == 2


def test_not_a_git_repository(tmp_path: Path) -> None:
    """A plain folder is walked; the workspace says it is not git."""
    write(tmp_path / "plain", {"a.py": "x", "sub/b.py": "y", ".git/config": "z"})
    ws = open_workspace(tmp_path / "plain", RULES)
    assert paths(ws) == ["a.py", "sub/b.py"]
    assert ws.git is None


def test_empty_repository(repo: Path) -> None:
    """A repository without commits works and has no commit."""
    ws = open_workspace(repo, RULES)
    assert ws.files == () and ws.git is not None and ws.git.commit is None


def test_since_lists_the_release_range(repo: Path) -> None:
    """--since scans only files changed between the merge base and HEAD."""
    commit(repo, {"a.py": "1", "b.py": "1"})
    git(repo, "tag", "v1")
    commit(repo, {"b.py": "2", "c.py": "3"})
    ws = open_workspace(repo, RULES, mode="since", since="v1")
    assert paths(ws) == ["b.py", "c.py"]
    assert ws.git is not None and ws.git.since_commit


def test_since_unknown_ref_is_a_usage_error(repo: Path) -> None:
    """A ref that does not exist is a clear usage error."""
    commit(repo, {"a.py": "1"})
    with pytest.raises(UsageError, match="--since v9: no such revision"):
        open_workspace(repo, RULES, mode="since", since="v9")


def test_staged_reads_the_index_not_the_work_tree(repo: Path) -> None:
    """--staged scans what would be committed, even if the work tree differs."""
    commit(repo, {"a.py": "old"})
    write(repo, {"a.py": "staged content"})
    git(repo, "add", "a.py")
    write(repo, {"a.py": "work tree content"})
    ws = open_workspace(repo, RULES, mode="staged")
    try:
        (f,) = ws.files
        assert Path(f.abspath).read_text() == "staged content"
    finally:
        ws.close()
    assert not Path(f.abspath).exists()


def test_explicit_files_outside_root_are_refused(repo: Path, tmp_path: Path) -> None:
    """An explicit file outside the scanned root is a usage error, not a silent skip."""
    (tmp_path / "other.py").write_text("x")
    with pytest.raises(UsageError, match="outside the scanned root"):
        open_workspace(repo, RULES, mode="files", files=[str(tmp_path / "other.py")])


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    """A root that does not exist is a one-line usage error."""
    with pytest.raises(UsageError, match="not a directory"):
        open_workspace(tmp_path / "nope", RULES)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_a_problem(repo: Path) -> None:
    """A file that cannot be read is a problem that keeps the verdict from passing."""
    commit(repo, {"a.py": "x"})
    (repo / "a.py").chmod(0)
    ws = open_workspace(repo, RULES)
    assert ws.problems and "a.py: cannot read" in ws.problems[0]


@pytest.mark.parametrize("mode", ["tree", "since", "staged"])
def test_root_below_the_top_of_the_repository(repo: Path, mode: str) -> None:
    """A service folder inside a monorepo is scanned with paths relative to that folder."""
    commit(repo, {"svc/a.py": "1", "other/b.py": "1"})
    git(repo, "tag", "v1")
    write(repo, {"svc/c.py": "2", "other/d.py": "2"})
    if mode == "since":
        commit(repo)
    else:
        git(repo, "add", "-A")
    ws = open_workspace(repo / "svc", RULES, mode=mode, since="v1" if mode == "since" else None)
    try:
        expected = ["a.py", "c.py"] if mode == "tree" else ["c.py"]
        assert paths(ws) == expected
        assert all(Path(f.abspath).is_file() for f in ws.files)
    finally:
        ws.close()
