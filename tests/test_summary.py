"""Each check's summary round-trips through its metrics, and reports read summaries, not ids."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from pathlib import Path

import pytest
from gitutil import commit, init_repo

from compliance_gate.engine import load_policy, parse_policy, run
from compliance_gate.model import CheckResult, Status, Verdict
from compliance_gate.registry import REGISTRY
from compliance_gate.render.summaries import chains, reconciliations, summary_of
from compliance_gate.summary import OpaqueSummary

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "payments-service"
RENDER = Path(__file__).resolve().parents[1] / "compliance_gate" / "render"


@pytest.fixture(scope="module")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> Verdict:
    """The bundled example (every check but change-scope) plus a change-scope run."""
    dest = tmp_path_factory.mktemp("summary") / "payments-service"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".compliance-gate", "__pycache__"))
    init_repo(dest)
    commit(dest, message="example")
    example = run(load_policy(dest / "policies" / "compliance-gate.yaml"), dest, use_cache=False)
    scope = run(parse_policy("version: 1\nchecks:\n  change-scope: {}\n"), dest, use_cache=False)
    return dataclasses.replace(example, checks=example.checks + scope.checks)


def test_every_check_ran(verdict: Verdict) -> None:
    """The fixture covers every registered check, so the round trip below covers every summary."""
    assert {r.check for r in verdict.checks} == set(REGISTRY)


def test_summaries_round_trip_through_their_metrics(verdict: Verdict) -> None:
    """Reading a check's metrics into its summary and writing them again gives the same JSON
    (a verdict.json rendered later shows what the run measured)."""
    for result in verdict.checks:
        summary = REGISTRY[result.check].read_summary(result.metrics)
        assert not isinstance(summary, OpaqueSummary)
        assert summary.to_metrics() == dict(result.metrics), result.check
        assert list(summary.to_metrics()) == list(result.metrics), result.check  # same key order too


def test_reports_find_reconciliation_and_chain_by_asking_summaries(verdict: Verdict) -> None:
    """The replay check reconciles (four currencies, each with its bridges); the audit-log check
    has the (broken) chain; nothing else claims either."""
    (reconciled,) = reconciliations(verdict)
    assert reconciled.result.check == "replay"
    assert [t.currency for t in reconciled.totals] == ["EUR", "GBP", "JPY", "USD"]
    assert all(len(t.bridges) == 2 and all(b.residual == 0 for b in t.bridges) for t in reconciled.totals)
    ((chain),) = chains(verdict)
    assert (chain.result.check, chain.state, chain.completeness) == ("audit-log", "broken", "checked")


def test_an_unknown_check_shows_its_metrics_as_they_are(verdict: Verdict) -> None:
    """A verdict from another gate version may name a check this one lacks: opaque, not an error."""
    foreign = CheckResult("licenses", Status.PASSED, metrics={"advisories": 3})
    assert summary_of(foreign).to_metrics() == {"advisories": 3}
    assert summary_of(foreign).reconciliation() is None and summary_of(foreign).chain() is None


def test_renderers_name_no_check() -> None:
    """No renderer compares against a check id: what a report shows comes from the summaries."""
    for path in sorted(RENDER.glob("*.py")):
        strings = {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)}
        assert not strings & set(REGISTRY), path.name
