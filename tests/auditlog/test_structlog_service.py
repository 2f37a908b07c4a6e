"""An ordinary structlog service, run as real processes and restarted mid-stream, passes the
audit-log check on its log as written; truncation, an empty log and an edit each fail it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compliance_gate.engine import parse_policy, run_check
from compliance_gate.model import Status

SERVICE = Path(__file__).with_name("structlog_service.py")
POLICY = {"version": 1, "checks": {"audit-log": {"logs": ["audit/*.jsonl"]}}}


def serve(log: Path, first: int, count: int, how: str) -> None:
    done = subprocess.run(
        [sys.executable, str(SERVICE), str(log), str(first), str(count), how],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def check(root: Path, section: dict[str, object] | None = None) -> object:
    policy = {"version": 1, "checks": {"audit-log": {"logs": ["audit/*.jsonl"], **(section or {})}}}
    return run_check("audit-log", parse_policy(json.dumps(policy), "policy.yaml"), root, use_cache=False)


@pytest.fixture(scope="module")
def service_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three runs of the service: one crashes mid-stream, one is restarted and stops, one more cleanly."""
    root = tmp_path_factory.mktemp("svc")
    (root / "audit").mkdir()
    log = root / "audit" / "payments-api.jsonl"
    serve(log, 0, 7, "--crash")
    serve(log, 7, 6, "--stop")
    serve(log, 13, 5, "--stop")
    return log


def copy(log: Path, tmp_path: Path, lines: list[str] | None = None) -> Path:
    (tmp_path / "audit").mkdir()
    text = log.read_text() if lines is None else "".join(lines)
    (tmp_path / "audit" / log.name).write_text(text)
    return tmp_path


def test_the_log_as_written_passes(service_log: Path, tmp_path: Path) -> None:
    """Restarted mid-stream, with debug lines, integer and decimal amounts and lower-case currencies,
    the service's log passes unchanged: one stream, every record verified, the schema met."""
    records = [json.loads(line) for line in service_log.read_text().splitlines()]
    assert [r["seq"] for r in records] == list(range(len(records))) and {r["stream"] for r in records} == {
        "payments-api"
    }
    assert sum(r.get("category") == "log.start" for r in records) == 3 and records[-1]["category"] == "log.stop"
    assert any(r["level"] == "debug" for r in records) and all(r["timestamp"].endswith("Z") for r in records)
    result = check(copy(service_log, tmp_path))
    assert result.status is Status.PASSED, [(f.rule, f.line, f.message) for f in result.findings]
    assert [f.rule for f in result.findings] == ["CG-AUDIT-UNANCHORED"]  # reported, not blocking here
    stream = result.metrics["streams"]["payments-api"]
    assert stream["verified"] == len(records) and stream["started"] and stream["stopped"]


def test_the_same_log_blocks_under_pci_dss_unless_anchored(service_log: Path, tmp_path: Path) -> None:
    """Unanchored (no key, no checkpoint), the clean log blocks under pci-dss's audit-log severities."""
    result = check(copy(service_log, tmp_path), {"fail_on": "medium", "severity": {"CG-AUDIT-UNANCHORED": "high"}})
    assert result.status is Status.FAILED and [f.rule for f in result.blocking] == ["CG-AUDIT-UNANCHORED"]


@pytest.mark.parametrize(
    ("name", "cut", "rule"),
    [
        ("tail cut off", lambda lines: lines[:-3], "CG-AUDIT-NO-STOP"),
        ("cut right after log.start", lambda lines: lines[:1], "CG-AUDIT-NO-STOP"),
        ("emptied", lambda lines: [], "CG-AUDIT-EMPTY"),
        ("a record deleted", lambda lines: lines[:5] + lines[6:], "CG-AUDIT-GAP"),
    ],
)
def test_truncation_and_emptying_fail(service_log: Path, tmp_path: Path, name: str, cut: object, rule: str) -> None:
    """A log cut at its tail, right after log.start, emptied or missing a record fails with the rule that says so."""
    lines = service_log.read_text().splitlines(keepends=True)
    result = check(copy(service_log, tmp_path, cut(lines)))  # type: ignore[operator]
    assert result.status is Status.FAILED and rule in {f.rule for f in result.blocking}


@pytest.mark.parametrize("field", ["amount", "status", "user_id"])
def test_an_edit_fails(service_log: Path, tmp_path: Path, field: str) -> None:
    """Changing one value in one record (an amount, an outcome, who did it) breaks its hash."""
    lines = service_log.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '"payment captured"' in line)
    record = json.loads(lines[at])
    record[field] = {"amount": 1, "status": "failed", "user_id": 7}[field]
    lines[at] = json.dumps(record) + "\n"
    result = check(copy(service_log, tmp_path, lines))
    assert result.status is Status.FAILED
    assert ("CG-AUDIT-EDITED", at + 1) in {(f.rule, f.line) for f in result.blocking}


def test_a_record_the_map_cannot_place_fails(service_log: Path, tmp_path: Path) -> None:
    """An info record without any user key is a schema finding naming the element (the map fills nothing)."""
    from compliance_gate.audit import AuditChain

    lines = service_log.read_text().splitlines(keepends=True)
    last = json.loads(lines[-1])
    chain = AuditChain("payments-api", next_seq=last["seq"] + 1, prev_hash=last["hash"], origin="h")
    extra = chain(None, "info", {"event": "payment captured", "payment_id": "p", "status": "ok", "level": "info"})
    stop = chain(None, "info", {**json.loads(lines[-1]), "user_id": "system"})
    result = check(copy(service_log, tmp_path, [*lines, json.dumps(extra) + "\n", json.dumps(stop) + "\n"]))
    schema = [f for f in result.findings if f.rule == "CG-AUDIT-SCHEMA"]
    assert result.status is Status.FAILED and schema and "actor" in schema[0].message


def test_per_process_streams_and_manual_continuation(tmp_path: Path) -> None:
    """`per_process=True` names a fresh stream per process; the hand-written continuation still works."""
    import structlog

    from compliance_gate.audit import AuditChain, log_started, log_stopped

    (tmp_path / "audit").mkdir()
    log = tmp_path / "audit" / "a.jsonl"
    chain = AuditChain("worker", per_process=True)
    assert chain.stream.startswith("worker:") and chain.stream.count(":") == 3
    with log.open("a") as fh:
        bound = structlog.wrap_logger(
            structlog.WriteLogger(fh),
            wrapper_class=structlog.BoundLogger,
            processors=[structlog.processors.add_log_level, chain, structlog.processors.JSONRenderer()],
        )
        log_started(bound)
    last = json.loads(log.read_text().splitlines()[-1])
    with log.open("a") as fh:
        by_hand = AuditChain(last["stream"], next_seq=last["seq"] + 1, prev_hash=last["hash"])
        bound = structlog.wrap_logger(
            structlog.WriteLogger(fh),
            wrapper_class=structlog.BoundLogger,
            processors=[structlog.processors.add_log_level, by_hand, structlog.processors.JSONRenderer()],
        )
        bound.info("job done", user_id="system:batch", target="ledger", outcome="success")
        log_stopped(bound)
    result = check(tmp_path)
    assert result.status is Status.PASSED, [(f.rule, f.message) for f in result.findings]
