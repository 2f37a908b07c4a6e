"""The Stripe recording: Event shapes, links, the report, the payout reconciliation, `Expected`."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import recfold

from compliance_gate.testing.recordings import stripe
from compliance_gate.testing.recordings.expected import Expected

FAULTS = {k: 2 for k in stripe.FAULTS}
EXP = {c.code: c.exponent for c in stripe.CURRENCIES}
PI_FIELDS = {"id", "object", "amount", "amount_received", "capture_method", "client_secret", "created", "currency"}
PI_FIELDS |= {"latest_charge", "last_payment_error", "metadata", "next_action", "payment_method", "status"}


@pytest.fixture(scope="module", params=[None, 500], ids=["generated", "tiled"])
def rec(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Expected]:
    """1500 payments, generated one by one, or as three copies of a 500-payment tile."""
    out = tmp_path_factory.mktemp("stripe")
    return out, stripe.generate(out, payments=1500, seed=11, faults=FAULTS, tile=request.param)


def test_every_event_is_a_stripe_event_with_the_documented_envelope(rec: tuple[Path, Expected]) -> None:
    """Each line is an Event: evt_ id, created, livemode, pending_webhooks, request, data.object."""
    out, exp = rec
    records = list(recfold.read_records(out / exp.events))
    assert len(records) == exp.events_written
    for r in records:
        e = r.payload
        assert set(e) == {
            "id",
            "object",
            "api_version",
            "created",
            "data",
            "livemode",
            "pending_webhooks",
            "request",
            "type",
        }
        assert e["id"].startswith("evt_") and e["object"] == "event" and e["livemode"] is False
        assert isinstance(e["created"], int) and e["pending_webhooks"] >= 0
        assert set(e["request"]) == {"id", "idempotency_key"}
        assert (e["request"]["id"] or "req_").startswith("req_")
        assert ("previous_attributes" in e["data"]) == e["type"].endswith(".updated")
    pis = [r.payload["data"]["object"] for r in records if r.payload["data"]["object"]["object"] == "payment_intent"]
    assert all(set(pi) >= PI_FIELDS and pi["id"].startswith("pi_") for pi in pis)


def test_charges_refunds_and_disputes_link_to_a_created_payment_intent(rec: tuple[Path, Expected]) -> None:
    """Every ch_/re_/dp_ object names a PaymentIntent whose payment_intent.created is recorded."""
    out, exp = rec
    events = [r.payload for r in recfold.read_records(out / exp.events)]
    created = {e["data"]["object"]["id"] for e in events if e["type"] == "payment_intent.created"}
    prefixes = {"charge": "ch_", "refund": "re_", "dispute": "dp_"}
    kinds: Counter[str] = Counter()
    for e in events:
        obj = e["data"]["object"]
        if obj["object"] == "payment_intent":
            assert obj["id"] in created
            continue
        kinds[obj["object"]] += 1
        assert obj["id"].startswith(prefixes[obj["object"]])
        assert obj["payment_intent"] in created
        if obj["object"] != "charge":
            assert obj["charge"].startswith("ch_")
    assert set(kinds) == {"charge", "refund", "dispute"}


def test_types_are_the_documented_ones(rec: tuple[Path, Expected]) -> None:
    """The recording uses Stripe's real event types, including the ones beyond PROVIDERS.md's list."""
    out, exp = rec
    types = {r.payload["type"] for r in recfold.read_records(out / exp.events)}
    assert types >= {
        "payment_intent.created",
        "payment_intent.requires_action",
        "payment_intent.processing",
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "charge.succeeded",
        "charge.failed",
        "charge.captured",
        "charge.refunded",
        "charge.pending",
        "refund.created",
        "refund.updated",
        "charge.refund.updated",
        "charge.dispute.created",
        "charge.dispute.closed",
    }
    assert all(t.split(".")[0] in ("payment_intent", "charge", "refund") for t in types)


def test_report_covers_every_payment_and_agrees_on_clean_ones(rec: tuple[Path, Expected]) -> None:
    """A replay per PROVIDERS.md reproduces the report for every payment no fault touches."""
    out, exp = rec
    fold = recfold.fold_stripe(out / exp.events)
    report = recfold.read_report(out / exp.report)
    involved = exp.involved()
    missing_report = {f.payment_id for f in exp.faults if f.kind == "missing_in_report"}
    assert set(fold.payments) - missing_report <= set(report)
    assert set(report) - set(fold.payments) == {f.payment_id for f in exp.faults if f.kind == "missing_in_events"}
    statuses: Counter[str] = Counter()
    for pid, p in fold.payments.items():
        statuses[p.status] += 1
        if pid in involved:
            continue
        row = report[pid]
        assert (row["status"], int(row["amount"]), row["currency"], int(row["refunded"])) == (
            p.status,
            p.amount,
            p.currency,
            p.refunded,
        ), pid
    assert set(statuses) == {
        "requires_payment_method",
        "requires_action",
        "processing",
        "requires_capture",
        "succeeded",
        "canceled",
    }


def test_planted_faults_are_what_a_replay_sees(rec: tuple[Path, Expected]) -> None:
    """Each fault shows up as its category: report differences, double charges, conflicts."""
    out, exp = rec
    fold = recfold.fold_stripe(out / exp.events)
    report = recfold.read_report(out / exp.report)
    assert Counter(f.kind for f in exp.faults) == Counter(FAULTS)
    by_cat = exp.by_category()
    assert recfold.double_charges(fold) == by_cat["double_charge"]
    assert fold.conflicts == by_cat["duplicate_conflict"]
    for f in exp.faults:
        p, row = fold.payments.get(f.payment_id), report.get(f.payment_id)
        if f.kind in ("report_behind", "report_ahead", "contradiction"):
            assert p is not None and row is not None and row["status"] != p.status
        elif f.kind == "missing_refund":
            assert p is not None and row is not None and int(row["refunded"]) == 0 < p.refunded
        elif f.kind in ("amount_under", "amount_over"):
            assert p is not None and row is not None
            assert (int(row["amount"]) < p.amount) == (f.kind == "amount_under") and int(row["amount"]) != p.amount
        elif f.kind == "missing_in_report":
            assert p is not None and row is None
        elif f.kind == "missing_in_events":
            assert p is None and row is not None


def test_expected_totals_are_what_the_events_add_up_to(rec: tuple[Path, Expected]) -> None:
    """Per currency: payments, amount, captured, refunded and disputed equal an independent fold."""
    out, exp = rec
    fold = recfold.fold_stripe(out / exp.events)
    assert {
        t.currency: (t.payments, t.amount, t.captured, t.refunded, t.disputed) for t in exp.totals
    } == recfold.totals(fold)
    assert exp.payments == len(fold.payments) == sum(t.payments for t in exp.totals)
    in_events = exp.involved() & set(fold.payments)
    assert exp.clean_payments == exp.payments - len(in_events)
    assert {t.currency for t in exp.totals} == {"usd", "eur", "gbp", "jpy", "kwd"}
    assert Expected.load(out / "expected.json") == exp


def test_payout_reconciliation_follows_stripe_sign_conventions(rec: tuple[Path, Expected]) -> None:
    """net = gross - fee on every row; per PaymentIntent charge = captured, refund + refund_failure
    = -refunded, dispute + dispute_reversal = -disputed; other rows are fees and payouts."""
    out, exp = rec
    assert exp.settlement is not None
    fold = recfold.fold_stripe(out / exp.events)
    rows = recfold.read_csv(out / exp.settlement)
    assert list(rows[0]) == list(stripe.SETTLEMENT_COLUMNS)
    sums: dict[str, Counter[str]] = defaultdict(Counter)
    payouts: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        gross, fee, net = (Decimal(r[c]) for c in ("gross", "fee", "net"))
        assert net == gross - fee
        assert r["currency"] == r["currency"].lower()
        if r["payment_intent_id"]:
            assert r["reporting_category"] in ("charge", "refund", "refund_failure", "dispute", "dispute_reversal")
            assert r["charge_id"].startswith("ch_")
            sums[r["payment_intent_id"]][r["reporting_category"]] += recfold.minor(r["gross"], EXP[r["currency"]])
        else:
            assert r["reporting_category"] in ("fee", "payout")
        payouts[r["automatic_payout_id"]] += net
    assert all(v == 0 for v in payouts.values()), "each payout's row is minus the rest of its batch"
    settle_faults = {f.payment_id: f for f in exp.faults if f.side == "settlement"}
    for pid, p in fold.payments.items():
        s = sums.get(pid, Counter())
        if pid in settle_faults:
            kind = settle_faults[pid].kind
            assert (s["charge"] == 0) if kind == "settlement_missing" else (s["charge"] != p.captured)
            continue
        assert s["charge"] == p.captured, pid
        assert -(s["refund"] + s["refund_failure"]) == p.refunded, pid
        assert -(s["dispute"] + s["dispute_reversal"]) == p.disputed, pid


def test_noise_is_present_and_counted(tmp_path: Path) -> None:
    """A few thousand payments carry every kind of clean noise the presets must shrug off."""
    exp = stripe.generate(tmp_path, payments=2500, seed=5)
    kinds = {k for k, n in exp.noise if n > 0}
    assert kinds >= {
        "redelivery",
        "out_of_order",
        "late_delivery",
        "refund_partial",
        "refund_full",
        "refund_failed",
        "refund_pending_then_succeeded",
        "dispute_won",
        "dispute_lost",
        "dispute_open",
        "dispute_inquiry",
        "charge_updated",
        *(f"flow:{f}" for f in stripe.FLOWS),
    }
    assert exp.faults == () and exp.clean_payments == exp.payments
    fold = recfold.fold_stripe(tmp_path / exp.events)
    assert fold.duplicates == exp.noise_count("redelivery") and not fold.conflicts
    assert not recfold.double_charges(fold)


def test_a_tiled_recording_repeats_the_tile_with_new_ids_later_and_faults_once(tmp_path: Path) -> None:
    """Copies of the base tile have their own ids and creation keys, 10^6 s later each; the
    faults are planted once; kcat offsets run on across copies; the same seed, the same bytes."""
    faults = {"double_charge": 1, "missing_refund": 1, "missing_in_events": 1}
    exp = stripe.generate(tmp_path / "a", payments=1200, seed=4, faults=faults, kcat=True, tile=400)
    again = stripe.generate(tmp_path / "b", payments=1200, seed=4, faults=faults, kcat=True, tile=400)
    assert exp == again and (tmp_path / "a" / exp.events).read_bytes() == (tmp_path / "b" / exp.events).read_bytes()
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["events.jsonl", "expected.json", "report.csv", "settlement.csv"]
    assert len(exp.faults) == 3
    records = list(recfold.read_records(tmp_path / "a" / exp.events))
    assert len(records) == exp.events_written
    by_partition: dict[int, list[int]] = defaultdict(list)
    for r in records:
        by_partition[r.partition].append(r.offset)
    assert all(v == list(range(len(v))) for v in by_partition.values())
    fold = recfold.fold_stripe(tmp_path / "a" / exp.events)
    assert len(fold.payments) == exp.payments == 400 + 2 * (400 - 3)
    assert fold.duplicates == exp.noise_count("redelivery")
    assert recfold.double_charges(fold) == exp.by_category()["double_charge"]
    created = sorted(r.payload["created"] for r in records)
    assert created[-1] - created[0] > 2 * 10**6 - 10**5
