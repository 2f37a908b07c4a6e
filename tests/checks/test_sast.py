"""The sast check end to end through the engine: real bandit, real git repositories, the cache."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from gitutil import commit

sys.path.insert(0, str(Path(__file__).parents[1] / "sast"))

from sastutil import luhn_pan, scan, triples

from compliance_gate import serialize
from compliance_gate.engine import load_policy, parse_policy, run
from compliance_gate.errors import CheckFailure, PolicyError
from compliance_gate.model import Outcome, Status
from compliance_gate.sast import scanner as sast_scanner

NOSEC_FILE = (
    "import subprocess\n"
    'subprocess.call("ls", shell=True)  # nosec B602 -- fixed command, no user input\n'
    "subprocess.call(cmd, shell=True)  # nosec\n"
    "subprocess.call(cmd, shell=True)  # nosec B101\n"
)


def test_unparseable_file_is_a_finding(repo: Path) -> None:
    """A file bandit cannot parse is a CG-SAST-UNPARSED finding naming file, line and reason
    (medium), not an error of the run: the default policy passes, pci-dss (fail_on medium) fails."""
    commit(repo, {"ok.py": "x = 1\n", "pkg/broken.py": "x = 1\ndef f(:\n    pass\n"})
    result = scan(repo)
    assert result.status is Status.PASSED and result.error is None
    (finding,) = result.findings
    assert (finding.rule, finding.path, finding.line, finding.severity.value) == (
        "CG-SAST-UNPARSED",
        "pkg/broken.py",
        2,
        "medium",
    )
    assert "cannot parse this file (invalid syntax)" in finding.message
    strict = run(parse_policy("version: 1\nchecks:\n  sast: {fail_on: medium}\n"), repo, use_cache=False)
    assert strict.verdict is Outcome.FAIL


@pytest.mark.parametrize(
    ("mode", "findings", "waived", "status"),
    [
        ("honour", {("a.py", 4, "B602")}, {2, 3}, Status.FAILED),
        ("refuse", {("a.py", 2, "B602"), ("a.py", 3, "B602"), ("a.py", 4, "B602")}, set(), Status.FAILED),
        ("require-reason", {("a.py", 3, "B602"), ("a.py", 4, "B602")}, {2}, Status.FAILED),
    ],
)
def test_nosec_policy_end_to_end(
    repo: Path, mode: str, findings: set[tuple[str, int, str]], waived: set[int], status: Status
) -> None:
    """`# nosec` is honoured, refused, or honoured only with a reason; waived ones are listed."""
    commit(repo, {"a.py": NOSEC_FILE})
    result = scan(repo, tests=["B602"], nosec=mode)
    assert triples(result) == findings
    assert {w.finding.line for w in result.waived} == waived
    assert result.status is status
    assert result.counts["nosec_suppressed"] == len(waived)


def test_assert_allowed_under_tests_only(repo: Path) -> None:
    """A per-path skip drops B101 under tests/ and keeps it in application code."""
    commit(repo, {"app/a.py": "assert x\n", "tests/test_a.py": "assert x\n"})
    result = scan(repo, per_path=[{"paths": ["tests/**"], "skips": ["B101"]}])
    assert triples(result) == {("app/a.py", 1, "B101")}
    assert result.counts["skipped_by_path"] == 1


def test_findings_carry_rule_cwe_severity_confidence_location(repo: Path) -> None:
    """A finding has the test id as rule, CWE, severity, confidence, line and column, and no snippet."""
    commit(repo, {"pay.py": "import logging\nlog = logging.getLogger()\n\ndef f(pan):\n    log.info('pan %s', pan)\n"})
    (finding,) = scan(repo).findings
    assert (finding.rule, finding.severity.value, finding.line, finding.column) == ("B903", "high", 5, 5)
    assert finding.properties["cwe"] == "CWE-532"
    assert finding.properties["confidence"] == "medium"
    assert finding.excerpt is None and len(finding.fingerprint) == 32


def test_fingerprints_survive_line_moves_and_follow_content(repo: Path) -> None:
    """Moving code keeps fingerprints; changing the flagged line changes its fingerprint."""
    body = "import subprocess\nsubprocess.call(cmd, shell=True)\nsubprocess.call(cmd, shell=True)\n"
    commit(repo, {"a.py": body})
    before = {f.fingerprint for f in scan(repo).findings}
    commit(repo, {"a.py": "# header\n\n\n" + body.replace("\n", "\n\n", 1)})
    moved = scan(repo).findings
    assert {f.fingerprint for f in moved} == before
    assert {f.line for f in moved} != {2, 3}
    assert len(before) == 3  # B404 and two B602 with distinct occurrence indexes
    commit(repo, {"a.py": body.replace("call(cmd", "call(other_cmd", 1)})
    assert len({f.fingerprint for f in scan(repo).findings} & before) == 2


def test_no_sensitive_value_reaches_the_verdict(repo: Path) -> None:
    """A hardcoded password and a PAN in a log call are reported without the values anywhere."""
    password = "Vq7" + "-".join(["kx", "prod", "93z"]) + "Lm2"
    pan = luhn_pan("4", 16)
    grouped = " ".join(pan[i : i + 4] for i in range(0, 16, 4))
    commit(repo, {"svc.py": f'import logging\npassword = "{password}"\nlogging.warning("declined {grouped}")\n'})
    verdict = run(parse_policy("version: 1\nchecks:\n  sast: {}\n"), repo, use_cache=False)
    rules = {f.rule for f in verdict.checks[0].findings}
    assert {"B105", "B903"} <= rules
    blob = json.dumps(serialize.verdict_to_dict(verdict))
    for value in (password, pan, grouped, pan[6:12]):
        assert value not in blob


def test_warm_cache_answers_without_scanning(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second run over unchanged files gives identical findings without calling the scanner."""
    commit(repo, {f"m{i}.py": f"import subprocess\nsubprocess.call(c{i}, shell=True)\n" for i in range(5)})
    cold = scan(repo, use_cache=True)
    calls: list[int] = []

    def counting(jobs, options, key):  # type: ignore[no-untyped-def]
        calls.append(len(jobs))
        raise AssertionError("the warm run scanned a file")

    monkeypatch.setattr(sast_scanner, "scan_batch", counting)
    warm = scan(repo, use_cache=True)
    assert calls == []
    assert warm.findings == cold.findings


def test_missing_payment_rules_fail_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """If bandit did not load our plugins (a broken install) the scan refuses to run."""
    from bandit.core import extension_loader

    from compliance_gate.sast.bandit_run import run_bandit

    loaded = dict(extension_loader.MANAGER.plugins_by_id)
    loaded.pop("B903")
    monkeypatch.setattr(extension_loader.MANAGER, "plugins_by_id", loaded)
    with pytest.raises(CheckFailure, match="B903"):
        run_bandit([], {"include": [], "exclude": []})
    run_bandit([], {"include": [], "exclude": ["B903"]})  # skipped on purpose: fine


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("{nosec: sometimes}", "checks.sast.nosec"),
        ("{skips: [B1O1]}", "checks.sast.skips.0"),
        ("{min_confidence: hihg}", "checks.sast.min_confidence"),
        ("{per_path: [{paths: [tests/]}]}", "checks.sast.per_path.0"),
        ("{bogus: 1}", "checks.sast.bogus: unknown key"),
    ],
)
def test_policy_errors_name_the_key(section: str, message: str) -> None:
    """A bad sast section is a policy error naming the line and key path."""
    with pytest.raises(PolicyError) as info:
        parse_policy(f"version: 1\nchecks:\n  sast: {section}\n", "p.yaml")
    assert message in info.value.diagnostics()
    assert "p.yaml:3" in info.value.diagnostics()


@pytest.mark.parametrize("name", ["default", "pci-dss"])
def test_shipped_policies_configure_sast(name: str) -> None:
    """Both shipped policies enable sast with B101 allowed under tests/."""
    from compliance_gate.policy import builtin_policy_path

    section = load_policy(builtin_policy_path(name)).checks["sast"]
    assert section.enabled and any("B101" in r.skips for r in section.options.per_path)
