"""Input handling: ordering, duplicates, formats, malformed rows, snapshots, gaps."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from replayutil import found, run_check, write_jsonl

from compliance_gate.errors import InputError


def ev(eid: str, pid: str, etype: str, off: int, amount: Any = "10.00", cur: str = "USD", **kw: Any) -> dict[str, Any]:
    row = {
        "event_id": eid,
        "payment_id": pid,
        "type": etype,
        "occurred_at": f"2026-01-01T00:00:{off:02d}Z",
        "partition": 0,
        "offset": off,
        "currency": cur,
        **kw,
    }
    if amount is not None:
        row["amount"] = amount
    return row


def success(pid: str = "p1", start: int = 0) -> list[dict[str, Any]]:
    return [
        ev(f"{pid}-1", pid, "payment.created", start),
        ev(f"{pid}-2", pid, "payment.authorized", start + 1),
        ev(f"{pid}-3", pid, "payment.captured", start + 2),
    ]


def report(tmp: Path, rows: list[tuple[str, str, str, str]], name: str = "report.csv") -> Path:
    path = tmp / name
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("payment_id", "status", "amount", "currency"))
        w.writerows(rows)
    return path


def section(tmp: Path, events: list[Any], rows: list[tuple[str, str, str, str]], **extra: Any) -> dict[str, Any]:
    write_jsonl(tmp / "events.jsonl", events)
    report(tmp, rows)
    return {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}, "grace_s": 0, **extra}


def test_order_comes_from_offsets_not_file_order(tmp_path: Path) -> None:
    """Events written in reverse file order replay by offset and match a completed report."""
    out = run_check(tmp_path, section(tmp_path, success()[::-1], [("p1", "completed", "10.00", "USD")]))
    assert (out.findings, out.errors) == ((), ())


def test_file_order_would_be_illegal_if_offsets_were_reversed(tmp_path: Path) -> None:
    """The same file with offsets that put capture first yields an illegal-transition finding."""
    events = success()
    for e, off in zip(events, (2, 1, 0), strict=True):
        e["offset"] = off
    out = run_check(tmp_path, section(tmp_path, events, [("p1", "completed", "10.00", "USD")]))
    assert "illegal_transition" in found(out)


def test_sequence_ordering(tmp_path: Path) -> None:
    """With order_by: sequence, the per-payment sequence orders events and a hole is an error."""
    events = [{**e, "sequence": i + 1} for i, e in enumerate(success())]
    for e in events:
        del e["offset"]
    sec = section(tmp_path, events[::-1], [("p1", "completed", "10.00", "USD")])
    sec["events"]["order_by"] = "sequence"
    assert run_check(tmp_path, sec).errors == ()
    sec = section(tmp_path, [events[0], events[2]], [("p1", "completed", "10.00", "USD")])
    sec["events"]["order_by"] = "sequence"
    assert any("sequence numbers" in e for e in run_check(tmp_path, sec).errors)


def test_redelivery_is_counted_and_conflict_blocks(tmp_path: Path) -> None:
    """Same id and payload is a counted redelivery; same id with another amount is a blocking conflict."""
    events = success()
    events.append({**events[1], "offset": 3})
    out = run_check(tmp_path, section(tmp_path, events, [("p1", "completed", "10.00", "USD")]))
    assert out.counts["redeliveries"] == 1 and out.findings == ()
    events.append({**events[2], "offset": 4, "amount": "11.00"})
    out = run_check(tmp_path, section(tmp_path, events, [("p1", "completed", "10.00", "USD")]))
    assert found(out) == {"duplicate_conflict": {"p1"}}
    assert "events.jsonl:3" in out.findings[0].message and "events.jsonl:5" in out.findings[0].message


def test_offset_gap_makes_the_input_incomplete(tmp_path: Path) -> None:
    """A missing offset in a partition is an error naming the partition and the hole."""
    events = success()
    events[2]["offset"] = 5
    out = run_check(tmp_path, section(tmp_path, events, [("p1", "completed", "10.00", "USD")]))
    assert out.errors and "partition 0 is missing 3 offsets" in out.errors[0] and "2-4" in out.errors[0]


BAD_LINES = [
    ("{not json", "not a valid JSON object"),
    (
        json.dumps(
            {
                "event_id": "x",
                "type": "payment.created",
                "occurred_at": "2026-01-01T00:00:00Z",
                "offset": 3,
                "partition": 0,
            }
        ),
        "missing field payment_id",
    ),
    (json.dumps(ev("x", "p2", "payment.created", 3, amount="ten")), "is not a plain decimal number"),
    (json.dumps(ev("x", "p2", "payment.created", 3, amount="1.001")), "has more than 2 decimals"),
    (json.dumps(ev("x", "p2", "payment.created", 3, cur="XXY")), "unknown currency XXY"),
    (json.dumps({**ev("x", "p2", "payment.created", 3), "occurred_at": "2026-01-01T00:00:00"}), "no time zone"),
]


@pytest.mark.parametrize(("line", "message"), BAD_LINES)
def test_malformed_event_rows_are_errors_with_line(tmp_path: Path, line: str, message: str) -> None:
    """Each kind of bad row is an error naming the file and line; never a clean pass."""
    rows: list[Any] = [*success(), line]
    out = run_check(tmp_path, section(tmp_path, rows, [("p1", "completed", "10.00", "USD")]))
    assert any(e.startswith("events.jsonl:4: ") and message in e for e in out.errors), out.errors


def test_bad_input_as_finding(tmp_path: Path) -> None:
    """With bad_input: finding, an unreadable row is a CG-REPLAY-BAD-INPUT finding instead of an error."""
    out = run_check(
        tmp_path, section(tmp_path, [*success(), "{oops"], [("p1", "completed", "10.00", "USD")], bad_input="finding")
    )
    assert out.errors == ()
    assert [(f.rule, f.path, f.line) for f in out.findings] == [("CG-REPLAY-BAD-INPUT", "events.jsonl", 4)]


def test_exact_amounts_beyond_double_precision(tmp_path: Path) -> None:
    """A JSON number that a double cannot hold is compared exactly, not through a float."""
    events = success()
    for e in events:
        e["amount"] = 1234567890123456.78  # json.dumps writes the float; the raw text is what counts
    write_jsonl(tmp_path / "events.jsonl", events)
    text = (tmp_path / "events.jsonl").read_text().replace("1234567890123456.8", "1234567890123456.78")
    (tmp_path / "events.jsonl").write_text(text)
    report(tmp_path, [("p1", "completed", "1234567890123456.79", "USD")])
    out = run_check(tmp_path, {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}, "grace_s": 0})
    assert found(out) == {"amount_over": {"p1"}}
    assert out.findings[0].properties["amount_minor"] == 1


def test_kcat_export_with_string_payload(tmp_path: Path) -> None:
    """kcat -J records (payload as a JSON string) replay by the record's partition and offset."""
    rows = [
        {
            "topic": "payment_events",
            "partition": 0,
            "offset": i,
            "tstype": "create",
            "ts": 1,
            "key": "p1",
            "payload": json.dumps({k: v for k, v in e.items() if k not in ("partition", "offset")}),
        }
        for i, e in enumerate(success())
    ]
    write_jsonl(tmp_path / "events.jsonl", rows[::-1])
    report(tmp_path, [("p1", "pending", "10.00", "USD")])
    out = run_check(tmp_path, {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}, "grace_s": 0})
    assert out.inputs[0].details["format"] == "kcat"
    assert found(out) == {"report_behind": {"p1"}}


def test_csv_events_with_field_mapping(tmp_path: Path) -> None:
    """CSV events with other column names work through the policy's field mapping."""
    with open(tmp_path / "events.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("id", "pay", "kind", "at", "amt", "ccy", "off"))
        for e in success():
            w.writerow((e["event_id"], e["payment_id"], e["type"], e["occurred_at"], e["amount"], "USD", e["offset"]))
    report(tmp_path, [("p1", "completed", "10.00", "USD")])
    fields = {
        "event_id": "id",
        "payment_id": "pay",
        "type": "kind",
        "occurred_at": "at",
        "amount": "amt",
        "currency": "ccy",
        "offset": "off",
    }
    sec = {"events": {"path": "events.csv", "fields": fields}, "reported": {"path": "report.csv"}, "grace_s": 0}
    out = run_check(tmp_path, sec)
    assert (out.findings, out.errors) == ((), ())


def test_sqlite_snapshot_with_duplicate_keys(tmp_path: Path) -> None:
    """A SQLite snapshot is queried through SQLAlchemy; a duplicated payment id is a finding."""
    write_jsonl(tmp_path / "events.jsonl", success())
    db = sqlite3.connect(tmp_path / "snap.sqlite")
    db.execute("CREATE TABLE pay (id TEXT, st TEXT, amount_cents INTEGER, ccy TEXT)")
    db.executemany("INSERT INTO pay VALUES (?, ?, ?, ?)", [("p1", "completed", 1000, "USD")] * 2)
    db.commit()
    db.close()
    out = run_check(
        tmp_path,
        {
            "events": {"path": "events.jsonl"},
            "reported": {
                "url": "sqlite:///snap.sqlite",
                "query": "SELECT id, st, amount_cents, ccy FROM pay",
                "amounts_in_minor_units": True,
                "fields": {"payment_id": "id", "status": "st", "amount": "amount_cents", "currency": "ccy"},
            },
            "grace_s": 0,
        },
    )
    assert found(out) == {"duplicate_key": {"p1"}}
    assert out.inputs[1].kind == "query" and out.inputs[1].rows == 2
    assert all(b["residual"] == 0 for b in out.metrics["currencies"]["USD"]["bridge"].values())


@pytest.mark.parametrize("url", ["sqlite:///missing.sqlite", "postgresql://u:secret@127.0.0.1:1/db"])
def test_unreachable_database_is_an_input_error(tmp_path: Path, url: str) -> None:
    """A database that cannot be reached raises InputError without the password."""
    write_jsonl(tmp_path / "events.jsonl", success())
    with pytest.raises(InputError) as err:
        run_check(tmp_path, {"events": {"path": "events.jsonl"}, "reported": {"url": url}})
    assert "secret" not in str(err.value)


def test_within_tolerance_is_counted_not_a_break(tmp_path: Path) -> None:
    """A difference within the currency's tolerance is summed; above the cap it becomes a finding."""
    sec = section(tmp_path, success(), [("p1", "completed", "9.99", "USD")], tolerances={"USD": 2})
    out = run_check(tmp_path, sec)
    assert out.findings == () and out.metrics["within_tolerance"] == {"USD": {"count": 1, "amount": 1}}
    out = run_check(tmp_path, {**sec, "tolerance_caps": {"USD": 0}})
    assert [f.rule for f in out.findings] == ["CG-REC-TOLERANCE-CAP"]


def test_threshold_reports_category_at_info(tmp_path: Path) -> None:
    """A category within its threshold is reported at info severity."""
    out = run_check(
        tmp_path, section(tmp_path, success(), [("p1", "pending", "10.00", "USD")], thresholds={"report_behind": 1})
    )
    assert [(f.rule, str(f.severity)) for f in out.findings] == [("CG-REC-REPORT-BEHIND", "info")]
