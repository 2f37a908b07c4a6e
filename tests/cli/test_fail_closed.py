"""Inputs that used to pass or crash: each is now a usage error (exit 2) or a verdict that is not PASS.

Unreadable folders are made with `chmod 000`; since the tests may run as root (CI does), the gate
then runs under `setpriv` without the capabilities that let root read any file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import commit, git, init_repo, write

from compliance_gate.cli import main
from compliance_gate.engine import parse_policy
from compliance_gate.errors import PolicyError

GATE = [sys.executable, "-m", "compliance_gate"]
SETPRIV = shutil.which("setpriv")


def unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    """The gate as a process that file permissions apply to, even when the tests run as root."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if SETPRIV is None:
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        caps = "-dac_override,-dac_read_search"
        prefix = [SETPRIV, f"--bounding-set={caps}", f"--inh-caps={caps}"]
    return subprocess.run([*prefix, *GATE, *args], capture_output=True, text=True, timeout=300, check=False)


def one_line(err: str) -> str:
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    return err.strip()


def test_an_unreadable_repository_root_is_a_usage_error(tmp_path: Path) -> None:
    """A root the gate cannot list exits 2 naming it, not `internal error: PermissionError`."""
    root = tmp_path / "locked"
    root.mkdir()
    root.chmod(0)
    try:
        done = unprivileged("run", str(root), "--out", str(tmp_path / "out"))
    finally:
        root.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert "cannot read the folder (Permission denied)" in one_line(done.stderr)


@pytest.mark.parametrize("in_git", [True, False], ids=["git", "plain-folder"])
def test_an_unreadable_subfolder_keeps_the_verdict_from_passing(tmp_path: Path, in_git: bool) -> None:
    """Files git or the walk could not list are an input problem (ERROR), never silently left out."""
    root = tmp_path / "svc"
    if in_git:
        init_repo(root)
        commit(root, {"app.py": "x = 1\n"})
    write(root, {"app.py": "x = 1\n", "secret/notes.py": "y = 2\n"})
    (root / "secret").chmod(0)
    try:
        done = unprivileged("run", str(root), "--out", str(tmp_path / "out"), "--no-cache", "--format", "json")
    finally:
        (root / "secret").chmod(0o755)
    assert done.returncode == 3, done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["verdict"] == "ERROR" and any("secret/" in r and "not scanned" in r for r in verdict["reasons"])


def test_a_folder_its_parent_repository_ignores_never_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder the enclosing repository's .gitignore ignores scans 0 files: ERROR naming the rule."""
    parent = init_repo(tmp_path / "mono")
    commit(parent, {".gitignore": "build/\n", "README.md": "hi\n"})
    write(parent, {"build/svc/app.py": "x = 1\n"})
    code = main(["run", str(parent / "build" / "svc"), "--out", str(tmp_path / "out"), "--format", "json"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 3 and verdict["verdict"] == "ERROR" and verdict["source"]["files"] == 0
    (reason,) = verdict["reasons"]
    assert reason.startswith("input problem: scanned 0 files:") and ".gitignore:1:build/" in reason
    assert str(tmp_path) not in reason


def test_a_release_range_that_scans_nothing_never_passes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--since` over a range that changes no file (and reads no input) is not a PASS."""
    commit(repo, {"a.py": "x = 1\n"})
    git(repo, "tag", "v1")
    commit(repo, message="empty release")
    code = main(["run", str(repo), "--since", "v1", "--out", str(repo.parent / "out"), "--format", "json"])
    verdict = json.loads(capsys.readouterr().out)
    assert code == 3 and "scanned 0 files: the release range changes no file" in verdict["reasons"][0]


@pytest.mark.parametrize("jobs", ["-3", "0", "many"])
def test_jobs_must_be_positive(repo: Path, jobs: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`--jobs -3` (or 0, or a word) is a usage error naming the flag."""
    assert main(["run", str(repo), "--jobs", jobs]) == 2
    assert "argument --jobs" in capsys.readouterr().err


def test_audit_checkpoint_into_a_missing_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`audit-checkpoint --out nodir/cp.json` exits 2 naming the flag, not FileNotFoundError."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "auditlog"))
    from auditlogs import write_log

    log = write_log(tmp_path / "a.jsonl", 2)
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 0
    capsys.readouterr()
    out = tmp_path / "nodir" / "cp.json"
    assert main(["audit-checkpoint", str(log), "--key", str(tmp_path / "k.key"), "--out", str(out)]) == 2
    assert "--out" in one_line(capsys.readouterr().err) and not out.parent.exists()


WAIVER = (
    "version: 1\nchecks:\n  pii: {}\nwaivers:\n  - id: W1\n    check: pii\n    {scope}\n"
    "    reason: accepted for now\n    approver: jane\n    expires: {expires}\n"
)


@pytest.mark.parametrize(
    ("scope", "expires", "problem"),
    [
        ("path: '**'", "2030-01-01", "p.yaml:7 waivers.0.path: '**' matches every file"),
        ("path: '*'", "2030-01-01", "p.yaml:7 waivers.0.path: '*' matches every file"),
        ("path: '/**/*'", "2030-01-01", "matches every file"),
        ("path: 'docs/**'", "2099-13-45", "p.yaml:10 waivers.0.expires: '2099-13-45' is not a date"),
        ("path: 'docs/**'", "'2030-02-30'", "p.yaml:10 waivers.0.expires: '2030-02-30' is not a date"),
    ],
)
def test_waivers_that_waive_everything_or_never_expire_properly_are_refused(
    scope: str, expires: str, problem: str
) -> None:
    """A catch-all waiver path and an impossible expiry date are policy errors with file:line."""
    with pytest.raises(PolicyError) as info:
        parse_policy(WAIVER.replace("{scope}", scope).replace("{expires}", expires), "p.yaml")
    assert any(p.startswith(problem) or problem in p for p in info.value.problems), info.value.problems


def test_a_narrow_waiver_is_still_accepted() -> None:
    """`docs/**` with a real date stays valid."""
    policy = parse_policy(WAIVER.replace("{scope}", "path: 'docs/**'").replace("{expires}", "2030-01-01"), "p.yaml")
    assert policy.waivers[0].path == "docs/**"


def test_bad_waiver_date_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`policy check` on `expires: 2099-13-45` exits 2 with file:line, not `internal error: ValueError`."""
    path = tmp_path / "p.yaml"
    path.write_text(WAIVER.replace("{scope}", "path: 'docs/**'").replace("{expires}", "2099-13-45"))
    assert main(["policy", "check", str(path)]) == 2
    assert f"{path}:10 waivers.0.expires" in capsys.readouterr().err


def _bomb(levels: int) -> str:
    lines = ["version: 1", 'l0: &l0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (_bomb(10), "expands to more than"),
        ("version: 1\nx: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
        ("version: 1\n? [a, b]\n: 1\n", "a key must be a plain value"),
    ],
    ids=["alias-bomb", "deep-nesting", "complex-key"],
)
def test_hostile_yaml_is_refused_quickly(tmp_path: Path, text: str, problem: str) -> None:
    """An alias bomb (a billion values from nine lines) exits 2 within seconds, naming the file."""
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    done = subprocess.run(
        [*GATE, "policy", "check", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and one_line(done.stderr).startswith(f"compliance-gate: {path}:")
    assert problem in done.stderr


@pytest.mark.parametrize("policy", ["default", "pci-dss", "in-repo", "outside"])
def test_no_path_of_the_machine_in_the_verdict_or_reports(tmp_path: Path, policy: str) -> None:
    """Bundled policies are named `builtin:NAME.yaml`, in-repo ones repo-relative, others by file name;
    no absolute folder (the checkout, the gate's install) appears in any output, errors included."""
    from compliance_gate import bundled

    root = init_repo(tmp_path / "checkout" / "svc")
    commit(root, {"app.py": "x = 1\n", "policies/own.yaml": "version: 1\nchecks:\n  pii: {}\n"})
    write(root, {"audit/a.jsonl": "", "schemas/bad.json": "{not json"})  # an error naming a file of the repo
    (tmp_path / "p.yaml").write_text(
        "version: 1\nchecks:\n  pii: {}\n  audit-log:\n    logs: [audit/a.jsonl]\n    schema: schemas/bad.json\n"
    )
    arg = {"in-repo": str(root / "policies" / "own.yaml"), "outside": str(tmp_path / "p.yaml")}.get(policy, policy)
    out = tmp_path / "out"
    env = {**os.environ, "COMPLIANCE_GATE_FINGERPRINT_KEY": "k" * 32}
    done = subprocess.run(
        [*GATE, "run", str(root), "--policy", arg, "--out", str(out), "--format", "json,html,markdown,sarif,junit,csv"],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert done.returncode in (0, 1, 3) and "Traceback" not in done.stderr, done.stderr
    verdict = json.loads((out / "verdict.json").read_text())
    expected = {"in-repo": "policies/own.yaml", "outside": "p.yaml"}.get(policy, f"builtin:{policy}.yaml")
    assert verdict["policy"]["path"] == expected and verdict["source"]["root"] == "svc"
    machine = (str(tmp_path), str(bundled.policies_dir()), str(Path.cwd()))
    for report in out.iterdir():
        text = report.read_text()
        assert not any(folder in text for folder in machine), (report.name, text[:2000])
    if policy == "outside":
        (audit,) = [c for c in verdict["checks"] if c["id"] == "audit-log"]
        assert "schemas/bad.json" in audit["error"]
