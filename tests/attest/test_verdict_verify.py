"""verify_verdict: a valid, fresh, signed PASS passes; each condition failing alone is named."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from attest_samples import (
    COMMIT,
    NOW,
    OTHER_COMMIT,
    POLICY_DIGEST,
    approval,
    expect,
    predicate_of,
    roster_file,
    sealed,
    signed_statement,
    verdict,
)

from compliance_gate.attest.statement import file_subject
from compliance_gate.attest.verify import verify_verdict
from compliance_gate.model import Outcome, Source
from compliance_gate.signing import keys
from compliance_gate.signing.dsse import Rejected


@pytest.mark.parametrize("algorithm", keys.ALGORITHMS)
def test_valid_pass_is_accepted(algorithm: str) -> None:
    """A signed, fresh, complete PASS for the deployed commit is accepted with both algorithms."""
    key = keys.generate(algorithm)
    accepted = verify_verdict(sealed(key), expect(key.public, policy_digest=POLICY_DIGEST))
    assert (accepted.commit, accepted.keyid, accepted.policy_digest) == (COMMIT, key.keyid, POLICY_DIGEST)
    assert "verified: signed PASS" in accepted.summary()


def test_predicate_is_the_verdict_with_its_window(ec_key: keys.PrivateKey) -> None:
    """The predicate carries the verdict, policy digest, versions and the signing-time window."""
    pred = predicate_of(sealed(ec_key, validity_hours=2))
    assert pred["verdict"] == "PASS" and pred["policy"]["digest"] == POLICY_DIGEST
    assert pred["gate"] == {"version": "0.1.0", "engines": {"bandit": "1.9.4"}}
    assert pred["valid_until"] == "2026-11-21T11:00:00Z"  # the earlier of the verdict's and now + 2 h


Case = tuple[str, Callable[[keys.PrivateKey, Path], tuple[bytes, dict[str, Any]]]]


def _other_key(k: keys.PrivateKey, tmp: Path) -> tuple[bytes, dict[str, Any]]:
    return sealed(k), {"keys": (keys.generate().public,)}


def _artifact(k: keys.PrivateKey, tmp: Path) -> tuple[bytes, dict[str, Any]]:
    signed, unsigned = tmp / "app.whl", tmp / "other.whl"
    signed.write_bytes(b"wheel")
    unsigned.write_bytes(b"tampered wheel")
    return sealed(k, artifacts=(str(signed),)), {"artifacts": (file_subject(unsigned),)}


def _no_commit(k: keys.PrivateKey, tmp: Path) -> tuple[bytes, dict[str, Any]]:
    (tmp / "app.whl").write_bytes(b"wheel")
    return sealed(k, verdict(source=Source("r", "tree", False)), artifacts=(str(tmp / "app.whl"),)), {}


def _pred(**changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(predicate_of(sealed(keys.generate())))), **changes}


CASES: list[Case] = [
    ("envelope", lambda k, t: (b'{"payload": "!!"}', {})),
    ("signature", _other_key),
    ("payloadType", lambda k, t: (signed_statement(k, _pred(), payload_type="application/json"), {})),
    ("predicateType", lambda k, t: (signed_statement(k, _pred(), predicate_type="https://example.com/x"), {})),
    ("verdict", lambda k, t: (sealed(k, verdict(verdict=Outcome.FAIL, reasons=("pii: 1 blocking",))), {})),
    ("verdict", lambda k, t: (sealed(k, verdict(verdict=Outcome.ERROR)), {})),
    ("commit", lambda k, t: (sealed(k), {"commit": OTHER_COMMIT})),
    ("commit", _no_commit),
    ("subject", _artifact),
    ("scope", lambda k, t: (sealed(k, verdict(complete=False)), {})),
    (
        "scope",
        lambda k, t: (
            sealed(k, dataclasses.replace(verdict(), source=dataclasses.replace(verdict().source, dirty=True))),
            {},
        ),
    ),
    ("policy", lambda k, t: (sealed(k), {"policy_digest": "sha256:" + "cd" * 32})),
    ("freshness", lambda k, t: (sealed(k), {"now": NOW + dt.timedelta(hours=25)})),
    ("freshness", lambda k, t: (sealed(k), {"max_age": dt.timedelta(minutes=30)})),
    ("freshness", lambda k, t: (sealed(k), {"now": NOW - dt.timedelta(hours=1)})),
    ("freshness", lambda k, t: (signed_statement(k, _pred(valid_until="tomorrow")), {})),
    ("signoffs", lambda k, t: (sealed(k, verdict(required_signoffs={"compliance": 1})), {})),
    ("signoffs", lambda k, t: (sealed(k), {"require": {"legal": 1}})),
]


@pytest.mark.parametrize(("condition", "make"), CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_each_condition_fails_alone(ec_key: keys.PrivateKey, tmp_path: Path, condition: str, make) -> None:  # type: ignore[no-untyped-def]
    """Breaking exactly one condition rejects the verdict and names that condition."""
    data, changes = make(ec_key, tmp_path)
    with pytest.raises(Rejected) as info:
        verify_verdict(data, expect(ec_key.public, **changes))
    assert info.value.condition == condition
    assert info.value.exit_code == 4
    assert str(info.value).startswith(f"verification failed: {condition}: ") and "\n" not in str(info.value)


def test_expired_verdict_names_its_expiry(ec_key: keys.PrivateKey) -> None:
    """An expired verdict says when it expired."""
    with pytest.raises(Rejected, match="expired at 2026-11-22T09:00:00Z"):
        verify_verdict(sealed(ec_key), expect(ec_key.public, now=NOW + dt.timedelta(days=2)))


def test_policy_digest_pin_accepts_bare_hex(ec_key: keys.PrivateKey) -> None:
    """A pinned digest may omit the `sha256:` prefix."""
    verify_verdict(sealed(ec_key), expect(ec_key.public, policy_digest=POLICY_DIGEST.removeprefix("sha256:")))


def test_required_signoffs_from_verdict_are_enforced(ec_key: keys.PrivateKey, tmp_path: Path) -> None:
    """Roles the verdict requires are satisfied by roster approvals, then verification passes."""
    alice = keys.generate()
    roster = roster_file(tmp_path, {"alice": (["compliance"], [alice])})
    from compliance_gate.attest.roster import load_roster

    data = sealed(ec_key, verdict(required_signoffs={"compliance": 1}))
    ok = verify_verdict(
        data,
        expect(
            ec_key.public,
            roster=load_roster(roster),
            approvals=(("a.json", approval(data, alice, "alice", "compliance")),),
        ),
    )
    assert ok.signoffs == {"compliance": ("alice",)}
