"""The replay check end to end through the engine: policy file, git repository, verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gitutil import commit

from compliance_gate.engine import load_policy, parse_policy, run_check
from compliance_gate.model import Status
from compliance_gate.replay import generate as gen

POLICY = """version: 1
checks:
  replay:
    events: {{path: data/events.jsonl}}
    reported: {{path: data/report.csv, as_of: "{as_of}"}}
    settlement: {{path: data/settlement.csv}}
"""


def test_clean_recording_passes_through_the_engine(repo: Path) -> None:
    """Consistent recorded data passes, with inputs recorded and per-currency totals in the metrics."""
    g = gen.generate(repo / "data", payments=50, faults={"redelivery": 1})
    commit(repo, {"README": "x\n"})
    result = run_check("replay", parse_policy(POLICY.format(as_of=g.as_of)), repo, use_cache=False)
    assert result.status is Status.PASSED, result.error
    assert [i.path for i in result.inputs] == [
        "data/events.jsonl",
        "data/report.csv",
        "data/settlement.csv",
        "builtin:state-machines/payments.yaml",
    ]
    assert result.inputs[0].details["time_range"][0].startswith("2026-03-01T")
    assert set(result.metrics["currencies"]) == {"USD", "EUR", "JPY", "GBP"}


def test_pending_while_completed_fails_through_the_engine(repo: Path) -> None:
    """A report showing completed payments as pending fails the check with CG-REC-REPORT-BEHIND."""
    g = gen.generate(repo / "data", payments=50, faults={"report_behind": 1})
    commit(repo, {"README": "x\n"})
    result = run_check("replay", parse_policy(POLICY.format(as_of=g.as_of)), repo, use_cache=False)
    assert result.status is Status.FAILED
    assert [f.rule for f in result.findings] == ["CG-REC-REPORT-BEHIND"]
    assert result.findings[0].properties["events"][0].endswith(")")


def test_missing_events_file_fails_naming_the_key(repo: Path) -> None:
    """A policy naming an events file that does not exist makes the check FAIL (never pass) with
    CG-REPLAY-NO-EVENTS, naming the file and the policy key to set."""
    commit(repo, {"README": "x\n"})
    result = run_check("replay", parse_policy(POLICY.format(as_of="2026-01-01T00:00:00Z")), repo, use_cache=False)
    assert result.status is Status.FAILED
    (finding,) = result.findings
    assert finding.rule == "CG-REPLAY-NO-EVENTS"
    assert "data/events.jsonl" in finding.message and "checks.replay.events.path" in finding.message


def test_bundled_example_has_exactly_the_planted_break() -> None:
    """The example service's recordings, through its own projector, show only the planted pending-while-completed."""
    example = Path(__file__).parents[2] / "examples" / "payments-service"
    policy = load_policy(example / "policies" / "compliance-gate.yaml")
    result = run_check("replay", policy, example, use_cache=False)
    assert result.status is Status.FAILED, result.error
    assert [(f.rule, f.properties["payment_id"]) for f in result.findings] == [("CG-REC-REPORT-BEHIND", "pay_00000005")]
    assert result.findings[0].properties["report"]["status"] == "pending"


@pytest.mark.parametrize("package", ["duckdb", "sqlalchemy"])
def test_without_the_replay_extra_the_check_errors_naming_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch, package: str
) -> None:
    """The default install has no DuckDB or SQLAlchemy: the check is an error that names the
    `replay` extra, never a pass."""
    g = gen.generate(repo / "data", payments=5)
    commit(repo, {"README": "x\n"})
    text = POLICY.format(as_of=g.as_of).replace("{path: data/report.csv,", '{url: "sqlite:///data/r.db",')
    monkeypatch.setitem(sys.modules, package, None)  # `import duckdb` now raises ImportError
    result = run_check("replay", parse_policy(text), repo, use_cache=False)
    assert result.status is Status.ERROR
    assert package in (result.error or "") and "compliance-gate[replay]" in (result.error or "")
