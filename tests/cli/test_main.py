"""The CLI: exit codes, one-line errors, and outputs that never hold a raw value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from gitutil import commit

from compliance_gate.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payments-service"
PLANTED_PAN = "".join(["4539", "1488", "0343", "6467"])  # the example's planted card number


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the bundled example service as a git repository."""
    dest = tmp_path / "payments-service"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".compliance-gate"))
    from gitutil import init_repo

    init_repo(dest)
    commit(dest, message="example")
    return dest


def test_example_fails_with_masked_findings(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example's planted card number fails the run (exit 1) and is shown only masked."""
    code, out, err = run_cli(capsys, "run", str(example), "--only", "pii", "--no-cache")
    verdict_text = (example / ".compliance-gate" / "out" / "verdict.json").read_text()
    assert code == 1
    assert json.loads(verdict_text)["verdict"] == "FAIL"
    assert "453914******6467" in verdict_text
    for text in (out, err, verdict_text):
        assert PLANTED_PAN not in text
        assert "4539 1488 0343 6467" not in text


def test_json_format_prints_the_verdict(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints the same document that verdict.json holds."""
    code, out, _ = run_cli(capsys, "run", str(example), "--only", "pii", "--format", "json")
    assert code == 1 and json.loads(out)["checks"][0]["id"] == "pii"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "/nonexistent/repo"], "not a directory"),
        (["run", ".", "--only", "nosuch"], "--only: unknown check nosuch"),
        (["run", ".", "--policy", "no-such-policy"], "no such file and no bundled policy"),
        (["policy", "check", "/nonexistent.yaml"], "no such policy file"),
        (["run", "--format", "xml", "."], "--format 'xml': expected"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Unusable arguments exit 2 with one clear line and no traceback."""
    code, _, err = run_cli(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_malformed_policy_lists_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`policy check` on a bad policy exits 2 and names file, line and key path."""
    bad = tmp_path / "p.yaml"
    bad.write_text("version: 1\nchecks:\n  pii:\n    fail_on: hihg\n    colour: red\n")
    code, _, err = run_cli(capsys, "policy", "check", str(bad))
    assert code == 2
    assert f"{bad}:4 checks.pii.fail_on: 'hihg' is not one of" in err
    assert f"{bad}:5 checks.pii.colour: unknown key" in err


def test_init_writes_a_loadable_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`init` writes a starter policy that validates, and refuses to overwrite it."""
    assert run_cli(capsys, "init", str(tmp_path))[0] == 0
    written = tmp_path / "policies" / "compliance-gate.yaml"
    assert run_cli(capsys, "policy", "check", str(written))[0] == 0
    code, _, err = run_cli(capsys, "init", str(tmp_path))
    assert code == 2 and "--force" in err


def test_plain_folder_is_scanned_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A folder outside git is scanned; the verdict records that it is not a repository."""
    (tmp_path / "a.py").write_text("x = 1\n")
    code, out, _ = run_cli(capsys, "run", str(tmp_path), "--only", "pii", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["source"]["is_git"] is False and doc["complete"] is False


def test_policy_explain_shows_each_rule_per_tier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`policy explain` prints the tiers and every rule's severity in each, `*` where it blocks."""
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\ntiers:\n  test: ['tests/**']\n"
        "checks:\n  pii:\n    tiers:\n      test: {'*': info, CG-PII-PAN: critical}\n"
    )
    code, out, _ = run_cli(capsys, "policy", "explain", str(policy))
    assert code == 0
    assert "  test: tests/**" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  CG-PII-")}
    assert rows["CG-PII-PAN"] == ["critical*", "critical*"]
    assert rows["CG-PII-SAD"] == ["critical*", "info"]
    assert rows["CG-PII-PAN-TEST"] == ["info", "info"]
