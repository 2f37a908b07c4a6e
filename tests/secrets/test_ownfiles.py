"""The gate's own audit checkpoint, committed, is not a secret; anything that only resembles it is."""

from __future__ import annotations

import base64
import json
import random
import string
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from gitutil import commit, git
from secretsutil import context

sys.path.insert(0, str(Path(__file__).parents[1] / "auditlog"))
from auditlogs import write_log

from compliance_gate.checks import secrets
from compliance_gate.cli import main
from compliance_gate.secrets.ownfiles import is_audit_checkpoint


def token(seed: int) -> str:
    rng = random.Random(seed)
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


@pytest.fixture(params=["ecdsa-p256", "ed25519"])
def checkpoint(request: pytest.FixtureRequest, tmp_path: Path) -> bytes:
    """A checkpoint of two streams, written by `compliance-gate audit-checkpoint`."""
    assert main(["keygen", "--out", str(tmp_path / "cp"), "--algorithm", request.param]) == 0
    logs = [write_log(tmp_path / "a.jsonl", 3), write_log(tmp_path / "b.jsonl", 2, stream="admin")]
    out = tmp_path / "checkpoint.json"
    assert main(["audit-checkpoint", *map(str, logs), "--key", str(tmp_path / "cp.key"), "--out", str(out)]) == 0
    return out.read_bytes()


def test_a_committed_checkpoint_is_not_flagged(repo: Path, checkpoint: bytes) -> None:
    """The entropy detectors flag the envelope's payload, key id and signature; the check knows
    the file for the gate's own and says so in its counts, while a real token beside it blocks."""
    commit(repo, {"audit/checkpoint.json": checkpoint, "cfg.py": f'T = "{token(1)}"\n'})
    out = secrets.run(context(repo))
    assert {f.path for f in out.findings} == {"cfg.py"}
    assert out.counts["gate-audit-checkpoint-hits"] >= 2


def test_a_checkpoint_in_the_release_history_is_not_flagged(repo: Path, checkpoint: bytes) -> None:
    """Committed in the release range and replaced since, its older version is not flagged either."""
    base = commit(repo, {"app.py": "x = 1\n"}, "base")
    commit(repo, {"audit/cp.json": checkpoint}, "checkpoint")
    commit(repo, {"audit/cp.json": "{}\n"}, "cleared")
    out = secrets.run(context(repo, mode="since", since=base))
    assert out.findings == ()
    assert out.counts["history-files"] >= 1 and out.counts["gate-audit-checkpoint-hits"] >= 2


def _envelope(data: bytes) -> dict[str, object]:
    doc: dict[str, object] = json.loads(data)
    return doc


def _with_payload(data: bytes, change: Callable[[dict[str, object]], None], indent: int | None = None) -> bytes:
    doc = _envelope(data)
    payload = json.loads(base64.b64decode(str(doc["payload"])))
    change(payload)
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True, indent=indent).encode()
    doc["payload"] = base64.b64encode(raw).decode()
    return (json.dumps(doc, indent=2) + "\n").encode()


def _extra_field(data: bytes) -> bytes:
    doc = _envelope(data)
    doc["note"] = token(2)
    return (json.dumps(doc, indent=2) + "\n").encode()


def _long_signature(data: bytes) -> bytes:
    doc = _envelope(data)
    sigs = doc["signatures"]
    assert isinstance(sigs, list)
    sigs[0]["sig"] = base64.b64encode(token(3).encode() * 3).decode()
    return (json.dumps(doc, indent=2) + "\n").encode()


def _other_type(data: bytes) -> bytes:
    doc = _envelope(data)
    doc["payloadType"] = "application/vnd.in-toto+json"
    return (json.dumps(doc, indent=2) + "\n").encode()


def _signatures(data: bytes, n: int) -> bytes:
    doc = _envelope(data)
    sigs = doc["signatures"]
    assert isinstance(sigs, list)
    doc["signatures"] = [dict(sigs[0], keyid=f"{i:064x}") for i in range(n)]
    return (json.dumps(doc, indent=2) + "\n").encode()


VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "reformatted": lambda d: json.dumps(json.loads(d), indent=4).encode(),
    "extra-envelope-field": _extra_field,
    "signature-too-long-for-a-signature": _long_signature,
    "another-payload-type": _other_type,
    "three-signatures": lambda d: _signatures(d, 3),
    "extra-payload-field": lambda d: _with_payload(d, lambda p: p.update(token=token(4))),
    "extra-head-field": lambda d: _with_payload(d, lambda p: p["heads"][0].update(k=token(5))),  # type: ignore[index]
    "head-hash-not-hex": lambda d: _with_payload(d, lambda p: p["heads"][0].update(hash=token(6))),  # type: ignore[index]
    "not-canonical-payload": lambda d: _with_payload(d, lambda p: None, indent=1),
    "truncated": lambda d: d[: len(d) // 2],
}


def test_the_gate_s_own_file_is_recognised(checkpoint: bytes) -> None:
    """What `audit-checkpoint` writes is recognised as it is."""
    assert is_audit_checkpoint(checkpoint)
    assert not is_audit_checkpoint(b"{}") and not is_audit_checkpoint(checkpoint.replace(b"\n", b"\r\n"))


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
def test_anything_that_only_resembles_it_is_scanned(variant: str, checkpoint: bytes) -> None:
    """A copy changed in any way (layout, fields, types, lengths) is an ordinary file again."""
    changed = VARIANTS[variant](checkpoint)
    assert changed != checkpoint and not is_audit_checkpoint(changed)
    assert is_audit_checkpoint(_with_payload(checkpoint, lambda p: None))  # the editing itself is faithful


def test_at_most_two_signatures(checkpoint: bytes) -> None:
    """Two signatures (a key rotation) are the gate's; a third is room for 72 more bytes of anything."""
    assert is_audit_checkpoint(_signatures(checkpoint, 2))
    assert not is_audit_checkpoint(_signatures(checkpoint, 3))
    assert not is_audit_checkpoint(_signatures(checkpoint, 40))


def test_staged_reads_the_index_not_the_work_tree(repo: Path, checkpoint: bytes) -> None:
    """Under `--staged` the scan reads the index; the checkpoint recogniser must read the same
    bytes: a staged file with a token is not dropped because its work-tree copy is a checkpoint."""
    commit(repo, {"audit/checkpoint.json": checkpoint})
    staged = repo / "audit" / "checkpoint.json"
    staged.write_bytes(_extra_field(checkpoint))
    git(repo, "add", "audit/checkpoint.json")
    staged.write_bytes(checkpoint)  # the work tree is the clean checkpoint again, the index is not
    out = secrets.run(context(repo, mode="staged"))
    assert "GitHubTokenDetector" in {f.rule for f in out.findings}
    assert "gate-audit-checkpoint-hits" not in out.counts


def test_a_changed_copy_with_a_token_blocks(repo: Path, checkpoint: bytes) -> None:
    """A token added to a checkpoint-shaped file is found, and the rest of the file with it."""
    commit(repo, {"audit/checkpoint.json": _extra_field(checkpoint)})
    out = secrets.run(context(repo))
    assert "GitHubTokenDetector" in {f.rule for f in out.findings}
    assert "gate-audit-checkpoint-hits" not in out.counts


def test_a_signed_verdict_is_not_mistaken_for_a_checkpoint(tmp_path: Path, repo: Path) -> None:
    """The gate's other envelope (a signed verdict) has another payload type: not exempted here."""
    commit(repo, {"app.py": "x = 1\n"})
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 0
    out = tmp_path / "v"
    assert main(
        ["run", str(repo), "--policy", "default", "--out", str(out), "--sign-key", str(tmp_path / "k.key")]
    ) in (0, 1)
    assert not is_audit_checkpoint((out / "verdict.dsse.json").read_bytes())
