"""The audit-log check through the engine: clean logs pass, bad input never passes nor crashes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "auditlog"))

from auditlogs import read, write, write_log

from compliance_gate.auditlog.checkpoints import Head, sign_checkpoint
from compliance_gate.checks.audit_log import AuditLogOptions, run
from compliance_gate.checks.interface import CheckContext
from compliance_gate.engine import load_policy, parse_policy, run_check
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import Severity, Status
from compliance_gate.policy import PathRules
from compliance_gate.scanning.workspace import open_workspace
from compliance_gate.signing.keys import generate

KEY = "hex:" + "ab" * 24


def policy(section: dict[str, Any]) -> Any:
    return parse_policy(json.dumps({"version": 1, "checks": {"audit-log": section}}), "policy.yaml")


def result(root: Path, **section: Any) -> Any:
    return run_check("audit-log", policy({"logs": ["audit/*.jsonl"], **section}), root, use_cache=False)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "audit").mkdir()
    write_log(tmp_path / "audit" / "api.jsonl", 6)
    return tmp_path


def test_clean_log_passes_with_metrics_and_inputs(root: Path) -> None:
    """A log written by AuditChain passes; metrics show an intact chain; the input digest is recorded.

    Without a key or a checkpoint the stream is reported as unanchored (medium: it does not block
    the default policy, and the metrics say so)."""
    res = result(root)
    assert res.status is Status.PASSED and [(f.rule, f.severity) for f in res.findings] == [
        ("CG-AUDIT-UNANCHORED", Severity.MEDIUM)
    ]
    assert res.metrics["chain"] == "intact" and res.metrics["streams"]["payments-api"]["verified"] == 8
    assert res.metrics["streams"]["payments-api"]["anchor"] == "none"
    assert [i.path for i in res.inputs if i.kind == "file"] == ["audit/api.jsonl"]


def _broken_json(root: Path) -> None:
    with (root / "audit" / "api.jsonl").open("a") as fh:
        fh.write('{"event": "half\n')


def _not_object(root: Path) -> None:
    with (root / "audit" / "api.jsonl").open("a") as fh:
        fh.write("[1, 2]\n")


def _huge(root: Path) -> None:
    with (root / "audit" / "api.jsonl").open("a") as fh:
        fh.write('{"event": "' + "x" * 3000 + '"}\n')


def _mixed(root: Path) -> None:
    write_log(root / "audit" / "api.jsonl", 2, stream="other")


def _unknown_alg(root: Path) -> None:
    path = root / "audit" / "api.jsonl"
    records = read(path)
    records[3]["hash_alg"] = "md5"
    write(path, records)


def _keyed_without_key(root: Path) -> None:
    write_log(root / "audit" / "keyed.jsonl", 2, stream="keyed", key=b"k" * 20)


BAD = [
    ("broken json", _broken_json, "CG-AUDIT-BAD-JSON", 9, {}),
    ("not an object", _not_object, "CG-AUDIT-NOT-OBJECT", 9, {}),
    ("huge line", _huge, "CG-AUDIT-HUGE-LINE", 9, {"max_line_bytes": 2048}),
    ("mixed streams", _mixed, "CG-AUDIT-MIXED-STREAMS", 9, {}),
    ("unknown algorithm", _unknown_alg, "CG-AUDIT-UNKNOWN-ALG", 4, {}),
    ("keyed chain, no key", _keyed_without_key, "CG-AUDIT-KEY-MISSING", 1, {}),
]


@pytest.mark.parametrize(("name", "spoil", "rule", "line", "extra"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_located_finding(
    root: Path, name: str, spoil: Any, rule: str, line: int, extra: dict[str, Any]
) -> None:
    """Each kind of bad input is a blocking finding with file and line; the check never passes."""
    spoil(root)
    res = result(root, **extra)
    hits = [f for f in res.findings if f.rule == rule]
    assert hits and hits[0].path.startswith("audit/") and hits[0].line == line
    assert res.status is Status.FAILED and any(f.severity.at_least(Severity.HIGH) for f in res.blocking)


def test_key_env_unset_is_an_error(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy naming a key variable that is not set cannot evaluate the chain: error, not pass."""
    monkeypatch.delenv("AUDIT_CHAIN_KEY", raising=False)
    res = result(root, key_env="AUDIT_CHAIN_KEY")
    assert res.status is Status.ERROR and "AUDIT_CHAIN_KEY" in (res.error or "")


def test_keyed_policy_round_trip_and_downgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the key in the environment a keyed log passes; a plain-sha256 log is a downgrade."""
    monkeypatch.setenv("AUDIT_CHAIN_KEY", KEY)
    (tmp_path / "audit").mkdir()
    write_log(tmp_path / "audit" / "k.jsonl", 4, key=bytes.fromhex("ab" * 24))
    assert result(tmp_path, key_env="AUDIT_CHAIN_KEY").status is Status.PASSED
    write_log(tmp_path / "audit" / "plain.jsonl", 4, stream="plain")
    res = result(tmp_path, key_env="AUDIT_CHAIN_KEY")
    assert {f.rule for f in res.findings} >= {"CG-AUDIT-UNKEYED"}


def test_checkpoints_pinned_key_and_wrong_key(root: Path) -> None:
    """A checkpoint from the pinned key verifies; one from another key is a finding on its file."""
    key, other = generate(), generate()
    (root / "cp.pub").write_bytes(key.public.pem())
    last = read(root / "audit" / "api.jsonl")[-1]
    head = [Head(last["stream"], last["seq"], last["hash"])]
    (root / "good.checkpoint.json").write_bytes(sign_checkpoint(head, key, "api"))
    res = result(root, checkpoints=["good.checkpoint.json"], checkpoint_keys=["cp.pub"], require_checkpoint=True)
    assert res.status is Status.PASSED and res.metrics["streams"]["payments-api"]["checkpoints_matched"] == 1
    (root / "bad.checkpoint.json").write_bytes(sign_checkpoint(head, other, "api"))
    res = result(root, checkpoints=["bad.checkpoint.json"], checkpoint_keys=["cp.pub"])
    bad = [f for f in res.findings if f.rule == "CG-AUDIT-CHECKPOINT-INVALID"]
    assert res.status is Status.FAILED and bad[0].path == "bad.checkpoint.json" and bad[0].line == 1


def test_missing_log_and_empty_list_are_errors(root: Path) -> None:
    """A log the policy names but that does not exist is an error (fail closed)."""
    res = run_check("audit-log", policy({"logs": ["audit/nope.jsonl"]}), root, use_cache=False)
    assert res.status is Status.ERROR and "nope.jsonl" in (res.error or "")


def test_run_with_a_hand_built_context(root: Path) -> None:
    """`run(ctx)` works without the engine and fingerprints every finding."""
    records = read(root / "audit" / "api.jsonl")
    del records[3]
    write(root / "audit" / "api.jsonl", records)
    pol = policy({"logs": ["audit/api.jsonl"]})
    ctx = CheckContext(
        "audit-log",
        AuditLogOptions(logs=("audit/api.jsonl",)),
        pol,
        open_workspace(root, PathRules()),
        (),
        Fingerprinter(),
        None,  # type: ignore[arg-type]
        Severity.HIGH,
        parse_policy,
    )
    out = run(ctx)
    assert {f.rule for f in out.findings} == {"CG-AUDIT-GAP", "CG-AUDIT-UNVERIFIABLE", "CG-AUDIT-UNANCHORED"}
    assert all(len(f.fingerprint) == 32 for f in out.findings) and out.errors == ()


def _replayed_repo(tmp_path: Path) -> tuple[Path, list[Any]]:
    """Recorded events for two payments, a report, and the transitions the replay derives."""
    from compliance_gate.replay.transitions import replay_transitions

    events = [
        {
            "event_id": f"{pid}-{i}",
            "payment_id": pid,
            "type": etype,
            "occurred_at": f"2026-01-01T00:00:{off:02d}Z",
            "partition": 0,
            "offset": off,
            "currency": "USD",
            "amount": "10.00",
        }
        for pid, base in (("p1", 0), ("p2", 3))
        for i, (etype, off) in enumerate(
            (("payment.created", base), ("payment.authorized", base + 1), ("payment.captured", base + 2)), 1
        )
    ]
    (tmp_path / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (tmp_path / "report.csv").write_text(
        "payment_id,status,amount,currency\np1,completed,10.00,USD\np2,completed,10.00,USD\n"
    )
    replay = parse_policy(json.dumps({"version": 1, "checks": {"replay": _replay_section()}}), "p.yaml")
    return tmp_path, list(replay_transitions(replay.checks["replay"].options, tmp_path))


def _replay_section() -> dict[str, Any]:
    return {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv"}, "grace_s": 0}


def test_completeness_against_replayed_events(tmp_path: Path) -> None:
    """State changes without a record, with other statuses, or without an event are each reported."""
    import structlog

    from compliance_gate.audit import AuditChain, log_started, log_stopped

    root, transitions = _replayed_repo(tmp_path)
    assert len(transitions) == 6
    (root / "audit").mkdir()
    with (root / "audit" / "api.jsonl").open("w") as fh:
        log = structlog.wrap_logger(
            structlog.WriteLogger(fh),
            wrapper_class=structlog.BoundLogger,
            processors=[AuditChain("api", origin="h"), structlog.processors.JSONRenderer()],
        )
        log_started(log)
        for t in transitions[1:]:  # the first state change has no record
            to = "failed" if t.event_id == "p2-3" else t.to_state  # one record contradicts the replay
            log.info(
                "status",
                category="payment.state_change",
                actor="service:api",
                outcome="success",
                target=f"payment:{t.payment_id}",
                payment_id=t.payment_id,
                source_event_id=t.event_id,
                from_status=t.from_state,
                to_status=to,
            )
        log.info(
            "status",
            category="payment.state_change",
            actor="service:api",
            outcome="success",
            target="payment:p9",
            payment_id="p9",
            source_event_id="p9-1",
            from_status=None,
            to_status="created",
        )
        log_stopped(log)
    section = {"audit-log": {"logs": ["audit/api.jsonl"]}, "replay": _replay_section()}
    pol = parse_policy(json.dumps({"version": 1, "checks": section}), "p.yaml")
    res = run_check("audit-log", pol, root, use_cache=False)
    got = sorted((f.rule, f.path, f.line) for f in res.findings if f.rule != "CG-AUDIT-UNANCHORED")
    assert got == [
        ("CG-AUDIT-MISSING-RECORD", "events.jsonl", 1),
        ("CG-AUDIT-ORPHAN-RECORD", "audit/api.jsonl", 7),
        ("CG-AUDIT-STATE-MISMATCH", "audit/api.jsonl", 6),
    ]
    assert res.metrics["completeness"] == "checked" and res.metrics["transitions"] == 6


def test_an_empty_log_never_passes(root: Path) -> None:
    """A listed audit log of 0 bytes is a blocking finding, and its chain is not `intact`."""
    (root / "audit" / "api.jsonl").write_bytes(b"")
    res = result(root)
    assert res.status is Status.FAILED
    assert [(f.rule, f.path, f.line) for f in res.blocking] == [("CG-AUDIT-EMPTY", "audit/api.jsonl", 1)]
    assert res.metrics["chain"] == "broken"


@pytest.mark.parametrize("keep", [1, 4], ids=["right-after-log.start", "at-the-tail"])
def test_a_truncated_chain_blocks_by_default(root: Path, keep: int) -> None:
    """A valid chain cut after `log.start` or anywhere before `log.stop` blocks under the default policy."""
    path = root / "audit" / "api.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:keep]))
    res = result(root)
    assert res.status is Status.FAILED
    assert [(f.rule, f.line) for f in res.blocking] == [("CG-AUDIT-NO-STOP", keep)]
    assert "cut off" in res.blocking[0].message


def test_a_checkpoint_pinning_the_head_proves_a_running_tail(root: Path) -> None:
    """A stream still running (no log.stop) passes when a signed checkpoint pins its last record."""
    path = root / "audit" / "api.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:5]))
    key = generate()
    (root / "cp.pub").write_bytes(key.public.pem())
    last = read(path)[-1]
    (root / "cp.json").write_bytes(sign_checkpoint([Head(last["stream"], last["seq"], last["hash"])], key, "api"))
    res = result(root, checkpoints=["cp.json"], checkpoint_keys=["cp.pub"])
    assert res.status is Status.PASSED and res.findings == ()
    assert res.metrics["streams"]["payments-api"]["anchor"] == "checkpoint"


def test_an_unanchored_chain_blocks_under_pci_dss(root: Path) -> None:
    """The same clean, unanchored log that passes the default policy blocks under pci-dss's severities."""
    res = result(root, fail_on="medium", severity={"CG-AUDIT-UNANCHORED": "high"})
    assert res.status is Status.FAILED and [f.rule for f in res.blocking] == ["CG-AUDIT-UNANCHORED"]
    pci = Path(__file__).resolve().parents[2] / "policies" / "pci-dss.yaml"
    section = load_policy(pci).checks["audit-log"]
    assert section.severity["CG-AUDIT-UNANCHORED"].at_least(section.fail_on)
