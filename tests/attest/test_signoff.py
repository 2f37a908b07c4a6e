"""Sign-off counting: roles from the roster, one person once, rejects veto, strays ignored."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from attest_samples import approval, roster_file, sealed, verdict

from compliance_gate.attest import signoff
from compliance_gate.attest.roster import Roster, load_roster
from compliance_gate.signing import dsse, keys

ALICE, BOB, CAROL, MALLORY = (keys.generate() for _ in range(4))
VERDICT_KEY = keys.generate()
ENVELOPE = sealed(VERDICT_KEY)
SHA = hashlib.sha256(dsse.parse_envelope(ENVELOPE).payload).hexdigest()


@pytest.fixture
def roster(tmp_path: Path) -> Roster:
    return load_roster(
        roster_file(
            tmp_path,
            {
                "alice": (["compliance"], [ALICE]),
                "bob": (["compliance", "legal"], [BOB]),
                "carol": (["legal"], [CAROL]),
            },
        )
    )


def docs(*items: tuple[keys.PrivateKey, str, str, str]) -> list[tuple[str, bytes]]:
    return [(f"{i}.json", approval(ENVELOPE, k, who, role, how)) for i, (k, who, role, how) in enumerate(items)]


@pytest.mark.parametrize(
    ("approvals", "required", "short"),
    [
        ([(ALICE, "alice", "compliance", "approve")], {"compliance": 1}, []),
        ([(ALICE, "alice", "compliance", "approve")], {"compliance": 1, "legal": 1}, ["legal needs 1, has 0"]),
        (
            [(ALICE, "alice", "compliance", "approve"), (ALICE, "alice", "compliance", "approve")],
            {"compliance": 2},
            ["compliance needs 2, has 1"],
        ),
        (
            [(BOB, "bob", "compliance", "approve"), (BOB, "bob", "legal", "approve")],
            {"compliance": 1, "legal": 1},
            ["legal needs 1, has 0"],
        ),
        (
            [
                (BOB, "bob", "compliance", "approve"),
                (BOB, "bob", "legal", "approve"),
                (ALICE, "alice", "compliance", "approve"),
            ],
            {"compliance": 1, "legal": 1},
            [],
        ),
        ([(ALICE, "alice", "legal", "approve")], {"legal": 1}, ["legal needs 1, has 0"]),
        ([(MALLORY, "alice", "compliance", "approve")], {"compliance": 1}, ["compliance needs 1, has 0"]),
        ([(ALICE, "bob", "compliance", "approve")], {"compliance": 1}, ["compliance needs 1, has 0"]),
        (
            [(ALICE, "alice", "compliance", "approve"), (CAROL, "carol", "legal", "approve")],
            {"compliance": 1, "legal": 1},
            [],
        ),
    ],
    ids=[
        "one-role",
        "missing-role",
        "duplicate-person",
        "one-person-two-roles",
        "two-people-two-roles",
        "role-not-in-roster",
        "unknown-signer",
        "claims-other-identity",
        "distinct-people",
    ],
)
def test_counting(roster: Roster, approvals, required, short) -> None:  # type: ignore[no-untyped-def]
    """Counts come from the roster; a person fills one slot; unknown or mis-claiming signers do not count."""
    t = signoff.tally(SHA, docs(*approvals), roster)
    assert signoff.unmet(t, required) == short and not t.rejects


def test_reject_vetoes_whatever_the_role(roster: Roster) -> None:
    """A reject from anyone on the roster vetoes, even if they claim a role they do not hold."""
    items = docs((ALICE, "alice", "compliance", "approve"), (CAROL, "carol", "security", "reject"))
    t = signoff.tally(SHA, items, roster)
    assert t.rejects == ("carol (as security, 1.json)",)


def test_reject_from_unknown_signer_is_ignored(roster: Roster) -> None:
    """A reject signed by a key outside the roster carries no weight."""
    t = signoff.tally(SHA, docs((MALLORY, "mallory", "legal", "reject")), roster)
    assert not t.rejects and t.ignored == ("0.json: not signed by a key in the roster",)


def test_approval_for_another_verdict_does_not_count(roster: Roster) -> None:
    """An approval bound to a different verdict payload is ignored with that reason."""
    other = sealed(VERDICT_KEY, verdict(gate_version="0.2.0"))
    t = signoff.tally(SHA, [("old.json", approval(other, ALICE, "alice", "compliance"))], roster)
    assert signoff.unmet(t, {"compliance": 1}) == ["compliance needs 1, has 0"]
    assert t.ignored == ("old.json: is for another verdict",)


def test_malformed_approval_is_ignored(roster: Roster) -> None:
    """Garbage in the approvals folder is reported and never counts."""
    t = signoff.tally(SHA, [("junk.json", b"{not json"), ("verdict.json", ENVELOPE)], roster)
    assert t.ignored == ("junk.json: malformed", "verdict.json: not signed by a key in the roster")


def test_verdict_itself_is_not_an_approval(tmp_path: Path) -> None:
    """A verdict envelope signed by a roster key is not mistaken for a sign-off."""
    r = load_roster(roster_file(tmp_path, {"gate": (["compliance"], [VERDICT_KEY])}))
    t = signoff.tally(SHA, [("v.json", ENVELOPE)], r)
    assert t.ignored == ("v.json: not a sign-off (predicateType)",)


def test_bad_arguments_are_usage_errors() -> None:
    """Unknown decisions and malformed roles are refused before signing."""
    env = dsse.parse_envelope(ENVELOPE)
    with pytest.raises(signoff.UsageError):
        signoff.make_approval(env, {}, ALICE, signer="alice", role="Compliance!", decision="approve")
    with pytest.raises(signoff.UsageError):
        signoff.make_approval(env, {}, ALICE, signer="alice", role="compliance", decision="maybe")
