"""The Debezium recording: change-event shapes, LSN order, snapshot, restarts, deletes, the table."""

from __future__ import annotations

import sys
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import itertools

import recfold

from compliance_gate.testing.recordings import debezium
from compliance_gate.testing.recordings.expected import Expected

FAULTS = {k: 2 for k in debezium.FAULTS}
COLUMNS = {
    "id",
    "status",
    "amount_minor",
    "currency",
    "captured_minor",
    "refunded_minor",
    "idempotency_key",
    "updated_at",
}


@pytest.fixture(scope="module", params=[(True, "full"), (False, "default")], ids=["schema-full", "plain-default"])
def rec(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Expected, bool]:
    schema, identity = request.param
    out = tmp_path_factory.mktemp("debezium")
    exp = debezium.generate(out, payments=1200, seed=13, faults=FAULTS, schema=schema, replica_identity=identity)
    return out, exp, identity == "full"


def test_values_are_debezium_change_events(rec: tuple[Path, Expected, bool]) -> None:
    """Envelope with or without schema; before/after rows with the table's columns; source block."""
    out, exp, _ = rec
    ops: Counter[str] = Counter()
    for r, ch in recfold.debezium_changes(out / exp.events):
        if ch is None:
            continue
        if "schema" in r.payload:
            assert r.payload["schema"]["name"] == "pg.public.payments.Envelope"
        assert set(ch) == {"before", "after", "source", "transaction", "op", "ts_ms", "ts_us", "ts_ns"}
        src = ch["source"]
        assert src["connector"] == "postgresql" and src["table"] == "payments" and isinstance(src["lsn"], int)
        assert src["snapshot"] in ("first", "true", "last", "false")
        ops[ch["op"]] += 1
        for image in (ch["before"], ch["after"]):
            if image is not None:
                assert set(image) == COLUMNS and uuid.UUID(image["id"]).version == 4
                if image["status"] is not None:  # a key-only delete image (replica identity default)
                    assert isinstance(image["updated_at"], int) and len(str(image["updated_at"])) == 16
        assert (ch["after"] is None) == (ch["op"] == "d")
    assert set(ops) == {"r", "c", "u", "d"}


def test_snapshot_rows_share_one_lsn_and_come_first(rec: tuple[Path, Expected, bool]) -> None:
    """op r rows: one LSN, below every streamed change; labelled first ... last."""
    out, exp, _ = rec
    snap = [ch for _, ch in recfold.debezium_changes(out / exp.events) if ch and ch["op"] == "r"]
    streamed = [ch["source"]["lsn"] for _, ch in recfold.debezium_changes(out / exp.events) if ch and ch["op"] != "r"]
    assert len(snap) == exp.noise_count("snapshot_row") > 10
    assert len({ch["source"]["lsn"] for ch in snap}) == 1 and snap[0]["source"]["lsn"] < min(streamed)
    assert Counter(ch["source"]["snapshot"] for ch in snap)["first"] == 1
    assert Counter(ch["source"]["snapshot"] for ch in snap)["last"] == 1


def test_order_by_lsn_restores_each_rows_history(rec: tuple[Path, Expected, bool]) -> None:
    """Per key the file keeps LSN order except restart re-sends (same LSN, same images); sorted by
    LSN, each update's before image is the previous after image (replica identity full)."""
    out, exp, full = rec
    per_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    file_order_breaks = 0
    last_lsn: dict[str, int] = {}
    for _, ch in recfold.debezium_changes(out / exp.events):
        if ch is None:
            continue
        rid = (ch["after"] or ch["before"])["id"]
        lsn = ch["source"]["lsn"]
        if lsn < last_lsn.get(rid, 0):
            file_order_breaks += 1
        last_lsn[rid] = max(lsn, last_lsn.get(rid, 0))
        per_key[rid].append(ch)
    assert 0 < file_order_breaks <= exp.noise_count("restart_resent")
    conflicted = exp.by_category()["duplicate_conflict"]
    for rid, changes in per_key.items():
        history = {(c["source"]["lsn"], c["op"]): c for c in changes}
        ordered = [history[k] for k in sorted(history)]
        for prev, cur in itertools.pairwise(ordered):
            if cur["op"] == "u" and full and rid not in conflicted:
                assert cur["before"] == prev["after"], rid
            if cur["op"] == "u" and not full:
                assert cur["before"] is None
            if cur["op"] == "d" and not full:
                assert cur["before"]["id"] == rid and cur["before"]["status"] is None


def test_deletes_are_followed_by_tombstones_and_leave_the_report(rec: tuple[Path, Expected, bool]) -> None:
    """Each delete has a tombstone (line `null`) after it; deleted rows are not in the report."""
    out, exp, _ = rec
    records = list(recfold.debezium_changes(out / exp.events))
    deletes = [ch["before"]["id"] for _, ch in records if ch and ch["op"] == "d"]
    tombstones = sum(1 for _, ch in records if ch is None)
    assert len(set(deletes)) == exp.noise_count("deleted_row") and tombstones >= len(set(deletes))
    report = recfold.read_report(out / exp.report)
    assert not set(deletes) & set(report)


def test_report_is_the_tables_rows_and_agrees_on_clean_ones(rec: tuple[Path, Expected, bool]) -> None:
    """Every live row is in the report, with its last image's status and money."""
    out, exp, _ = rec
    fold = recfold.fold_debezium(out / exp.events)
    report = recfold.read_report(out / exp.report)
    missing = {f.payment_id for f in exp.faults if f.kind == "missing_in_report"}
    orphans = {f.payment_id for f in exp.faults if f.kind == "missing_in_events"}
    assert set(fold.payments) - missing == set(report) - orphans
    for rid, p in fold.payments.items():
        if rid in exp.involved():
            continue
        row = report[rid]
        assert (row["status"], int(row["amount"]), row["currency"], int(row["refunded"])) == (
            p.status,
            p.amount,
            p.currency,
            p.refunded,
        ), rid


def test_planted_faults_are_what_a_replay_sees(rec: tuple[Path, Expected, bool]) -> None:
    """Illegal transitions, double charges and conflicts are exactly the planted ones; a failed
    row then a captured one under one key is a retry, not a double charge."""
    out, exp, _ = rec
    fold = recfold.fold_debezium(out / exp.events)
    by_cat = exp.by_category()
    assert fold.illegal == by_cat["illegal_transition"]
    assert recfold.double_charges(fold) == by_cat["double_charge"]
    assert fold.conflicts == by_cat["duplicate_conflict"]
    assert fold.duplicates >= exp.noise_count("restart_resent") - exp.noise_count("tombstone")
    keys = Counter(p.key for p in fold.payments.values() if p.key)
    assert any(n > 1 for n in keys.values()), "retries share an idempotency key"


def test_expected_totals_are_the_live_rows(rec: tuple[Path, Expected, bool]) -> None:
    out, exp, _ = rec
    fold = recfold.fold_debezium(out / exp.events)
    assert {
        t.currency: (t.payments, t.amount, t.captured, t.refunded, t.disputed) for t in exp.totals
    } == recfold.totals(fold)
    assert exp.settlement is None and not (out / "settlement.csv").exists()


def test_noise_is_present_and_counted(tmp_path: Path) -> None:
    exp = debezium.generate(tmp_path, payments=2000, seed=8)
    kinds = {k for k, n in exp.noise if n > 0}
    assert kinds >= {
        "snapshot_row",
        "connector_restart",
        "restart_resent",
        "update_repeating_status",
        "deleted_row",
        "tombstone",
        "refund_partial",
        "refund_full",
        "disputed",
        *(f"flow:{f}" for f in debezium.FLOWS),
    }
    fold = recfold.fold_debezium(tmp_path / exp.events)
    assert not fold.conflicts and not fold.illegal and not recfold.double_charges(fold)
