"""Canonical JSON and what it means for what was signed before it.

Envelopes, approvals and checkpoints written in the older `json.dumps(sort_keys=True)` form
still verify (verifiers read the signed bytes as they are, nothing re-encodes them), and a
policy digest pinned before RFC 8785 keeps matching through the verdict's `legacy_digest`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from attest_samples import COMMIT, approval, expect, roster_file, sealed, verdict

from compliance_gate.attest import signoff
from compliance_gate.attest.roster import load_roster
from compliance_gate.attest.statement import PAYLOAD_TYPE, VERDICT_PREDICATE, Statement, repo_subject
from compliance_gate.attest.verify import verify_verdict
from compliance_gate.auditlog.checkpoints import CHECKPOINT_TYPE, read_checkpoint
from compliance_gate.auditlog.checkpoints import PAYLOAD_TYPE as CHECKPOINT_PAYLOAD
from compliance_gate.canonical import canonical_json
from compliance_gate.engine import parse_policy
from compliance_gate.errors import PolicyError
from compliance_gate.model import PolicyRef
from compliance_gate.serialize import verdict_to_dict
from compliance_gate.signing import dsse, keys
from compliance_gate.signing.dsse import Rejected


def _old_form(doc: Any) -> bytes:
    """How statements and checkpoints were encoded before RFC 8785."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _old_envelope(key: keys.PrivateKey, predicate: dict[str, Any]) -> bytes:
    st = Statement((repo_subject("payments-api", COMMIT),), VERDICT_PREDICATE, predicate)
    return dsse.sign(_old_form(st.to_dict()), PAYLOAD_TYPE, [key]).to_json()


def test_statements_are_canonical(ec_key: keys.PrivateKey) -> None:
    """A sealed verdict's payload is exactly the RFC 8785 form of its statement."""
    payload = dsse.parse_envelope(sealed(ec_key)).payload
    assert payload == canonical_json(json.loads(payload))


def test_an_envelope_signed_in_the_old_form_still_verifies(ec_key: keys.PrivateKey, tmp_path: Path) -> None:
    """Bytes differ where the verdict has `24.0`-style numbers (or astral-plane keys); an envelope
    signed before still verifies, and approvals of it, old form or new, still count."""
    predicate = verdict_to_dict(
        dataclasses.replace(verdict(), source=dataclasses.replace(verdict().source, root="café"))
    )
    predicate["checks"][0]["duration_s"] = 24.0
    predicate["valid_until"] = "2026-11-22T09:00:00Z"
    old = _old_envelope(ec_key, predicate)
    payload = dsse.parse_envelope(old).payload
    assert payload != canonical_json(json.loads(payload))  # the byte forms do differ here
    assert verify_verdict(old, expect(ec_key.public)).commit == COMMIT

    alice = keys.generate()
    roster = load_roster(roster_file(tmp_path, {"alice": (["compliance"], [alice])}))
    digest = signoff.payload_digest(dsse.parse_envelope(old))
    new_approval = approval(old, alice, "alice", "compliance")
    old_approval = dsse.sign(_old_form(json.loads(dsse.parse_envelope(new_approval).payload)), PAYLOAD_TYPE, [alice])
    for item in (new_approval, old_approval.to_json()):
        assert signoff.tally(digest, [("a.json", item)], roster).approvals == {"compliance": frozenset({"alice"})}


def test_a_checkpoint_signed_in_the_old_form_still_reads(ec_key: keys.PrivateKey) -> None:
    """Checkpoints were `json.dumps` with ASCII escapes; the verifier reads them unchanged."""
    payload = {
        "_type": CHECKPOINT_TYPE,
        "created": "2026-11-21T09:00:00Z",
        "log": "audit/paiements-é.jsonl",
        "heads": [{"stream": "paiements-é", "seq": 4, "hash": "ab" * 32, "hash_alg": "sha256"}],
    }
    old = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    envelope = dsse.sign(old, CHECKPOINT_PAYLOAD, [ec_key]).to_json()
    (head,) = read_checkpoint(envelope, "old.json", [ec_key.public])
    assert (head.stream, head.seq) == ("paiements-é", 4)


POLICY = "version: 1\nverdict:\n  validity_hours: 24.0\nchecks:\n  pii: {}\n"


def test_a_policy_digest_pinned_before_rfc8785_still_matches(ec_key: keys.PrivateKey) -> None:
    """`24.0` changes the digest; the older digest travels in the verdict and a pin of it verifies,
    while any other pin is still refused."""
    policy = parse_policy(POLICY)
    assert policy.legacy_digest and policy.legacy_digest != policy.digest
    data = {"version": 1, "verdict": {"validity_hours": 24.0}, "checks": {"pii": {}}}
    assert policy.legacy_digest == "sha256:" + hashlib.sha256(_old_form(data)).hexdigest()
    assert parse_policy(POLICY.replace("24.0", "24")).digest == policy.digest  # same meaning, same digest
    assert parse_policy(POLICY.replace("24.0", "24")).legacy_digest == ""
    ref = PolicyRef("p.yaml", policy.digest, "p", policy.legacy_digest)
    envelope = sealed(ec_key, verdict(policy=ref))
    for pin in (policy.digest, policy.legacy_digest):
        assert verify_verdict(envelope, expect(ec_key.public, policy_digest=pin)).policy_digest == policy.digest
    with pytest.raises(Rejected, match="policy"):
        verify_verdict(envelope, expect(ec_key.public, policy_digest="sha256:" + "cd" * 32))


def test_a_number_beyond_2_53_in_a_policy_is_a_policy_error() -> None:
    """A policy value without a canonical form is reported against the file (exit 2)."""
    with pytest.raises(PolicyError, match="2\\^53"):
        parse_policy("version: 1\nchecks:\n  pii:\n    timeout_s: 99999999999999999999\n")


def test_verdict_json_carries_the_legacy_digest_only_when_it_differs() -> None:
    """The verdict's keys do not change for policies whose two digests agree."""
    assert "legacy_digest" not in verdict_to_dict(verdict())["policy"]
    v = verdict(policy=PolicyRef("p", "sha256:" + "1" * 64, "p", "sha256:" + "2" * 64))
    assert verdict_to_dict(v)["policy"]["legacy_digest"] == "sha256:" + "2" * 64
