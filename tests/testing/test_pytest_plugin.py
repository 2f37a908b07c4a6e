"""The pytest plugin: the example service's own suite uses it; a broken projection fails readably."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from compliance_gate.testing.pytest_plugin import assert_reconciled, run_replay
from compliance_gate.testing.recordings import stripe

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payments-service"


def forgets_refunds(events: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    """A regression: the status is right, refunds are never counted."""
    status, captured = "requires_payment_method", 0
    for e in events:
        obj = e["raw"]["data"]["object"]
        if obj["object"] == "payment_intent":
            status, captured = obj["status"], obj["amount_received"]
    return {"state": status, "captured": captured, "refunded": 0}


def test_the_example_service_tests_its_projection_with_the_plugin(tmp_path: Path) -> None:
    """The example's suite finds the fixture through the pytest11 entry point and passes."""
    dest = tmp_path / "service"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_stripe_projection.py"],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "1 passed" in run.stdout


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("stripe")
    stripe.generate(d, payments=300, seed=12, faults={})
    return d


def test_a_projection_that_forgets_refunds_fails_with_every_break_listed(recording: Path) -> None:
    result = run_replay(
        "events.jsonl",
        reported="report.csv",
        settlement="settlement.csv",
        preset="stripe",
        projector=forgets_refunds,
        root=recording,
    )
    refunded = result.by_category().get("amount_over", set())
    assert refunded, result.by_category()
    with pytest.raises(AssertionError) as err:
        assert_reconciled(result)
    text = str(err.value)
    assert f"{len(result.breaks)} break(s):" in text
    for pid in refunded:
        assert pid in text
    assert "event evt_" in text


def test_the_same_recording_reconciles_through_the_state_machine(recording: Path) -> None:
    """No projector: the preset's own machine; the faults a test plants are allowed by name."""
    result = run_replay(
        recording / "events.jsonl",
        reported=recording / "report.csv",
        settlement=recording / "settlement.csv",
        preset="stripe",
    )
    assert result.payments == 300
    assert_reconciled(result)
    with pytest.raises(AssertionError, match="expected but not found: double_charge pi_x"):
        assert_reconciled(result, allow={"double_charge": {"pi_x"}})


def test_a_replay_of_nothing_never_passes(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("")
    (tmp_path / "report.csv").write_text("payment_id,status,amount,currency,refunded\n")
    result = run_replay("events.jsonl", reported="report.csv", preset="stripe", root=tmp_path)
    with pytest.raises(AssertionError, match="no payments were replayed"):
        assert_reconciled(result)
