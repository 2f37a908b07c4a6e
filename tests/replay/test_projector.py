"""The release's own projection: imported from the repository, isolated in a subprocess."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from replayutil import found, run_check

from compliance_gate.replay import generate as gen

PROJECTOR = """
STATES = {"payment.created": "created", "payment.processing": "processing",
          "payment.requires_action": "requires_action", "payment.authorized": "authorized",
          "payment.captured": "{captured}", "payment.failed": "failed", "payment.canceled": "canceled"}
RANK = {"created": 0, "requires_action": 1, "processing": 2, "authorized": 3, "succeeded": 4, "failed": 4,
        "canceled": 4}

def project(events, now):
    {extra}
    state = "created"
    for e in events:
        nxt = STATES.get(e["type"])
        if nxt and RANK[nxt] >= RANK[state]:
            state = nxt
    return state
"""


def _setup(tmp: Path, captured: str = "succeeded", extra: str = "pass") -> dict[str, object]:
    g = gen.generate(tmp / "data", payments=60, faults={}, seed=3)
    pkg = tmp / "payments_service"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "projection.py").write_text(PROJECTOR.replace("{captured}", captured).replace("{extra}", extra))
    return {
        "events": {"path": "data/events.jsonl"},
        "reported": {"path": "data/report.csv", "as_of": g.as_of},
        "projector": "payments_service.projection:project",
    }


def test_correct_projector_passes(tmp_path: Path) -> None:
    """A projection that agrees with the reporting system gives no finding and no error."""
    out = run_check(tmp_path, _setup(tmp_path))
    assert (out.findings, out.errors) == ((), ())


def test_projector_with_planted_regression_fails(tmp_path: Path) -> None:
    """A projection that leaves captured payments authorized is caught as report-ahead breaks."""
    out = run_check(tmp_path, _setup(tmp_path, captured="authorized"))
    assert out.errors == ()
    assert set(found(out)) == {"report_ahead"} and len(found(out)["report_ahead"]) > 10


@pytest.mark.parametrize(
    ("spec", "extra", "message"),
    [
        ("payments_service.projection:project", "raise KeyError('4111111111111111')", "raised KeyError"),
        ("payments_service.nope:project", "pass", "cannot be imported (ModuleNotFoundError)"),
        ("payments_service.projection:missing", "pass", "cannot be imported (AttributeError)"),
        ("payments_service.projection:project", "import os; os._exit(9)", "exit code 9"),
    ],
)
def test_broken_projector_is_an_error(tmp_path: Path, spec: str, extra: str, message: str) -> None:
    """A projector that raises, cannot be imported or kills its process is an error, never a pass."""
    sec = _setup(tmp_path, extra=extra)
    sec["projector"] = spec
    out = run_check(tmp_path, sec)
    assert any(message in e for e in out.errors), out.errors
    assert "4111111111111111" not in "".join(out.errors)
