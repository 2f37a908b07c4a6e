"""The bundled example: the README's first command shows each planted problem, and the fixed copy passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gitutil import commit, init_repo

from compliance_gate.engine import load_policy, run
from compliance_gate.model import Outcome

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "payments-service"
PLANTED = {
    "pii": {"CG-PII-PAN"},
    "secrets": {"AWSKeyDetector"},
    "sast": {"B901"},
    "audit-log": {"CG-AUDIT-GAP"},
    "replay": {"CG-REC-REPORT-BEHIND"},
    "deps": {"GHSA-xqr8-7jwr-rhp7"},
}


@pytest.fixture(scope="module")
def example_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("example") / "payments-service"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".compliance-gate", "__pycache__"))
    init_repo(dest)
    commit(dest, message="example")
    return dest


def test_every_planted_problem_blocks(example_repo: Path) -> None:
    """Each check blocks on exactly its planted problem, and nothing else blocks."""
    verdict = run(load_policy(example_repo / "policies" / "compliance-gate.yaml"), example_repo, use_cache=False)
    assert verdict.verdict is Outcome.FAIL
    blocking = {r.check: {f.rule for f in r.blocking} for r in verdict.checks}
    assert blocking == PLANTED


def test_fixed_copy_passes(tmp_path: Path) -> None:
    """fix.py's copy, with every planted problem fixed, passes the same policy."""
    dest = tmp_path / "fixed"
    subprocess.run([sys.executable, str(EXAMPLE / "fix.py"), str(dest)], check=True, capture_output=True)
    verdict = run(load_policy(dest / "policies" / "compliance-gate.yaml"), dest, use_cache=False)
    assert verdict.verdict is Outcome.PASS, verdict.reasons
    assert verdict.complete and verdict.source.commit
