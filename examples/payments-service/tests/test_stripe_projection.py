"""The Stripe projection against a recording of real-shaped webhook Events, with compliance-gate's
pytest plugin (installed with compliance-gate: the `replay_recording` fixture)."""

from pathlib import Path

from payments.stripe_projection import project

from compliance_gate.testing.pytest_plugin import assert_reconciled

STRIPE = Path(__file__).resolve().parents[1] / "recordings" / "stripe"


def test_projection_reconciles_with_the_stripe_recording(replay_recording):
    result = replay_recording(
        STRIPE / "events.jsonl.gz",
        reported=STRIPE / "report.csv",
        settlement=STRIPE / "settlement.csv",
        preset="stripe",
        projector=project,
    )
    assert_reconciled(result)
