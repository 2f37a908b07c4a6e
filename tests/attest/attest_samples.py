"""Sample verdicts, keys and envelopes shared by the attestation tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compliance_gate.attest import seal, signoff
from compliance_gate.attest.statement import (
    PAYLOAD_TYPE,
    VERDICT_PREDICATE,
    Statement,
    repo_subject,
)
from compliance_gate.attest.verify import Expectations
from compliance_gate.model import CheckResult, Outcome, PolicyRef, Source, Status, Verdict
from compliance_gate.signing import dsse, keys

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
COMMIT = "3f2c9a1e5b7d4c6a8e0f1b2d3c4e5f6a7b8c9d0e"
OTHER_COMMIT = "0" * 40
POLICY_DIGEST = "sha256:" + "ab" * 32


def verdict(**changes: Any) -> Verdict:
    """A complete, clean PASS for COMMIT that finished at NOW."""
    base = Verdict(
        verdict=Outcome.PASS,
        reasons=(),
        checks=(CheckResult("pii", Status.PASSED),),
        policy=PolicyRef("policies/default.yaml", POLICY_DIGEST, "default"),
        source=Source(
            root="payments-api",
            mode="since",
            is_git=True,
            commit=COMMIT,
            ref="refs/heads/main",
            since="origin/main",
            since_commit="1" * 40,
            files=3,
        ),
        gate_version="0.1.0",
        engines={"bandit": "1.9.4"},
        started=NOW - dt.timedelta(minutes=2),
        finished=NOW,
        valid_until=NOW + dt.timedelta(hours=24),
        complete=True,
    )
    return dataclasses.replace(base, **changes)


def sealed(
    key: keys.PrivateKey, v: Verdict | None = None, artifacts: tuple[str, ...] = (), validity_hours: float = 24
) -> bytes:
    _, env = seal.seal_verdict(v or verdict(), key, validity_hours=validity_hours, artifacts=artifacts, now=NOW)
    return env.to_json()


def signed_statement(
    key: keys.PrivateKey,
    predicate: Mapping[str, Any],
    *,
    predicate_type: str = VERDICT_PREDICATE,
    payload_type: str = PAYLOAD_TYPE,
) -> bytes:
    """An envelope built by hand, for conditions `seal` would never produce."""
    st = Statement((repo_subject("payments-api", COMMIT),), predicate_type, predicate)
    return dsse.sign(st.encode(), payload_type, [key]).to_json()


def predicate_of(envelope: bytes) -> dict[str, Any]:
    payload = dsse.parse_envelope(envelope).payload
    return dict(json.loads(payload)["predicate"])


def expect(pub: keys.PublicKey, **changes: Any) -> Expectations:
    base = Expectations(keys=(pub,), commit=COMMIT, now=NOW + dt.timedelta(hours=1))
    return dataclasses.replace(base, **changes)


def approval(envelope: bytes, key: keys.PrivateKey, signer: str, role: str, decision: str = "approve") -> bytes:
    env = dsse.parse_envelope(envelope)
    return signoff.make_approval(
        env, predicate_of(envelope), key, signer=signer, role=role, decision=decision, now=NOW
    ).to_json()


def roster_file(folder: Path, people: Mapping[str, tuple[list[str], list[keys.PrivateKey]]]) -> Path:
    """Write a roster with each person's public keys as files next to it."""
    lines = ["version: 1", "people:"]
    for pid, (roles, ks) in people.items():
        files = []
        for i, k in enumerate(ks):
            f = folder / f"{pid}-{i}.pub"
            f.write_bytes(k.public.pem())
            files.append(f.name)
        lines += [f"  {pid}:", f"    roles: [{', '.join(roles)}]", f"    keys: [{', '.join(files)}]"]
    path = folder / "roster.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path
