"""The pre-commit hook, through the real `pre-commit` tool on temporary repositories.

`pre-commit try-repo` installs this checkout (its HEAD commit) into a fresh virtualenv, exactly as
users get it, and runs the hook on the staged files. try-repo builds that environment anew on
every call (a temporary store), which costs a full `pip install` (30-90 s here), so it runs once,
on a staged change holding a card number, an AWS key and a private key at the same time. The other
cases run the same manifest entry (`.pre-commit-hooks.yaml`: entry, types, pass_filenames...)
through the real `pre-commit run` and `git commit`, as a `language: system` hook on this
interpreter's `compliance-gate`, so they cost no install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from gitutil import ENV, commit, git, init_repo, write

from compliance_gate.pii.cards import luhn_complete

SOURCE = Path(__file__).resolve().parents[2]
HOOK = "compliance-gate"
PAN = luhn_complete("542418" + "8" * 9)
AWS_KEY = "AKIA" + "QZ7X3M9K2W8P4R6T"[::-1]
PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA" + "q" * 60 + "\n-----END RSA PRIVATE KEY-----\n"
PLANTED = {
    "app/checkout.py": (f'FIXTURE_CARD = "{PAN}"\n', "CG-PII-PAN"),
    "app/settings.py": (f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n', "AWSKeyDetector"),
    "deploy/id_rsa": (PRIVATE_KEY, "PrivateKeyDetector"),
}
RAW = (PAN, AWS_KEY, "q" * 60)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    bindir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        **ENV,
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "pc"),
        "PRE_COMMIT_COLOR": "never",
        "NO_COLOR": "1",
        "COMPLIANCE_GATE_SIGNING_KEY": "",
        "PATH": bindir + os.pathsep + os.environ.get("PATH", ""),
    }


def repository(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    commit(root, {"app/__init__.py": "", "app/service.py": "def total(a: int, b: int) -> int:\n    return a + b\n"})
    return root


def stage(root: Path, files: dict[str, str | bytes]) -> None:
    write(root, files)
    git(root, "add", *files)


def verdict_rules(root: Path) -> set[str]:
    doc = json.loads((root / ".compliance-gate" / "out" / "verdict.json").read_text())
    assert doc["complete"] is False, "a hook verdict is partial and never deploy-valid"
    return {f["rule"] for c in doc["checks"] for f in c["findings"]}


def local_config(root: Path) -> None:
    """The manifest's hook as a `repo: local` system hook (same entry, filters and arguments)."""
    (hook,) = yaml.safe_load((SOURCE / ".pre-commit-hooks.yaml").read_text())
    local = {k: v for k, v in hook.items() if k not in ("language", "minimum_pre_commit_version")}
    local["language"] = "system"
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))


def pre_commit(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.mark.slow
def test_try_repo_blocks_planted_card_and_secrets(tmp_path: Path, env: dict[str, str]) -> None:
    """try-repo (fresh install of this checkout): a staged card number and secrets fail the hook."""
    if not (SOURCE / ".git").exists():
        pytest.skip("try-repo needs this checkout to be a git repository")
    rev = git(SOURCE, "rev-parse", "HEAD").strip()
    root = repository(tmp_path)
    stage(root, {name: content for name, (content, _) in PLANTED.items()})
    proc = pre_commit(root, env, "try-repo", str(SOURCE), HOOK, "--ref", rev)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]
    assert "Failed" in output and "FAIL" in output
    assert {rule for _, rule in PLANTED.values()} <= verdict_rules(root)
    assert not any(raw in output for raw in RAW)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_pre_commit_run_blocks_each_planted_value(tmp_path: Path, env: dict[str, str], name: str) -> None:
    """Each planted value alone fails `pre-commit run`, names its rule, and is printed masked only."""
    root = repository(tmp_path)
    local_config(root)
    content, rule = PLANTED[name]
    stage(root, {name: content})
    proc = pre_commit(root, env, "run")
    assert proc.returncode == 1, (proc.stdout + proc.stderr)[-3000:]
    assert rule in verdict_rules(root)
    assert not any(raw in proc.stdout + proc.stderr for raw in RAW)


def test_clean_change_passes_and_commits(tmp_path: Path, env: dict[str, str]) -> None:
    """A clean staged change passes, and with the hook installed `git commit` goes through."""
    root = repository(tmp_path)
    local_config(root)
    stage(root, {"app/service.py": "def total(a: int, b: int) -> int:\n    return b + a\n"})
    proc = pre_commit(root, env, "run")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "Passed" in proc.stdout
    assert pre_commit(root, env, "install").returncode == 0
    git(root, "add", ".pre-commit-config.yaml")
    done = subprocess.run(["git", "commit", "-q", "-m", "clean"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_installed_hook_blocks_git_commit(tmp_path: Path, env: dict[str, str]) -> None:
    """With the hook installed, `git commit` of a card number fails and nothing is committed."""
    root = repository(tmp_path)
    local_config(root)
    assert pre_commit(root, env, "install").returncode == 0
    stage(
        root,
        {".pre-commit-config.yaml": (root / ".pre-commit-config.yaml").read_text(), "app/pay.py": f"CARD = '{PAN}'\n"},
    )
    before = git(root, "rev-parse", "HEAD")
    done = subprocess.run(["git", "commit", "-q", "-m", "card"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "CG-PII-PAN" in verdict_rules(root) and PAN not in done.stdout + done.stderr
    assert git(root, "rev-parse", "HEAD") == before
