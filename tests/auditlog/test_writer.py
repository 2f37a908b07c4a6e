"""The structlog processor writes logs the verifier accepts (the producer round trip)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import structlog
from auditlogs import read, state_change, write_log

from compliance_gate.audit import AuditChain
from compliance_gate.auditlog.canonical import GENESIS
from compliance_gate.auditlog.schema import RecordSchema
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.bundled import policies_dir

KEY = b"k" * 32


def _config(**kw: object) -> VerifyConfig:
    return VerifyConfig(schema=RecordSchema(policies_dir() / "schemas/audit-record.schema.json"), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [None, KEY], ids=["sha256", "hmac-sha256"])
def test_round_trip_verifies(tmp_path: Path, key: bytes | None) -> None:
    """What AuditChain writes passes schema, chain and lifecycle checks with no problem at all."""
    log = write_log(tmp_path / "a.jsonl", 20, key=key)
    report = verify_logs([("a.jsonl", log)], _config(key=key, require_keyed=key is not None))
    assert report.problems == []
    stats = report.streams["payments-api"].stats
    assert (stats.records, stats.verified, stats.started, stats.stopped) == (22, 22, True, True)


def test_records_carry_utc_time_dense_seq_and_links(tmp_path: Path) -> None:
    """Each record has a Z timestamp, seq 0..n-1 and prev_hash equal to the previous hash."""
    records = read(write_log(tmp_path / "a.jsonl", 3))
    assert [r["seq"] for r in records] == [0, 1, 2, 3, 4]
    assert records[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(records))
    assert all(r["timestamp"].endswith("Z") and r["level"] == "info" for r in records)


def test_caller_cannot_forge_chain_fields(tmp_path: Path) -> None:
    """Chain keys passed by the caller are replaced by the processor's own."""
    chain = AuditChain("s", origin="h")
    rec = chain(None, "info", {"event": "x", "seq": 99, "hash": "f" * 64, "stream": "other"})
    assert (rec["seq"], rec["stream"]) == (0, "s") and rec["hash"] != "f" * 64


def test_resumed_stream_continues_the_chain(tmp_path: Path) -> None:
    """A writer restarted with next_seq/prev_hash extends the same verifiable chain."""
    path = write_log(tmp_path / "a.jsonl", 2, stop=False)
    last = read(path)[-1]
    with path.open("a") as fh:
        chain = AuditChain("payments-api", origin="h", next_seq=last["seq"] + 1, prev_hash=last["hash"])
        log = structlog.wrap_logger(
            structlog.WriteLogger(fh),
            wrapper_class=structlog.BoundLogger,
            processors=[chain, structlog.processors.JSONRenderer()],
        )
        log.info("payment status changed", **state_change(7))
        log.info("audit log stopped", category="log.stop", actor="system:x", outcome="success", target="audit-log")
    report = verify_logs([("a.jsonl", path)], _config())
    assert [p.rule for p in report.problems] == []
    assert chain.head[0] == 4


def test_non_json_values_are_hashed_as_written(tmp_path: Path) -> None:
    """Values structlog would render with str() (paths, floats) still verify after the round trip."""
    path = write_log(tmp_path / "a.jsonl", 2, extra={"where": Path("/srv/x"), "ratio": 0.25})
    report = verify_logs([("a.jsonl", path)], VerifyConfig())
    assert report.problems == []
