"""The set-based fold and reconciliation against the per-payment Python reference: same outcome."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import histories
from replayutil import dump, options

from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput
from compliance_gate.replay import generate as gen
from compliance_gate.replay import pipeline
from compliance_gate.replay.fold import setfold
from compliance_gate.replay.report import results

ALL_FAULTS = {k: 3 for k in gen.FLAGGED} | {k: 3 for k in gen.COUNTED}


def _evaluate(root: Path, section: dict[str, Any], set_based: bool) -> CheckOutput:
    """`results.evaluate`, with the fold done set-based or entirely in Python."""
    opts = options(section)
    return results.check_output(
        pipeline.replay_and_reconcile(opts, root, set_based=set_based), opts, Fingerprinter(), {}
    )


def _same(root: Path, section: dict[str, Any]) -> CheckOutput:
    fast = _evaluate(root, section, set_based=True)
    assert dump(fast) == dump(_evaluate(root, section, set_based=False))
    return fast


def _histories(tmp: Path, seed: int) -> dict[str, Any]:
    histories.write(tmp, payments=500, seed=seed)
    return {
        "events": {"path": "events.jsonl"},
        "reported": {"path": "report.csv", "fields": {"refunded": "refunded"}},
        "settlement": {"path": "settlement.csv"},
        "grace_s": 0,
    }


@pytest.mark.parametrize(("seed", "split"), [(1, False), (2, True)])
def test_random_histories_same_outcome(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, split: bool) -> None:
    """Mutated histories with perturbed reports and settlements: identical findings and metrics,
    also when the set-based fold runs step by step (as it does for inputs beyond the memory limit)."""
    if split:
        monkeypatch.setattr(pipeline, "SPLIT_ROWS_PER_MB", 0)
    out = _same(
        tmp_path, {**_histories(tmp_path, seed), "geo": histories.GEO, "max_findings": 5000, "max_breaks": 5000}
    )
    assert out.counts["payments"] == 500 and out.counts["illegal_transition"] and out.counts["money_invariant"]


def test_random_histories_with_tolerances_in_flight_and_no_settlement(tmp_path: Path) -> None:
    """Tolerances, caps, thresholds, an as-of with payments in flight, no settlement: identical."""
    sec = _histories(tmp_path, 3)
    del sec["settlement"]
    sec.update(
        reported={**sec["reported"], "as_of": "2026-01-01T00:03:00Z"},
        grace_s=60,
        tolerances={"USD": 2, "*": 1},
        tolerance_caps={"USD": 3},
        thresholds={"report_behind": 2},
        max_findings=5000,
        max_breaks=5000,
    )
    out = _same(tmp_path, sec)
    assert out.counts["in_flight"] and out.metrics["within_tolerance"]


@pytest.mark.parametrize(("report_format", "compress"), [("csv", False), ("sqlite", True)])
def test_generated_traffic_same_outcome(tmp_path: Path, report_format: str, compress: bool) -> None:
    """Generated traffic with every injected fault: identical, and the faults are what is found."""
    g = gen.generate(tmp_path, payments=600, faults=ALL_FAULTS, report_format=report_format, compress=compress)
    report = (
        {"url": f"sqlite:///{g.report.name}", "query": "SELECT * FROM payments"}
        if report_format == "sqlite"
        else {"path": g.report.name}
    )
    out = _same(
        tmp_path,
        {
            "events": {"path": g.events.name},
            "reported": {**report, "as_of": g.as_of},
            "settlement": {"path": g.settlement.name},
            "geo": gen.GEO_RULES,
        },
    )
    assert {f.properties["payment_id"] for f in out.findings} == set().union(*g.expected.values())


def test_most_regular_payments_never_reach_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On clean generated traffic every payment is reconciled in SQL; the Python stream is empty."""
    g = gen.generate(tmp_path, payments=300, faults={"redelivery": 2})
    opts = options(
        {
            "events": {"path": g.events.name},
            "reported": {"path": g.report.name, "as_of": g.as_of},
            "settlement": {"path": g.settlement.name},
            "geo": gen.GEO_RULES,
        }
    )
    seen: list[int] = []
    real = setfold.clean_totals

    def spy(con: Any) -> list[tuple[str, int, int, int, int, int, int]]:
        rows = real(con)
        seen.append(sum(r[2] for r in rows))
        seen.append(con.execute("SELECT count(*) FROM recon WHERE NOT clean").fetchall()[0][0])
        return rows

    monkeypatch.setattr(setfold, "clean_totals", spy)
    out = pipeline.replay_and_reconcile(opts, tmp_path)
    assert seen == [300, 0] and out.breaks == []
