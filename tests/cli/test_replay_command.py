"""`compliance-gate replay`: same results as the check, exit codes by outcome."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "replay"))

from replayutil import run_check

from compliance_gate.cli import main
from compliance_gate.replay import generate as gen


@pytest.mark.parametrize(("faults", "code"), [({}, 0), ({"report_behind": 1, "amount_under": 1}, 1)])
def test_replay_command_matches_the_check(tmp_path: Path, faults: dict[str, int], code: int) -> None:
    """The command exits 0 or 1 and its findings and metrics equal the check's."""
    g = gen.generate(tmp_path, payments=40, faults=faults)
    out_file = tmp_path / "out.json"
    rc = main(
        [
            "replay",
            "--events",
            str(g.events),
            "--reported",
            str(g.report),
            "--settlement",
            str(g.settlement),
            "--as-of",
            g.as_of,
            "--root",
            str(tmp_path),
            "--out",
            str(out_file),
        ]
    )
    assert rc == code
    report = json.loads(out_file.read_text())
    check = run_check(
        tmp_path,
        {
            "events": {"path": str(g.events)},
            "settlement": {"path": str(g.settlement)},
            "reported": {"path": str(g.report), "as_of": g.as_of},
        },
    )
    assert [f["fingerprint"] for f in report["findings"]] == [f.fingerprint for f in check.findings]
    assert report["metrics"] == json.loads(json.dumps(check.metrics))


def test_replay_command_sqlite_url_and_unreadable_input(tmp_path: Path) -> None:
    """A SQLite URL works as --reported; a broken events line exits 3 (could not evaluate)."""
    g = gen.generate(tmp_path, payments=20, faults={}, report_format="sqlite")
    args = [
        "replay",
        "--events",
        str(g.events),
        "--reported",
        f"sqlite:///{g.report}",
        "--as-of",
        g.as_of,
        "--out",
        str(tmp_path / "o.json"),
    ]
    assert main(args) == 0
    with open(g.events, "a") as fh:
        fh.write("{broken\n")
    assert main(args) == 3
