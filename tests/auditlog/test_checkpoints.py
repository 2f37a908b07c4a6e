"""Signed checkpoints detect truncation and re-sealing, and only the pinned key is trusted."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from auditlogs import read, reseal, write, write_log

from compliance_gate.auditlog.checkpoints import (
    CheckpointProblem,
    Head,
    pins_by_stream,
    read_checkpoint,
    sign_checkpoint,
)
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.signing.keys import ECDSA_P256, ED25519, generate


def _heads(path: Path) -> list[Head]:
    last = read(path)[-1]
    return [Head(last["stream"], last["seq"], last["hash"])]


@pytest.mark.parametrize("algorithm", [ECDSA_P256, ED25519])
def test_round_trip_with_pinned_key(algorithm: str) -> None:
    """A checkpoint signed with a key verifies with its public key and returns the heads."""
    key = generate(algorithm)
    heads = [Head("s", 7, "a" * 64), Head("t", 0, "b" * 64, "hmac-sha256")]
    assert read_checkpoint(sign_checkpoint(heads, key, "log"), "cp.json", [key.public]) == heads


def test_wrong_key_and_tampered_payload_are_rejected() -> None:
    """Another key's signature, or a payload changed after signing, is a CheckpointProblem."""
    key, other = generate(), generate()
    data = sign_checkpoint([Head("s", 7, "a" * 64)], key, "log")
    with pytest.raises(CheckpointProblem, match="pinned key"):
        read_checkpoint(data, "cp.json", [other.public])
    doc = json.loads(data)
    payload = json.loads(base64.b64decode(doc["payload"]))
    payload["heads"][0]["seq"] = 3
    doc["payload"] = base64.b64encode(json.dumps(payload).encode()).decode()
    with pytest.raises(CheckpointProblem):
        read_checkpoint(json.dumps(doc).encode(), "cp.json", [key.public])
    with pytest.raises(CheckpointProblem, match="not JSON"):
        read_checkpoint(b"{nope", "cp.json", [key.public])


def test_truncation_detected_with_checkpoint(tmp_path: Path) -> None:
    """Cutting the tail after a checkpoint gives CG-AUDIT-TRUNCATED even with a forged stop record."""
    path = write_log(tmp_path / "a.jsonl", 10)
    pins = pins_by_stream(_heads(path))
    records = read(path)[:6]
    records.append({**records[-1], "category": "log.stop", "event": "audit log stopped"})
    reseal(records)
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig(pins=pins))
    assert [p.rule for p in report.problems] == ["CG-AUDIT-TRUNCATED"]
    assert report.problems[0].line == 7


def test_full_reseal_detected_with_checkpoint(tmp_path: Path) -> None:
    """An unkeyed chain rebuilt end to end is caught by the signed head of the original."""
    path = write_log(tmp_path / "a.jsonl", 10)
    pins = pins_by_stream(_heads(path))
    records = read(path)
    records[3]["amount"] = "1"
    reseal(records)
    write(path, records)
    assert verify_logs([("a.jsonl", path)], VerifyConfig()).problems == []
    report = verify_logs([("a.jsonl", path)], VerifyConfig(pins=pins))
    assert {p.rule for p in report.problems} == {"CG-AUDIT-CHECKPOINT-MISMATCH", "CG-AUDIT-UNVERIFIABLE"}
    stats = report.streams["payments-api"].stats
    assert (stats.verified, stats.unverifiable) == (0, 12)


def test_checkpoint_reanchors_after_a_break(tmp_path: Path) -> None:
    """Records after a matching checkpoint are verified again; only those between are unverifiable."""
    path = write_log(tmp_path / "a.jsonl", 10)
    records = read(path)
    pins = pins_by_stream([Head("payments-api", 6, records[6]["hash"])])
    records[2]["amount"] = "1"
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig(pins=pins))
    stats = report.streams["payments-api"].stats
    assert (stats.verified, stats.unverifiable, stats.checkpoints_matched) == (8, 4, 1)
