"""History: what every commit of the release range added is scanned, with clear errors."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from gitutil import commit, git
from secretsutil import context

from compliance_gate.checks import secrets
from compliance_gate.engine import parse_policy, run_check
from compliance_gate.errors import CheckFailure, UsageError


def token(seed: int) -> str:
    rng = random.Random(seed)
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


@pytest.fixture
def leaked(repo: Path) -> tuple[Path, str, str]:
    """A repository where a token was committed after `base` and deleted again."""
    base = commit(repo, {"app.py": "x = 1\n"}, "base")
    commit(repo, {"app.py": f"x = 1\nTOKEN = {token(1)}\n"}, "add token")
    commit(repo, {"app.py": "x = 1\n"}, "remove token")
    return repo, base, token(1)


def test_deleted_secret_in_range_blocks(leaked: tuple[Path, str, str]) -> None:
    """A secret added and removed within the range is reported with its commit, not its value."""
    repo, base, value = leaked
    out = secrets.run(context(repo, mode="since", since=base))
    assert len(out.findings) == 1
    f = out.findings[0]
    assert (f.rule, f.path, f.line) == ("GitHubTokenDetector", "app.py", 2)
    assert f.properties["commit"] == git(repo, "rev-parse", "HEAD~1").strip()
    assert value not in repr(out)
    assert out.metrics["history_commits"] == 2


def test_policy_history_since_without_cli_range(leaked: tuple[Path, str, str]) -> None:
    """`history_since` in the policy starts the range when the run is a plain tree scan."""
    repo, base, _ = leaked
    out = secrets.run(context(repo, f"{{history_since: '{base}'}}"))
    assert [f.rule for f in out.findings] == ["GitHubTokenDetector"]


def test_history_off(leaked: tuple[Path, str, str]) -> None:
    """`history: false` scans only the files."""
    repo, base, _ = leaked
    assert secrets.run(context(repo, "{history: false}", mode="since", since=base)).findings == ()


def test_history_has_the_same_path_scope_as_the_tree(repo: Path) -> None:
    """History files must pass both the policy-wide and the check's path rules, like tree files."""
    base = commit(repo, {"src/a.py": "x = 1\n"}, "base")
    commit(repo, {"lib/b.py": f"T = {token(3)}\n"}, "add token")
    commit(repo, {"lib/b.py": "x = 1\n"}, "remove token")
    policy = parse_policy(
        "version: 1\npaths: {include: ['src/**']}\nchecks:\n  secrets: {paths: {include: ['lib/**']}}\n"
    )
    result = run_check("secrets", policy, repo, mode="since", since=base, use_cache=False)
    assert result.findings == ()
    assert result.counts["history-excluded"] >= 1


def test_secret_still_present_is_reported_once(repo: Path) -> None:
    """A secret in the tree and in the range's history is one finding (the file's)."""
    base = commit(repo, {"a.py": "x = 1\n"})
    commit(repo, {"a.py": f"T = {token(2)}\n"})
    out = secrets.run(context(repo, mode="since", since=base))
    assert len(out.findings) == 1 and "commit" not in out.findings[0].properties


def test_nextline_pragma_holds_in_history(repo: Path) -> None:
    """The line before an added line comes from the diff context, so nextline pragmas work."""
    base = commit(repo, {"a.py": "# pragma: allowlist nextline secret\nx = 1\n"})
    commit(repo, {"a.py": f"# pragma: allowlist nextline secret\nT = {token(3)}\n"})
    commit(repo, {"a.py": "x = 2\n"})
    out = secrets.run(context(repo, mode="since", since=base))
    assert out.findings == ()
    assert out.counts["inline-suppressions-honoured"] == 1


def test_evil_merge_lines_are_scanned(repo: Path) -> None:
    """A line that only a merge commit adds (in none of its parents) is scanned."""
    base = commit(repo, {"a.py": "a = 1\n", "b.py": "b = 1\n"})
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, {"b.py": "b = 2\n"})
    git(repo, "checkout", "-q", "main")
    commit(repo, {"a.py": "a = 2\n"})
    git(repo, "merge", "-q", "--no-commit", "side")
    (repo / "a.py").write_text(f"a = 2\nT = {token(4)}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "merge")
    commit(repo, {"a.py": "a = 3\n"})
    out = secrets.run(context(repo, mode="since", since=base))
    assert [f.path for f in out.findings] == ["a.py"]


def test_unknown_history_since_is_an_error(repo: Path) -> None:
    """A `history_since` ref that does not exist cannot pass."""
    commit(repo, {"a.py": "x = 1\n"})
    with pytest.raises(CheckFailure, match="no-such-tag: no such revision"):
        secrets.run(context(repo, "{history_since: no-such-tag}"))


def test_shallow_clone_missing_the_range(repo: Path, tmp_path: Path) -> None:
    """A shallow clone that lacks the range's base says so and how to fix it."""
    first = commit(repo, {"a.py": "x = 1\n"})
    for i in range(3):
        commit(repo, {"a.py": f"x = {i}\n"})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    with pytest.raises(CheckFailure, match="shallow clone"):
        secrets.run(context(clone, f"{{history_since: '{first}'}}"))
    with pytest.raises(UsageError, match="shallow clone"):
        run_check("secrets", parse_policy("version: 1\nchecks:\n  secrets: {}\n"), clone, mode="since", since=first)


def test_history_through_the_engine(leaked: tuple[Path, str, str]) -> None:
    """End to end with `--since`: the deleted secret fails the check."""
    repo, base, value = leaked
    policy = parse_policy("version: 1\nchecks:\n  secrets: {}\n")
    result = run_check("secrets", policy, repo, mode="since", since=base, use_cache=False)
    assert result.status.value == "failed"
    assert result.findings[0].properties["commit"]
    assert value not in repr(result)


def test_each_added_line_is_scanned_once(repo: Path) -> None:
    """Lines still in the tree are the tree scan's; a line two commits add is read once; only what
    the range added and took out again goes through the history scan."""
    base = commit(repo, {"app.py": "x = 1\n"}, "base")
    commit(repo, {"app.py": f"x = 1\nKEPT = {token(2)}\n", "tmp.py": f"GONE = {token(3)}\n"}, "add")
    commit(repo, {"tmp.py": "y = 2\n"}, "remove one")
    commit(repo, {"tmp.py": f"y = 2\nGONE = {token(3)}\n"}, "add it again")
    commit(repo, {"tmp.py": "y = 2\n"}, "remove it again")
    out = secrets.run(context(repo, mode="since", since=base))
    assert sorted((f.path, f.line, "commit" in f.properties) for f in out.findings) == [
        ("app.py", 2, False),
        ("tmp.py", 1, True),
    ]
    # KEPT and `y = 2` are in the tree; GONE's second add was read with its first
    assert out.counts["history-lines-scanned-elsewhere"] == 3
