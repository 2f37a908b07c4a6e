"""`replay --preset stripe|adyen|debezium` on recordings in the providers' own shapes.

The recordings (`compliance_gate.testing.recordings`) plant every fault kind a preset must find
and all the clean noise it must not flag (refunds, refusals, retries, redeliveries, out-of-order
and late deliveries, 3-D Secure steps, disputes, snapshot rows, connector restarts, deletes).
The command gets nothing but the preset, the files and (or not) the reporting snapshot's time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compliance_gate.cli import main
from compliance_gate.testing.recordings import PROVIDERS, Expected

# the clean noise each recording must contain for "no finding on clean payments" to mean something
NOISE = {
    "stripe": (
        "redelivery",
        "out_of_order",
        "late_delivery",
        "refund_partial",
        "refund_full",
        "refund_failed",
        "refund_pending_then_succeeded",
        "dispute_lost",
        "dispute_won",
        "flow:decline_then_success",
        "flow:three_ds",
        "flow:manual_capture",
        "flow:manual_void",
    ),
    "adyen": (
        "redelivery",
        "out_of_order",
        "bodies_with_several_items",
        "flow:refused",
        "flow:refused_then_retry",
        "flow:cancelled_then_retry",
        "refund_partial",
        "refund_failed",
        "refund_rejected",
        "cancel_or_refund_refund",
        "chargeback_debited",
    ),
    "debezium": (
        "snapshot_row",
        "update_repeating_status",
        "restart_resent",
        "connector_restart",
        "deleted_row",
        "tombstone",
        "flow:failed_then_retry",
        "flow:captured_3ds",
        "refund_partial",
        "disputed",
    ),
}


def replay(d: Path, provider: str, exp: Expected, *extra: str) -> tuple[int, dict[str, Any]]:
    """Run `compliance-gate replay --preset` with nothing but the files (and `extra`)."""
    args = ["replay", "--preset", provider, "--events", str(d / exp.events), "--reported", str(d / exp.report)]
    if exp.settlement:
        args += ["--settlement", str(d / exp.settlement)]
    out = d / "out.json"
    rc = main([*args, *extra, "--root", str(d), "--out", str(out)])
    return rc, json.loads(out.read_text())


def named(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["properties"]["category"], f["properties"].get("payment_id", "")) for f in report["findings"]}


@pytest.mark.parametrize("shape", ["jsonl", "kcat.gz"])
@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_every_planted_fault_found_and_nothing_on_clean_payments(tmp_path: Path, provider: str, shape: str) -> None:
    """Each fault kind planted twice: every one is reported under its category and payment; no
    finding names a payment outside the faults; the control totals are exact per currency."""
    mod = PROVIDERS[provider]
    kcat = shape == "kcat.gz"
    exp = mod.generate(tmp_path, payments=600, seed=21, faults=dict.fromkeys(mod.FAULTS, 2), kcat=kcat, gzip=kcat)
    for kind in NOISE[provider]:
        assert exp.noise_count(kind) > 0, f"the recording has no {kind}: the clean side proves less"
    rc, report = replay(tmp_path, provider, exp, "--as-of", exp.as_of)
    assert rc == 1 and report["errors"] == []
    found = named(report)
    assert {f.kind for f in exp.faults} == set(mod.FAULTS)
    missed = [(f.kind, f.payment_id, f.category) for f in exp.faults if (f.category, f.payment_id) not in found]
    assert missed == []
    involved = exp.involved()
    false = [f["message"] for f in report["findings"] if f["properties"].get("payment_id") not in involved]
    assert false == []
    assert report["counts"]["payments"] == exp.payments
    currencies = report["metrics"]["currencies"]
    for t in exp.totals:
        got = currencies[t.currency.upper()]["replay"]
        assert (got["payments"], got["amount"], got["captured"], got["refunded"]) == (
            t.payments,
            t.amount,
            t.captured,
            t.refunded,
        )


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_clean_recording_passes_with_the_preset_alone(tmp_path: Path, provider: str) -> None:
    """No faults and no --as-of: exit 0, nothing found, the cut-off is the last event (said so)."""
    mod = PROVIDERS[provider]
    exp = mod.generate(tmp_path, payments=300, seed=4, faults={})
    rc, report = replay(tmp_path, provider, exp)
    assert (rc, report["findings"], report["errors"]) == (0, [], [])
    assert report["counts"]["payments"] == exp.payments > 0
    assert report["metrics"]["as_of_source"] == "last event"


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_without_as_of_planted_faults_still_block(tmp_path: Path, provider: str) -> None:
    """The default cut-off does not hide faults: the grace window excuses only recent payments."""
    mod = PROVIDERS[provider]
    exp = mod.generate(tmp_path, payments=300, seed=8, faults={"report_behind": 2, "double_charge": 1})
    rc, report = replay(tmp_path, provider, exp)
    assert rc == 1
    assert {(f.category, f.payment_id) for f in exp.faults} <= named(report)


def test_provider_ids_are_never_masked(tmp_path: Path) -> None:
    """All-digit 16-character pspReferences and UUID row ids appear whole in findings."""
    for provider in ("adyen", "debezium"):
        mod = PROVIDERS[provider]
        d = tmp_path / provider
        d.mkdir()
        exp = mod.generate(d, payments=200, seed=2, faults={"amount_under": 6})
        _, report = replay(d, provider, exp, "--as-of", exp.as_of)
        ids = {f["properties"]["payment_id"] for f in report["findings"]}
        assert {f.payment_id for f in exp.faults} <= ids
        text = json.dumps(report)
        assert "******" not in text


def test_debezium_without_schema_envelope_and_default_replica_identity(tmp_path: Path) -> None:
    """Values without the schema envelope, deletes whose `before` holds only the key."""
    mod = PROVIDERS["debezium"]
    exp = mod.generate(
        tmp_path, payments=400, seed=9, faults=dict.fromkeys(mod.FAULTS, 2), schema=False, replica_identity="default"
    )
    rc, report = replay(tmp_path, "debezium", exp)
    assert rc == 1 and report["errors"] == []
    found = named(report)
    assert [f.kind for f in exp.faults if (f.category, f.payment_id) not in found] == []
    assert [f["message"] for f in report["findings"] if f["properties"].get("payment_id") not in exp.involved()] == []
