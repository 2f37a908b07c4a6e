"""The engine: checks run with timeouts, errors fail closed, waivers and the cache work."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import fakes
import pytest
from gitutil import commit

from compliance_gate import registry
from compliance_gate.engine import parse_policy, run
from compliance_gate.model import Outcome, Severity, Status

POLICY = """version: 1
checks:
  pii:
    fail_on: high
    timeout_s: {timeout}
"""


@pytest.fixture
def use_check(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Replace the `pii` entry of the registry with a stand-in run function."""

    def install(run_fn):  # type: ignore[no-untyped-def]
        spec = registry.REGISTRY["pii"]
        monkeypatch.setitem(registry.REGISTRY, "pii", dataclasses.replace(spec, run=run_fn))  # type: ignore[arg-type]

    return install


def policy(extra: str = "", timeout: float = 60):  # type: ignore[no-untyped-def]
    return parse_policy(POLICY.format(timeout=timeout) + extra)


def test_findings_fail_and_carry_fingerprints(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """A blocking finding makes the verdict FAIL, with a fingerprint and the commit recorded."""
    use_check(fakes.file_check(fakes.scan_markers))
    commit(repo, {"a.txt": "ok\nFORBIDDEN\n"})
    verdict = run(policy(), repo, use_cache=False)
    assert verdict.verdict is Outcome.FAIL
    (finding,) = verdict.checks[0].findings
    assert (finding.path, finding.line, len(finding.fingerprint)) == ("a.txt", 2, 32)
    assert verdict.source.commit and verdict.complete


def test_fingerprint_survives_line_moves(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """Moving a finding to another line keeps its fingerprint."""
    use_check(fakes.file_check(fakes.scan_markers))
    commit(repo, {"a.txt": "FORBIDDEN\n"})
    first = run(policy(), repo, use_cache=False).checks[0].findings[0]
    commit(repo, {"a.txt": "new line\n\nFORBIDDEN\n"})
    moved = run(policy(), repo, use_cache=False).checks[0].findings[0]
    assert moved.line == 3 and moved.fingerprint == first.fingerprint


def test_clean_tree_passes(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """No findings and no errors: PASS."""
    use_check(fakes.file_check(fakes.scan_markers))
    commit(repo, {"a.txt": "fine\n"})
    assert run(policy(), repo, use_cache=False).verdict is Outcome.PASS


@pytest.mark.parametrize(
    "run_fn",
    [fakes.raising, fakes.file_check(fakes.scan_raises), fakes.file_check(fakes.scan_forgets)],
    ids=["check-raises", "scanner-raises", "scanner-forgets-a-file"],
)
def test_errors_never_pass(repo: Path, use_check, run_fn) -> None:  # type: ignore[no-untyped-def]
    """A check or scanner that raises, or a file left unscanned, makes the verdict ERROR."""
    use_check(run_fn)
    commit(repo, {"a.txt": "fine\n"})
    verdict = run(policy(), repo, use_cache=False)
    assert verdict.verdict is Outcome.ERROR
    assert verdict.checks[0].status is Status.ERROR and verdict.checks[0].error


def test_exception_text_is_scrubbed(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """A check's exception message reaches the verdict only with digit runs masked."""
    use_check(fakes.raising_with_value)
    verdict = run(policy(), repo, use_cache=False)
    assert verdict.verdict is Outcome.ERROR
    assert fakes.LEAKY_VALUE not in (verdict.checks[0].error or "") + " ".join(verdict.reasons)
    assert "453914******6467" in (verdict.checks[0].error or "")


def test_timeout_is_an_error(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """A check that exceeds its timeout is an error naming the policy key."""
    use_check(fakes.sleeping)
    verdict = run(policy(timeout=0.5), repo, use_cache=False)
    assert verdict.verdict is Outcome.ERROR
    assert "checks.pii.timeout_s" in (verdict.checks[0].error or "")


def test_no_enabled_checks_is_an_error(repo: Path) -> None:
    """A policy that runs nothing cannot pass."""
    verdict = run(parse_policy("version: 1\nchecks:\n  pii: {enabled: false}\n"), repo)
    assert verdict.verdict is Outcome.ERROR


def test_waivers_apply_until_they_expire(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """A live waiver removes a finding; an expired one does not and is reported as expired."""
    use_check(fakes.file_check(fakes.scan_markers))
    commit(repo, {"docs/a.txt": "FORBIDDEN\n"})
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    waiver = (
        "waivers:\n  - {{id: W1, check: pii, path: 'docs/**', reason: known documentation sample, "
        "approver: jane, expires: '{d}'}}\n"
    )
    live = run(policy(waiver.format(d=future)), repo, use_cache=False)
    assert live.verdict is Outcome.PASS and live.checks[0].waived[0].by == "waiver:W1"
    assert live.waivers[0].state == "applied"
    expired = run(policy(waiver.format(d="2020-01-01")), repo, use_cache=False)
    assert expired.verdict is Outcome.FAIL and expired.waivers[0].state == "expired"


def test_severity_override_can_unblock(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """A per-rule severity override below fail_on keeps the finding but stops it blocking."""
    use_check(fakes.file_check(fakes.scan_markers))
    commit(repo, {"a.txt": "FORBIDDEN\n"})
    p = parse_policy(POLICY.format(timeout=60) + "    severity: {CG-TEST-MARKER: low}\n")
    verdict = run(p, repo, use_cache=False)
    assert verdict.verdict is Outcome.PASS
    assert verdict.checks[0].findings[0].severity is Severity.LOW


def test_cache_skips_unchanged_files(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """With the cache warm only changed files are scanned again, with the same findings."""
    use_check(fakes.file_check(fakes.scan_markers))
    commit(repo, {"a.txt": "FORBIDDEN\n", "b.txt": "ok\n", ".gitignore": ".scanlog\n"})
    first = run(policy(), repo)
    (repo / ".scanlog").unlink()
    (repo / "b.txt").write_text("changed\n")
    second = run(policy(), repo)
    assert (repo / ".scanlog").read_text().split() == ["b.txt"]
    assert second.checks[0].findings == first.checks[0].findings


def test_worker_processes_scan_large_trees(repo: Path, use_check) -> None:  # type: ignore[no-untyped-def]
    """Work beyond the in-process threshold goes to worker processes with identical results."""
    use_check(fakes.file_check(fakes.scan_markers))
    files = {f"f{i}.txt": ("x" * 100 + "\n") * 2000 + ("FORBIDDEN\n" if i % 3 == 0 else "") for i in range(12)}
    commit(repo, {**files, ".gitignore": ".scanlog\n"})
    verdict = run(policy(), repo, use_cache=False, jobs=2)
    assert len(verdict.checks[0].findings) == 4
    assert verdict.checks[0].status is Status.FAILED
