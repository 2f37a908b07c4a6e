"""The git layer: typed facts, text and bytes out of git, and failures that name git's reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitutil import commit, git

from compliance_gate.errors import GateError
from compliance_gate.gitrepo import GitProblem, GitRepo


def test_facts_of_a_repository(repo: Path) -> None:
    """HEAD, branch and dirtiness come from the repository, found from a subfolder."""
    head = commit(repo, {"src/a.py": "x = 1\n"})
    found = GitRepo.discover(repo / "src")
    assert found is not None and Path(found.toplevel) == repo.resolve()
    assert (found.head_commit(), found.head_ref(), found.is_dirty(str(repo))) == (head, "refs/heads/main", False)
    (repo / "new.txt").write_text("untracked\n")
    assert found.is_dirty(str(repo))


def test_outside_git_and_empty_repositories(tmp_path: Path, repo: Path) -> None:
    """No repository is None (not an error); a repository without commits has no HEAD commit."""
    assert GitRepo.discover(tmp_path) is None
    assert GitRepo.at(repo).head_commit() is None
    with pytest.raises(GitProblem, match="not a git repository"):
        GitRepo.at(tmp_path)


def test_a_failed_command_names_gits_reason(repo: Path) -> None:
    """A failing command raises GitProblem (a GateError: exit 3) with git's own first line."""
    commit(repo, {"a.txt": "a\n"})
    with pytest.raises(GitProblem, match=r"git show nope:a\.txt failed: fatal: .*nope") as info:
        GitRepo.at(repo).run("show", "nope:a.txt")
    assert isinstance(info.value, GateError) and info.value.exit_code == 3


def test_file_names_that_are_not_utf8_survive(repo: Path) -> None:
    """git prints bytes; a Latin-1 file name comes back as surrogate escapes, not an exception."""
    name = b"caf\xe9.txt"
    (repo / os.fsdecode(name)).write_bytes(b"x\n")
    git(repo, "-c", "core.quotepath=false", "add", "-A")
    git(repo, "commit", "-q", "-m", "latin-1 name")
    listed = GitRepo.at(repo).run("ls-files", "-z").split("\0")
    assert os.fsencode(listed[0]) == name


def test_show_and_merge_base(repo: Path) -> None:
    """`show` gives a file's text at a revision (None where it did not exist); an unknown ref
    given to `merge_base` is a GitProblem naming it."""
    first = commit(repo, {"policy.yaml": "version: 1\n"})
    commit(repo, {"policy.yaml": "version: 1\nname: x\n", "b.txt": "b\n"})
    r = GitRepo.at(repo)
    assert r.show(first, "policy.yaml") == "version: 1\n"
    assert r.show(first, "b.txt") is None
    assert r.merge_base(first) == first
    with pytest.raises(GitProblem, match="v9: no such revision"):
        r.merge_base("v9")
