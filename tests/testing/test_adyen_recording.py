"""The Adyen recording: webhook bodies, originalReference links, DST offsets, the report, the SDR."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import recfold

from compliance_gate.testing.recordings import adyen
from compliance_gate.testing.recordings.expected import Expected

FAULTS = {k: 2 for k in adyen.FAULTS}
EXP = {c.code: c.exponent for c in adyen.CURRENCIES}
ITEM_KEYS = {"additionalData", "amount", "eventCode", "eventDate", "merchantAccountCode", "merchantReference"}
ITEM_KEYS |= {"paymentMethod", "pspReference", "reason", "success"}


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Expected]:
    out = tmp_path_factory.mktemp("adyen")
    return out, adyen.generate(out, payments=1500, seed=12, faults=FAULTS)


def test_bodies_hold_one_or_more_standard_notification_items(rec: tuple[Path, Expected]) -> None:
    """Every line is a webhook body; items carry Adyen's fields, strings for success and live."""
    out, exp = rec
    sizes: Counter[int] = Counter()
    for r in recfold.read_records(out / exp.events):
        assert set(r.payload) == {"live", "notificationItems"}
        sizes[len(r.payload["notificationItems"])] += 1
    assert sizes[1] and sum(n for size, n in sizes.items() if size > 1) == exp.noise_count("bodies_with_several_items")
    codes: Counter[str] = Counter()
    for _, it in recfold.adyen_items(out / exp.events):
        assert set(it) >= ITEM_KEYS and it["success"] in ("true", "false")
        assert len(it["pspReference"]) == 16 and it["pspReference"].isalnum()
        assert isinstance(it["amount"]["value"], int) and it["amount"]["currency"] in EXP
        codes[it["eventCode"]] += 1
    assert set(codes) == {
        "AUTHORISATION",
        "CAPTURE",
        "CANCELLATION",
        "CANCEL_OR_REFUND",
        "REFUND",
        "REFUND_FAILED",
        "NOTIFICATION_OF_CHARGEBACK",
        "CHARGEBACK",
        "CHARGEBACK_REVERSED",
    }


def test_modifications_point_to_an_authorisation_by_original_reference(rec: tuple[Path, Expected]) -> None:
    """AUTHORISATION has no originalReference; every other item names a recorded AUTHORISATION."""
    out, exp = rec
    items = [it for _, it in recfold.adyen_items(out / exp.events)]
    auths = {it["pspReference"] for it in items if it["eventCode"] == "AUTHORISATION"}
    digits = sum(1 for p in auths if p.isdigit())
    assert 0 < digits < len(auths), "some pspReferences are all digits, some alphanumeric"
    for it in items:
        if it["eventCode"] == "AUTHORISATION":
            assert "originalReference" not in it
        else:
            assert it["originalReference"] in auths and it["pspReference"] not in auths


def test_event_dates_change_offset_at_the_end_of_daylight_saving(rec: tuple[Path, Expected]) -> None:
    """Offsets +02:00 and +01:00 both occur, and text order differs from time order somewhere."""
    out, exp = rec
    dates = [it["eventDate"] for _, it in recfold.adyen_items(out / exp.events)]
    assert {d[-6:] for d in dates} == {"+02:00", "+01:00"}
    by_text = sorted(set(dates))
    assert by_text != sorted(by_text, key=recfold.instant), "sorting eventDate as text misorders the fall-back hour"


def test_report_covers_every_payment_and_agrees_on_clean_ones(rec: tuple[Path, Expected]) -> None:
    """A replay per PROVIDERS.md reproduces the report (Adyen's vocabulary) for every clean payment."""
    out, exp = rec
    fold = recfold.fold_adyen(out / exp.events)
    report = recfold.read_report(out / exp.report)
    missing_report = {f.payment_id for f in exp.faults if f.kind == "missing_in_report"}
    assert set(fold.payments) - missing_report == set(report) - {
        f.payment_id for f in exp.faults if f.kind == "missing_in_events"
    }
    statuses: Counter[str] = Counter()
    for pid, p in fold.payments.items():
        statuses[p.status] += 1
        if pid in exp.involved():
            continue
        row = report[pid]
        assert (row["status"], int(row["amount"]), row["currency"], int(row["refunded"])) == (
            p.status,
            p.amount,
            p.currency,
            p.refunded,
        ), pid
    assert set(statuses) == {"Refused", "Cancelled", "Refunded", "Captured", "Authorised"}
    retries = Counter(p.key for p in fold.payments.values())
    assert any(n > 1 for n in retries.values()), "retries under one merchantReference are in the recording"


def test_planted_faults_are_what_a_replay_sees(rec: tuple[Path, Expected]) -> None:
    """Each fault shows up as its category; a retry after a refusal is not a double charge."""
    out, exp = rec
    fold = recfold.fold_adyen(out / exp.events)
    report = recfold.read_report(out / exp.report)
    by_cat = exp.by_category()
    assert recfold.double_charges(fold) == by_cat["double_charge"]
    assert fold.conflicts == by_cat["duplicate_conflict"]
    for f in exp.faults:
        p, row = fold.payments.get(f.payment_id), report.get(f.payment_id)
        if f.kind in ("report_behind", "report_ahead", "contradiction"):
            assert p is not None and row is not None and row["status"] != p.status
        elif f.kind == "missing_refund":
            assert p is not None and row is not None and row["status"] == p.status == "Refunded"
            assert int(row["refunded"]) == 0 < p.refunded
        elif f.kind in ("amount_under", "amount_over"):
            assert p is not None and row is not None and (int(row["amount"]) < p.amount) == (f.kind == "amount_under")
        elif f.kind == "missing_in_report":
            assert p is not None and row is None


def test_expected_totals_are_what_the_items_add_up_to(rec: tuple[Path, Expected]) -> None:
    """Per currency totals (refused amounts in `amount` but not in `captured`) equal an independent fold."""
    out, exp = rec
    fold = recfold.fold_adyen(out / exp.events)
    assert {
        t.currency: (t.payments, t.amount, t.captured, t.refunded, t.disputed) for t in exp.totals
    } == recfold.totals(fold)
    assert exp.clean_payments == exp.payments - len(exp.involved() & set(fold.payments))
    assert "JPY" in {t.currency for t in exp.totals} and "KWD" in {t.currency for t in exp.totals}


def test_settlement_details_report_follows_adyen_conventions(rec: tuple[Path, Expected]) -> None:
    """Settled credit = captured; Refunded debit - RefundedReversed credit = refunded; Chargeback
    debit - ChargebackReversed credit = disputed; net = gross -/+ fees; Fee and MerchantPayout
    rows have no pspReference, and each payout pays out its batch."""
    out, exp = rec
    assert exp.settlement is not None
    fold = recfold.fold_adyen(out / exp.events)
    rows = recfold.read_csv(out / exp.settlement)
    assert list(rows[0]) == list(adyen.SETTLEMENT_COLUMNS)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    batches: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    payouts: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        cur = r["Net Currency"]
        net = Decimal(r["Net Credit (NC)"] or 0) - Decimal(r["Net Debit (NC)"] or 0)
        if r["Type"] == "MerchantPayout":
            assert not r["Psp Reference"]
            payouts[(r["Batch Number"], cur)] = -net
            continue
        batches[(r["Batch Number"], cur)] += net
        if r["Type"] == "Fee":
            assert not r["Psp Reference"]
            continue
        assert r["TimeZone"] in ("CET", "CEST") and r["Gross Currency"] == cur and r["Exchange Rate"] == "1"
        exp_ = EXP[cur]
        gross = Decimal(r["Gross Credit (GC)"] or 0) - Decimal(r["Gross Debit (GC)"] or 0)
        fees = sum(
            Decimal(r[c] or 0) for c in ("Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)")
        )
        assert net == gross - fees
        per[r["Psp Reference"]][r["Type"]] += recfold.minor(str(abs(gross)), exp_)
    assert payouts == dict(batches)
    settle_faults = {f.payment_id: f.kind for f in exp.faults if f.side == "settlement"}
    for psp, p in fold.payments.items():
        s = per.get(psp, Counter())
        if psp in settle_faults:
            assert (s["Settled"] == 0) if settle_faults[psp] == "settlement_missing" else (s["Settled"] != p.captured)
            continue
        assert s["Settled"] == p.captured, psp
        assert s["Refunded"] - s["RefundedReversed"] == p.refunded, psp
        assert s["Chargeback"] - s["ChargebackReversed"] == p.disputed, psp


def test_noise_is_present_and_counted(tmp_path: Path) -> None:
    """Refusals, retries, cancellations, failed and rejected refunds, chargebacks, redeliveries."""
    exp = adyen.generate(tmp_path, payments=2000, seed=6)
    kinds = {k for k, n in exp.noise if n > 0}
    assert kinds >= {
        "redelivery",
        "out_of_order",
        "late_delivery",
        "bodies_with_several_items",
        "refund_partial",
        "refund_full",
        "refund_two_partials",
        "refund_failed",
        "refund_rejected",
        "cancel_or_refund_refund",
        "chargeback_notified",
        "chargeback_debited",
        "chargeback_won",
        *(f"flow:{f}" for f in adyen.FLOWS),
    }
    fold = recfold.fold_adyen(tmp_path / exp.events)
    assert not fold.conflicts and not recfold.double_charges(fold)
    assert fold.duplicates == exp.noise_count("redelivery")
