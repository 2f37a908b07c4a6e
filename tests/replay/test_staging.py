"""Event staging: DuckDB's read_json and the line reader give the same rows, with file line numbers."""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from replayutil import run_check, write_jsonl

from compliance_gate import bundled
from compliance_gate.replay import generate as gen
from compliance_gate.replay import money
from compliance_gate.replay.fold.machine import load_machine
from compliance_gate.replay.options import EventsInput
from compliance_gate.replay.read.stage_events import detect_format, stage_events
from compliance_gate.replay.sqlutil import connect

MACHINE = load_machine(bundled.resolve("builtin:state-machines/payments.yaml", Path()))


def _event(i: int, **kw: Any) -> dict[str, Any]:
    return {
        "event_id": f"e{i}",
        "payment_id": f"p{i % 3}",
        "type": "payment.created",
        "partition": 0,
        "offset": i,
        "occurred_at": f"2026-01-01T00:00:{i % 60:02d}Z",
        "amount": "1.00",
        "currency": "USD",
        **kw,
    }


# valid rows with values that the two readers could plausibly render differently
ODD_BUT_VALID = [
    _event(0),
    _event(1, event_id=12345, payment_id=678),
    _event(2, payment_id="p\u00e9\u00a0x", region="\u2603"),
    _event(3, amount=12.5),
    _event(4, amount=100),
    _event(5, amount="12.3"),
    _event(6, amount="012.30"),
    _event(7, amount="12.300"),
    _event(8, amount="1234", currency="JPY"),
    _event(9, amount="1.234", currency="BHD"),
    _event(10, success=False),
    _event(11, success="no"),
    _event(12, idempotency_key={"a": [1, 2]}),
    _event(13, occurred_at="2026-01-01T01:00:00.123+01:00"),
    _event(14, occurred_at="1767225601"),
    _event(15, occurred_at=1767225601000),
    _event(16, partition=None),
    _event(17, country="de", ip="10.0.0.1"),
    _event(18, type="payment.mystery", amount=None),
    _event(19, event_id='tab\tin"quotes\\'),
    _event(20, amount="-5.00"),
    _event(21, amount=0),
    _event(22, topic="t", amount="99999999999.99"),
    _event(23, payment_id=" p1"),
]


def _stage(path: Path, **opts: Any) -> tuple[str, list[dict[str, Any]]]:
    events = EventsInput(path=str(path), **opts)
    con = connect(path.parent, 256)
    try:
        staged = stage_events(con, path, events, MACHINE, detect_format(path, "auto"))
        cur = con.execute("SELECT * FROM ev ORDER BY line")
        names = [d[0] for d in cur.description]
        return staged.reader, [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def _both(tmp: Path, body: str, gz: bool = False, **opts: Any) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Stage `body` as is, then with a blank line appended (which only the line reader accepts)."""
    for name, text in (("a.jsonl", body), ("b.jsonl", body + "\n")):
        path = tmp / (name + (".gz" if gz else ""))
        path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
        yield _stage(path, **opts)


@pytest.mark.parametrize("gz", [False, True])
def test_read_json_and_line_reader_agree_on_odd_values(tmp_path: Path, gz: bool) -> None:
    """Numbers as ids, unicode, nested values, non-canonical amounts: the same staged rows either way."""
    body = "".join(json.dumps(e, ensure_ascii=i % 2 == 0) + "\n" for i, e in enumerate(ODD_BUT_VALID))
    (fast, rows), (slow, rows_slow) = _both(tmp_path, body, gz)
    assert (fast, slow) == ("read_json", "lines")
    assert rows == rows_slow and [r["line"] for r in rows] == list(range(1, len(ODD_BUT_VALID) + 1))
    assert all(r["problem"] is None for r in rows)  # every row usable


@pytest.mark.parametrize(
    "opts", [{}, {"amounts_in_minor_units": True}, {"order_by": "sequence", "fields": {"sequence": "offset"}}]
)
def test_read_json_and_line_reader_agree_on_generated_traffic(tmp_path: Path, opts: dict[str, Any]) -> None:
    """Generated traffic with faults, under each ordering and amount convention: the same rows."""
    g = gen.generate(tmp_path / "g", payments=200, faults={k: 1 for k in gen.FLAGGED})
    kw: dict[str, Any] = dict(opts)
    if "fields" in kw:
        from compliance_gate.replay.options import EventFields

        kw["fields"] = EventFields(**kw["fields"])
    (_, rows), (_, rows_slow) = _both(tmp_path, g.events.read_text(), **kw)
    assert rows == rows_slow


BROKEN = [  # (lines, reader, the line the first error names)
    (["{ev0}", "", "{ev2}", "{oops"], "lines", 4),
    (["{ev0}", "   ", "{ev2}", "[1, 2]"], "lines", 4),
    (["{ev0}", "{ev1}", '"just a string"'], "lines", 3),
    (["{ev0}", '{"event_id": "x", "event_id": "y"}', "{ev2}"], "lines", 2),
    (["{ev0}", "{ev1}", "{ev2}", '{"payment_id": "p9"}'], "lines", 4),
]


@pytest.mark.parametrize(("lines", "reader", "bad_line"), BROKEN)
def test_broken_lines_keep_their_file_line_numbers(
    tmp_path: Path, lines: list[str], reader: str, bad_line: int
) -> None:
    """Blank, broken, non-object and incomplete lines: the line reader takes over and names the file line."""
    events = {f"{{ev{i}}}": json.dumps(_event(i)) for i in range(3)}
    text = "\n".join(events.get(ln, ln) for ln in lines) + "\n"
    (tmp_path / "events.jsonl").write_text(text)
    assert _stage(tmp_path / "events.jsonl")[0] == reader
    (tmp_path / "report.csv").write_text("payment_id,status,amount,currency\n")
    out = run_check(tmp_path, {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}})
    assert out.errors and out.errors[0].startswith(f"events.jsonl:{bad_line}: "), out.errors


@pytest.mark.parametrize(
    ("body", "reader"),
    [
        ("{ev0}\r\n{ev1}\r\n", "read_json"),
        ("{ev0}\n{ev1}\r\n".replace("{ev0}", json.dumps(_event(0)).replace('"type"', '\r"type"')), "lines"),
        ("{ev0}\n" + json.dumps(_event(1, event_id=1e-7)) + "\n", "lines"),  # read_json would write 1e-07
        ("{ev0}\n" + json.dumps(_event(1, amount=1e-7)) + "\n", "lines"),
        ("{ev0}\n" + json.dumps(_event(1, amount=777.25)).replace("777.25", "7.7725e2") + "\n", "read_json"),
        ("{ev0}\n" + json.dumps(_event(1, amount="12345678901234.56")) + "\n", "lines"),
    ],
)
def test_reader_choice(tmp_path: Path, body: str, reader: str) -> None:
    """CRLF stays on read_json; a lone CR, a number read_json renders in exponent form and an amount
    rendered long or with an exponent go to the line reader (an exponent in the file alone does not:
    both readers render 7.7725e2 as 777.25)."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(body.replace("{ev0}", json.dumps(_event(0))).replace("{ev1}", json.dumps(_event(1))).encode())
    assert _stage(path)[0] == reader


def test_dotted_field_mapping_uses_the_line_reader(tmp_path: Path) -> None:
    """A nested field mapping (data.amount) is read by the line reader, with the same meaning."""
    from compliance_gate.replay.options import EventFields

    path = write_jsonl(tmp_path / "events.jsonl", [{**_event(0), "data": {"amount": "2.50"}}])
    reader, rows = _stage(path, fields=EventFields(amount="data.amount"))
    assert reader == "lines" and rows[0]["amount"] == 250


def _sql(expr: str, amount: str, exponent: int) -> Any:
    con = connect(Path(tempfile.gettempdir()), 64)
    try:  # the expressions are the module's own SQL; the values are bound
        return con.execute(
            f"SELECT {expr} FROM (SELECT ?::VARCHAR AS amount, ?::INTEGER AS e)",  # noqa: S608
            [amount, exponent],
        ).fetchall()[0]
    finally:
        con.close()


AMOUNTS = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{0,7})?", fullmatch=True),
    st.from_regex(r"[-+ ]?[0-9._eE]{1,12} ?", fullmatch=True),
)


@settings(max_examples=150, deadline=None)
@given(amount=AMOUNTS, exponent=st.sampled_from([0, 2, 3, 4]), minor_units=st.booleans())
def test_canonical_amount_shortcut_implies_the_general_rule(amount: str, exponent: int, minor_units: bool) -> None:
    """Where the cheap canonical test holds, the general rules see no problem and the same minor units."""
    canonical = money.sql_canonical("amount", "e", minor_units, [0, 2, 3, 4])
    problem = money.sql_problem("amount", "e", minor_units)
    minor = money.sql_minor("amount", "e", minor_units)
    row = _sql(
        f"{canonical}, {problem}, CASE WHEN {problem} IS NULL THEN {minor} END, "
        "TRY_CAST(replace(amount, '.', '') AS BIGINT)",
        amount,
        exponent,
    )
    if row[0]:
        assert row[1] is None and row[2] == row[3]


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=6))
def test_printable_first_character_implies_not_blank(value: str) -> None:
    """An id starting with a printable ASCII character other than space never trims to empty."""
    if "\x00" in value:
        return
    shortcut, blank = _sql("amount >= '!' AND amount < chr(127), trim(amount) = ''", value, 0)
    assert not (shortcut and blank)
