"""The replay against generated traffic: every injected fault is found, and nothing else."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from replayutil import dump, found, run_check

from compliance_gate.pii.cards import luhn_complete
from compliance_gate.replay import generate as gen

ALL_FAULTS = {k: 2 for k in gen.FLAGGED} | {k: 2 for k in gen.COUNTED}


def _section(g: gen.Generated, report: dict[str, str] | None = None) -> dict[str, object]:
    return {
        "events": {"path": str(g.events)},
        "reported": report or {"path": str(g.report), "as_of": g.as_of},
        "settlement": {"path": str(g.settlement)},
        "geo": gen.GEO_RULES,
    }


def _assert_exact(out: object, g: gen.Generated) -> None:
    got = found(out)  # type: ignore[arg-type]
    want = {k: set(v) for k, v in g.expected.items() if v}
    assert got == want


@pytest.mark.parametrize(("report_format", "compress"), [("csv", False), ("jsonl", True), ("sqlite", False)])
def test_all_injected_faults_found_and_nothing_else(tmp_path: Path, report_format: str, compress: bool) -> None:
    """Each injected fault is reported under its category for exactly its payments; no other finding."""
    g = gen.generate(tmp_path, payments=400, faults=ALL_FAULTS, report_format=report_format, compress=compress)
    report = (
        {"url": f"sqlite:///{g.report.name}", "query": "SELECT * FROM payments", "as_of": g.as_of}
        if report_format == "sqlite"
        else None
    )
    out = run_check(tmp_path, _section(g, report))
    assert out.errors == ()
    _assert_exact(out, g)
    assert out.counts["redeliveries"] == g.counted["redelivery"]
    assert out.counts["stale_ignored"] == g.counted["stale"]
    assert out.counts["in_flight"] == g.counted["in_flight"]
    for cur in out.metrics["currencies"].values():
        assert all(b["residual"] == 0 for b in cur["bridge"].values())


@pytest.mark.parametrize("category", [*gen.FLAGGED])
def test_each_category_alone(tmp_path: Path, category: str) -> None:
    """A single kind of fault produces findings of that category only, for the faulted payments only."""
    g = gen.generate(tmp_path, payments=40, faults={category: 2}, seed=11)
    out = run_check(tmp_path, _section(g))
    assert out.errors == ()
    _assert_exact(out, g)
    assert all(f.properties["category"] == category for f in out.findings)


def test_clean_traffic_passes_with_balanced_totals(tmp_path: Path) -> None:
    """Consistent events, report and settlement give no finding, no error and zero residuals."""
    g = gen.generate(tmp_path, payments=120, faults={"redelivery": 3, "stale": 2, "in_flight": 2})
    out = run_check(tmp_path, _section(g))
    assert (out.findings, out.errors) == ((), ())
    usd = out.metrics["currencies"]["USD"]
    assert usd["bridge"]["report"]["difference"] == usd["bridge"]["report"].get("explained", {}).get("in_flight", 0)
    assert usd["replay"]["net"] == usd["replay"]["captured"] - usd["replay"]["refunded"]


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    """The same inputs give byte-identical findings, counts, metrics and input manifest."""
    g = gen.generate(tmp_path, payments=200, faults=ALL_FAULTS)
    assert dump(run_check(tmp_path, _section(g))) == dump(run_check(tmp_path, _section(g)))


def test_pan_in_event_payload_never_reaches_output(tmp_path: Path) -> None:
    """A card number in every event's payload appears nowhere in findings, metrics or errors."""
    pan = luhn_complete("4539" + "1488" + "0343" + "640")
    g = gen.generate(tmp_path, payments=60, faults={k: 1 for k in gen.FLAGGED}, pan=pan)
    with gzip.open(g.events, "rt") if g.events.name.endswith(".gz") else open(g.events) as fh:
        assert pan in fh.read()
    blob = dump(run_check(tmp_path, _section(g))).decode()
    assert pan not in blob and pan[-10:] not in blob


def test_shuffled_file_order_does_not_matter(tmp_path: Path) -> None:
    """Events in shuffled file order replay by offset: no illegal transitions appear."""
    g = gen.generate(tmp_path, payments=300, faults={}, block=50)
    lines = g.events.read_text().splitlines()
    assert lines != sorted(lines, key=lambda s: (s.split('"partition":')[1], s))  # really shuffled
    out = run_check(tmp_path, _section(g))
    assert out.findings == () and out.errors == ()
