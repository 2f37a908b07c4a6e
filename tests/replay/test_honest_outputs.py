"""Replay outputs tell the truth and leak nothing: the cut-off says where it came from, nothing
proves nothing, input values never appear raw as keys, no path of this machine, children die."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from replayutil import run_check, write_jsonl
from test_inputs import ev, section, success

from compliance_gate.cli import main
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.testing.recordings import stripe

PAN = luhn_complete("455673758132911")


def replay(tmp: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = tmp / "out.json"
    rc = main(["replay", *args, "--root", str(tmp), "--out", str(out)])
    return rc, json.loads(out.read_text()) if out.is_file() else {}, out.read_text() if out.is_file() else ""


def test_every_conflicting_copy_of_an_event_id_is_reported(tmp_path: Path) -> None:
    events = success()
    events += [{**events[2], "offset": 3, "amount": "11.00"}, {**events[2], "offset": 4, "amount": "12.00"}]
    out = run_check(tmp_path, section(tmp_path, events, [("p1", "completed", "10.00", "USD")]))
    conflicts = [f for f in out.findings if f.properties["category"] == "duplicate_conflict"]
    assert len(conflicts) == 2
    assert {"events.jsonl:4", "events.jsonl:5"} == {
        m for f in conflicts for m in ("events.jsonl:4", "events.jsonl:5") if m in f.message
    }


def test_findings_are_never_cut_by_max_findings(tmp_path: Path) -> None:
    events = [e for i in range(8) for e in success(f"p{i}", start=i * 3)]
    rows = [(f"p{i}", "pending", "10.00", "USD") for i in range(8)]
    out = run_check(tmp_path, section(tmp_path, events, rows, max_findings=1, max_breaks=2))
    assert len(out.findings) == 8


def test_a_reconciliation_of_nothing_never_passes(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("")
    (tmp_path / "report.csv").write_text("payment_id,status,amount,currency\n")
    rc, report, _ = replay(tmp_path, "--events", "events.jsonl", "--reported", "report.csv")
    assert rc == 3 and any("proves nothing" in e for e in report["errors"])


@pytest.mark.parametrize("how", ["column", "file", "last event", "given"])
def test_the_cut_off_says_where_it_came_from(tmp_path: Path, how: str) -> None:
    """Default as_of: the snapshot's own time (a column, or the file's time) else the last event."""
    d = tmp_path
    exp = stripe.generate(d, payments=120, seed=5, faults={"report_behind": 2})
    with open(d / exp.report, newline="") as fh:
        rows = list(csv.reader(fh))
    with open(d / "report.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*rows[0], "snapshot_at"])
        w.writerows([*r, exp.as_of] for r in rows[1:])
    snapshot = time.mktime(time.strptime(exp.as_of, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    os.utime(d / "report.csv", (snapshot, snapshot))
    flag = {"column": ["--as-of", "column:snapshot_at"], "file": ["--as-of", "file"], "given": ["--as-of", exp.as_of]}
    args = ["--preset", "stripe", "--events", "events.jsonl", "--reported", "report.csv", *flag.get(how, [])]
    rc, report, _ = replay(d, *args)
    metrics = report["metrics"]
    source = {"column": "report column snapshot_at", "file": "report file time", "given": "given"}
    assert metrics["as_of_source"] == source.get(how, "last event")
    if how != "last event":
        assert metrics["as_of"] == exp.as_of
    assert "in_flight" in metrics and rc == 1
    assert {f.payment_id for f in exp.faults} <= {f["properties"]["payment_id"] for f in report["findings"]}


def test_a_card_number_in_a_report_cell_is_never_raw_in_any_output(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "events.jsonl", success())
    (tmp_path / "report.csv").write_text(f"payment_id,status,amount,currency\np1,{PAN},10.00,USD\n")
    rc, report, text = replay(
        tmp_path, "--events", "events.jsonl", "--reported", "report.csv", "--as-of", "2026-01-02T00:00:00Z"
    )
    assert rc == 1 and PAN not in text
    by_status = report["metrics"]["currencies"]["USD"]["report"]["by_status"]
    assert all(PAN not in k for k in by_status) and any("******" in k for k in by_status)


def test_outputs_carry_no_path_of_this_machine(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "events.jsonl", success())
    db = tmp_path / "report.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE payments (payment_id, status, amount, currency)")
    con.execute("INSERT INTO payments VALUES ('p1', 'pending', '10.00', 'USD')")
    con.commit()
    con.close()
    rc, report, text = replay(
        tmp_path,
        "--events",
        str(tmp_path / "events.jsonl"),
        "--reported",
        f"sqlite:///{db}",
        "--as-of",
        "2026-01-02T00:00:00Z",
    )
    assert rc == 1 and str(tmp_path) not in text
    assert [i["path"] for i in report["inputs"]][:2] == ["events.jsonl", "sqlite:///report.sqlite"]


def test_out_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_jsonl(tmp_path / "events.jsonl", success())
    (tmp_path / "report.csv").write_text("payment_id,status,amount,currency\np1,completed,10.00,USD\n")
    rc = main(
        [
            "replay",
            "--events",
            str(tmp_path / "events.jsonl"),
            "--reported",
            str(tmp_path / "report.csv"),
            "--out",
            str(tmp_path / "nodir" / "x.json"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "--out" in err and "Traceback" not in err


LOOPER = """
import os, subprocess, sys, time

def project(events):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(os.environ.get("PIDS", "pids.txt"), "a") as fh:
        fh.write(f"{os.getpid()} {child.pid}\\n")
    while True:
        time.sleep(0.1)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_a_looping_projector_and_its_children_die_with_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "svc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "proj.py").write_text(LOOPER)
    monkeypatch.setenv("PIDS", str(tmp_path / "pids.txt"))
    sec = section(
        tmp_path, success(), [("p1", "completed", "10.00", "USD")], projector="svc.proj:project", projector_timeout_s=3
    )
    started = time.monotonic()
    out = run_check(tmp_path, sec)
    assert time.monotonic() - started < 60
    assert any("still running after 3 s" in e for e in out.errors), out.errors
    pids = [int(p) for line in (tmp_path / "pids.txt").read_text().split("\n") if line for p in line.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def test_the_idempotency_key_is_the_creating_request_s(tmp_path: Path) -> None:
    """A later event's own request key (a refund's, sorting first) does not hide a double charge."""
    events = []
    for n, pid in enumerate(("p1", "p2")):
        start = n * 10
        events += [
            ev(f"{pid}-1", pid, "payment.created", start, idempotency_key="order-77"),
            ev(f"{pid}-2", pid, "payment.authorized", start + 1, idempotency_key="order-77"),
            ev(f"{pid}-3", pid, "payment.captured", start + 2, idempotency_key="order-77"),
        ]
    events.append(ev("p1-4", "p1", "payment.updated", 5, amount=None, idempotency_key="a-refund-1"))
    rows = [("p1", "completed", "10.00", "USD"), ("p2", "completed", "10.00", "USD")]
    out = run_check(tmp_path, section(tmp_path, events, rows))
    assert {f.properties["category"]: f.properties["payment_id"] for f in out.findings} == {"double_charge": "p2"}


def test_unknown_event_types_are_one_configuration_error_not_breaks(tmp_path: Path) -> None:
    events = [{**e, "type": e["type"].upper().replace(".", "_")} for i in range(5) for e in success(f"p{i}", i * 3)]
    rows = [(f"p{i}", "completed", "10.00", "usd") for i in range(5)]
    out = run_check(tmp_path, section(tmp_path, events, rows))
    assert out.findings == ()
    assert any("15 events of 3 types" in e and "PAYMENT_CAPTURED (5)" in e for e in out.errors), out.errors


def test_lower_case_currencies_and_a_settlement_ledger_without_status(tmp_path: Path) -> None:
    """`usd` is USD everywhere; a settlement file without a status column is a ledger (its rows
    summed per payment), not a contradiction on every payment."""
    events = [{**e, "currency": "usd"} for i in range(3) for e in success(f"p{i}", i * 3)]
    (tmp_path / "settlement.csv").write_text(
        "payment_id,amount,currency,kind\np0,10.00,usd,charge\np1,10.00,USD,charge\np1,-1.00,usd,fee\n"
        "p2,10.00,usd,charge\n,-29.00,usd,payout\n"
    )
    ledger = {"category": "kind", "amount": ["charge"]}
    sec = section(
        tmp_path,
        events,
        [(f"p{i}", "completed", "10.00", "usd") for i in range(3)],
        settlement={"path": "settlement.csv", "fields": {"status": ""}, "ledger": ledger},
    )
    out = run_check(tmp_path, sec)
    assert (out.findings, out.errors) == ((), ())
