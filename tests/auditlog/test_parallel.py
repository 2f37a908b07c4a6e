"""Leak scanning in worker processes finds exactly what the inline scan finds, on the same lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from auditlogs import read, write
from test_leaks import PAN, SECRET

from compliance_gate.auditlog import parallel
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.pii.hit import ScanOptions


def test_workers_match_inline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Planted PANs, a CVV field and a secret across many ranges give identical problems."""
    from auditlogs import write_log

    path = write_log(tmp_path / "a.jsonl", 600)
    records = read(path)
    for i in (5, 250, 251, 599):
        records[i]["note"] = f"card {PAN}"
    records[300]["cvv"] = "123"
    records[420]["password"] = SECRET
    write(path, records)
    with path.open("a") as fh:
        fh.write("\n{broken " + PAN + "\n")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 16 << 10)
    assert len(parallel.line_ranges(path) or []) > 5
    config = dict(pii_options=ScanOptions())
    inline = verify_logs([("a.jsonl", path)], VerifyConfig(**config))  # type: ignore[arg-type]
    workers = verify_logs([("a.jsonl", path)], VerifyConfig(workers=1, **config))  # type: ignore[arg-type]
    key = [(p.rule, p.line, p.message) for p in inline.problems]
    assert key == [(p.rule, p.line, p.message) for p in workers.problems]
    assert sorted(line or 0 for rule, line, _ in key if rule == "CG-PII-PAN") == [6, 251, 252, 600, 604]
    assert json.dumps([p.excerpt for p in workers.problems]).count(PAN) == 0
