"""The break path at scale: event references, masking, fingerprints, the memory budget and spill folder."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from replayutil import options, run_check, write_jsonl
from test_inputs import ev, report

from compliance_gate.cli.replay import _finding, write_report
from compliance_gate.errors import InputError
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.replay import generate as gen
from compliance_gate.replay import pipeline
from compliance_gate.replay.sqlutil import DUCKDB_SHARE, connect, duckdb_limit_mb, input_size, spill_dir


def _captures(pid: str, n: int, first_id: str) -> list[dict[str, object]]:
    """A payment created, authorized, then captured in `n - 2` partial captures of 1.00."""
    rows = [ev(first_id, pid, "payment.created", 0, amount=f"{n - 2}.00")]
    rows.append(ev(f"{pid}-auth", pid, "payment.authorized", 1, amount=f"{n - 2}.00"))
    rows += [ev(f"{pid}-cap{k:02d}", pid, "payment.captured", 2 + k, amount="1.00") for k in range(n - 2)]
    return rows


def test_event_references_are_the_first_ten_in_replay_order_masked(tmp_path: Path) -> None:
    """A broken payment lists its first 10 events (replay order, not file order) with their lines
    and counts the rest; an event id carrying a card number is masked there like everywhere."""
    pan = luhn_complete("411111" + "000000123")
    events = _captures("p1", 13, f"evt_{pan}")
    write_jsonl(tmp_path / "events.jsonl", list(reversed(events)))  # file order is not replay order
    report(tmp_path, [("p1", "pending", "11.00", "USD")])
    out = run_check(tmp_path, {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}, "grace_s": 0})
    (finding,) = out.findings
    refs = finding.properties["events"]
    assert isinstance(refs, list) and len(refs) == 10 and finding.properties["events_more"] == 3
    assert refs[0] == f"evt_{pan[:6]}******{pan[-4:]} (events.jsonl:13)"
    assert refs[1:] == [
        "p1-auth (events.jsonl:12)",
        *(f"p1-cap{k:02d} (events.jsonl:{11 - k})" for k in range(8)),
    ]
    assert pan not in repr(out)


def test_many_fingerprints_match_one_by_one() -> None:
    for fp in (Fingerprinter(), Fingerprinter.from_secret(b"k" * 32)):
        many = fp.many()
        for args in (("R", "a.csv", "x|y", 0), ("R", "", "\u00e9\udc80", 3)):
            assert many(*args) == fp.fingerprint(*args)


def test_memory_budget_and_spill_folder(tmp_path: Path) -> None:
    """DuckDB keeps its share of the budget and spills into a fresh folder inside `temp_dir`."""
    spill = tmp_path / "spill"
    spill.mkdir()
    with spill_dir(str(spill), "cg-replay-") as tmp:
        assert tmp.parent == spill
        con = connect(tmp, 2048)
        limit = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchall()
        con.close()
    assert limit[0][1] == str(tmp)
    assert DUCKDB_SHARE == 0.75 and limit[0][0] == "1.5 GiB"
    assert not list(spill.iterdir()), "the spill folder is removed afterwards"


def test_duckdb_limit_follows_the_input_within_the_budget(tmp_path: Path) -> None:
    """A small replay leaves the machine's memory alone; a large one gets DuckDB's whole share."""
    assert duckdb_limit_mb(2048) == 1536
    assert duckdb_limit_mb(2048, 10_000) == 256
    assert duckdb_limit_mb(2048, 250 * 2**20) == 375
    assert duckdb_limit_mb(2048, 2500 * 2**20) == 1536
    assert duckdb_limit_mb(512, 2500 * 2**20) == 384
    gz = tmp_path / "events.jsonl.gz"
    gz.write_bytes(b"x" * 1000)
    assert input_size(gz) == 6000


def test_temp_dir_that_is_not_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "events.jsonl", _captures("p1", 3, "e1"))
    report(tmp_path, [("p1", "captured", "1.00", "USD")])
    opts = options({"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}, "temp_dir": "nope"})
    with pytest.raises(InputError, match=r"checks.replay.temp_dir: nope is not a folder"):
        pipeline.replay_and_reconcile(opts, tmp_path)


@pytest.mark.parametrize("faults", [{}, {"amount_under": 3, "missing_in_events": 2, "illegal_transition": 2}])
def test_streamed_report_is_the_whole_document(tmp_path: Path, faults: dict[str, int]) -> None:
    """The CLI writes the report a finding at a time; the bytes are those of one orjson dump."""
    g = gen.generate(tmp_path, payments=60, faults=faults)
    out = run_check(
        tmp_path, {"events": {"path": g.events.name}, "reported": {"path": g.report.name, "as_of": g.as_of}}
    )
    assert bool(out.findings) == bool(faults)
    buf = io.BytesIO()
    write_report(out, buf)
    whole = {
        "counts": dict(out.counts),
        "errors": list(out.errors),
        "findings": [_finding(f) for f in out.findings],
        "inputs": [
            {"path": i.path, "sha256": i.sha256, "kind": i.kind, "rows": i.rows, "details": dict(i.details)}
            for i in out.inputs
        ],
        "metrics": dict(out.metrics),
    }
    assert buf.getvalue() == orjson.dumps(whole, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    assert json.loads(buf.getvalue()) == json.loads(json.dumps(whole))


def test_regular_payments_with_a_difference_skip_the_python_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report that is behind or short on a payment whose events are regular is reconciled from
    the set-based fold: the Python fold sees only the irregular payment (an illegal transition)."""
    g = gen.generate(tmp_path, payments=200, faults={"report_behind": 4, "amount_under": 4, "illegal_transition": 1})
    folded: list[int] = []
    real = pipeline.fold_payment

    def spy(events: Any, machine: Any, record: bool = False) -> Any:
        folded.append(len(events))
        return real(events, machine, record)

    monkeypatch.setattr(pipeline, "fold_payment", spy)
    section = {"events": {"path": g.events.name}, "reported": {"path": g.report.name, "as_of": g.as_of}}
    out = run_check(tmp_path, section)
    assert len(folded) == 1
    by_category = {
        c: {f.properties["payment_id"] for f in out.findings if f.properties["category"] == c} for c in g.expected
    }
    assert {c: ids for c, ids in by_category.items() if ids} == {c: set(ids) for c, ids in g.expected.items() if ids}
