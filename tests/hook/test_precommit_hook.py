"""The pre-commit hook, through the real `pre-commit` tool on temporary repositories.

`pre-commit try-repo` installs this checkout (at its HEAD commit) into pre-commit's own
virtualenv, exactly as users get it, and runs the hook on the staged files. The environment is
built once (pre-commit keys it by repository and commit, and locks its store, so the xdist
workers share one PRE_COMMIT_HOME) and reused by every case.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import ENV, commit, git, init_repo

SOURCE = Path(__file__).resolve().parents[2]
HOOK = "compliance-gate"


def luhn(prefix: str, length: int) -> str:
    body = prefix + "8" * (length - len(prefix) - 1)
    total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 == 0 else d
                for i, d in enumerate(int(c) for c in reversed(body)))
    return body + str((10 - total % 10) % 10)


PAN = luhn("542418", 16)
AWS_KEY = "AKIA" + "".join("QZ7X3M9K2W8P4R6T"[::-1])
PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + "q" * 60 + "\n-----END RSA PRIVATE KEY-----\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (SOURCE / ".git").exists():
        pytest.skip("try-repo needs this checkout to be a git repository")
    base = tmp_path_factory.getbasetemp()
    # Under xdist every worker has its own basetemp below a shared parent: share the store there.
    home = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "precommit-home"
    home.mkdir(exist_ok=True)
    return {**os.environ, **ENV, "HOME": str(home), "PRE_COMMIT_HOME": str(home / "cache"),
            "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1", "COMPLIANCE_GATE_SIGNING_KEY": ""}


@pytest.fixture(scope="module")
def rev() -> str:
    """The commit of this checkout that pre-commit installs (uncommitted edits are not part of it)."""
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=SOURCE, capture_output=True, text=True,
                          check=True).stdout.strip()


def repository(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    commit(root, {"app/__init__.py": "", "app/service.py": "def total(a: int, b: int) -> int:\n    return a + b\n"})
    return root


def try_repo(root: Path, env: dict[str, str], rev: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(SOURCE), HOOK, "--ref", rev, "--verbose"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )


@pytest.mark.slow
@pytest.mark.parametrize(("name", "content", "rule"), [
    ("app/checkout.py", f'FIXTURE_CARD = "{PAN}"\n', "CG-PII-PAN"),
    ("app/settings.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n', "AWSKeyDetector"),
    ("deploy/id_rsa", PRIVATE_KEY, "PrivateKeyDetector"),
])
def test_planted_value_blocks(tmp_path: Path, env: dict[str, str], rev: str, name: str, content: str,
                              rule: str) -> None:
    """A staged card number or secret makes the hook fail, naming the rule, never the value."""
    root = repository(tmp_path)
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(content)
    git(root, "add", name)
    proc = try_repo(root, env, rev)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    assert rule in output
    assert PAN not in output and AWS_KEY not in output and "q" * 60 not in output


@pytest.mark.slow
def test_clean_change_passes_and_commit_goes_through(tmp_path: Path, env: dict[str, str], rev: str) -> None:
    """A clean staged change passes try-repo, and the installed hook lets `git commit` through."""
    root = repository(tmp_path)
    (root / "app" / "service.py").write_text("def total(a: int, b: int) -> int:\n    return b + a\n")
    git(root, "add", "app/service.py")
    proc = try_repo(root, env, rev)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "Passed" in proc.stdout
    install_hook(root, env, rev)
    done = subprocess.run(["git", "commit", "-q", "-m", "clean"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_installed_hook_blocks_git_commit(tmp_path: Path, env: dict[str, str], rev: str) -> None:
    """With the hook installed, `git commit` of a card number fails and nothing is committed."""
    root = repository(tmp_path)
    install_hook(root, env, rev)
    (root / "app" / "pay.py").write_text(f"CARD = '{PAN}'\n")
    git(root, "add", "app/pay.py")
    before = git(root, "rev-parse", "HEAD")
    done = subprocess.run(["git", "commit", "-q", "-m", "card"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "CG-PII-PAN" in done.stdout + done.stderr and PAN not in done.stdout + done.stderr
    assert git(root, "rev-parse", "HEAD") == before


def install_hook(root: Path, env: dict[str, str], rev: str) -> None:
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {SOURCE}\n    rev: {rev}\n    hooks:\n      - id: {HOOK}\n")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=env, check=True,
                   capture_output=True, text=True)
    git(root, "add", ".pre-commit-config.yaml")
