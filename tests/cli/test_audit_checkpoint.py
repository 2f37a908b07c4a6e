"""`compliance-gate audit-checkpoint`: signs the heads of intact logs, refuses broken ones."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "auditlog"))

from auditlogs import read, write, write_log

from compliance_gate.auditlog.checkpoints import read_checkpoint
from compliance_gate.cli import main
from compliance_gate.signing.keys import generate, load_public_file, write_keypair


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return write_keypair(generate(), tmp_path / "cp", None)


def test_signs_every_stream_head(tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The checkpoint holds each stream's last seq and hash and verifies with the public key."""
    log = write_log(tmp_path / "a.jsonl", 3)
    other = write_log(tmp_path / "b.jsonl", 1, stream="admin")
    out = tmp_path / "cp.json"
    assert main(["audit-checkpoint", str(log), str(other), "--key", str(keys[0]), "--out", str(out)]) == 0
    heads = read_checkpoint(out.read_bytes(), "cp.json", [load_public_file(keys[1])])
    last = read(log)[-1]
    assert {(h.stream, h.seq) for h in heads} == {("payments-api", 4), ("admin", 2)}
    assert any(h.hash == last["hash"] for h in heads)
    assert "payments-api: seq 4" in capsys.readouterr().out


def test_keyed_chain_needs_its_key(tmp_path: Path, keys: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """An HMAC chain is verified with --chain-key-env before signing; without it, no checkpoint."""
    log = write_log(tmp_path / "a.jsonl", 2, key=b"k" * 20)
    out = tmp_path / "cp.json"
    assert main(["audit-checkpoint", str(log), "--key", str(keys[0]), "--out", str(out)]) == 2
    assert not out.exists()
    monkeypatch.setenv("CHAIN_KEY", "k" * 20)
    assert (
        main(["audit-checkpoint", str(log), "--key", str(keys[0]), "--out", str(out), "--chain-key-env", "CHAIN_KEY"])
        == 0
    )


def test_refuses_a_broken_log_and_an_existing_file(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """An edited log is not blessed (exit 2, names file and line); --out is never overwritten silently."""
    log = write_log(tmp_path / "a.jsonl", 3)
    records = read(log)
    records[2]["amount"] = "1"
    write(log, records)
    out = tmp_path / "cp.json"
    assert main(["audit-checkpoint", str(log), "--key", str(keys[0]), "--out", str(out)]) == 2
    assert "a.jsonl:3 CG-AUDIT-EDITED" in capsys.readouterr().err and not out.exists()
    out.write_text("x")
    assert (
        main(["audit-checkpoint", str(write_log(tmp_path / "b.jsonl", 1)), "--key", str(keys[0]), "--out", str(out)])
        == 2
    )
