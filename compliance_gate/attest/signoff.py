"""Release sign-off: approvals signed by people, counted by the verifier from its own roster.

An approval is a DSSE-signed in-toto statement whose subject is the sha256 of the verdict's
signed payload (so it cannot be moved to another verdict) and whose predicate
(`https://compliance-gate.dev/signoff/v1`) says:

    {"decision": "approve" | "reject", "role": "compliance", "signer": "alice",
     "time": "2026-11-21T09:00:00Z", "comment": "...",
     "verdict": {"sha256": "...", "commit": "...", "policyDigest": "sha256:...", "outcome": "PASS"}}

Counting (`tally`, `unmet`): an approval counts only if a roster key verifies it, it names this
verdict, its `signer` is the roster person who owns the key, and the roster gives that person the
role claimed. One person fills at most one required slot, whatever roles they hold. A valid
reject from anyone on the roster vetoes. Anything else is ignored, and the reason is reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from compliance_gate.attest.roster import ROLE, Roster
from compliance_gate.attest.statement import (
    PAYLOAD_TYPE,
    SIGNOFF_PREDICATE,
    Statement,
    Subject,
    digests,
    parse_statement,
)
from compliance_gate.errors import UsageError
from compliance_gate.model import JSONObject, JSONValue
from compliance_gate.signing import dsse
from compliance_gate.signing.keys import PrivateKey

DECISIONS = ("approve", "reject")
MAX_COMMENT = 2000
MAX_APPROVAL_BYTES = 1024 * 1024
MAX_APPROVALS = 1000  # each is tried against every roster key: bound the work a stray folder causes


@dataclass(frozen=True, slots=True)
class Decision:
    """One approval or reject that counts, as a report shows it (who is the roster's person)."""

    file: str
    who: str
    role: str
    decision: str
    time: str
    comment: str


@dataclass(frozen=True, slots=True)
class Tally:
    approvals: Mapping[str, frozenset[str]]
    """role -> ids of roster people holding that role who approved as it."""
    rejects: tuple[str, ...]
    ignored: tuple[str, ...]
    decisions: tuple[Decision, ...] = ()
    """Every counted approval and every reject, with its time and comment, in file order."""


def payload_digest(envelope: dsse.Envelope) -> str:
    return hashlib.sha256(envelope.payload).hexdigest()


def make_approval(
    verdict: dsse.Envelope,
    verdict_predicate: JSONObject,
    key: PrivateKey,
    *,
    signer: str,
    role: str,
    decision: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> dsse.Envelope:
    """Sign an approval (or rejection) of `verdict` as `signer` in `role`."""
    if decision not in DECISIONS:
        raise UsageError(f"decision {decision!r}: expected approve or reject")
    if not ROLE.match(role):
        raise UsageError(f"--role {role!r}: a role is a lower-case word such as compliance")
    if not signer.strip():
        raise UsageError("--as: give your id as listed in the verifier's roster")
    clean = "".join(c for c in comment if c.isprintable() or c == "\n")[:MAX_COMMENT]
    when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    source = verdict_predicate.get("source")
    policy = verdict_predicate.get("policy")
    predicate: dict[str, JSONValue] = {
        "decision": decision,
        "role": role,
        "signer": signer,
        "time": when.isoformat().replace("+00:00", "Z"),
        "comment": clean,
        "verdict": {
            "sha256": payload_digest(verdict),
            "commit": source.get("commit") if isinstance(source, dict) else None,
            "policyDigest": policy.get("digest") if isinstance(policy, dict) else None,
            "outcome": verdict_predicate.get("verdict"),
        },
    }
    subject = Subject("verdict", {"sha256": payload_digest(verdict)})
    statement = Statement((subject,), SIGNOFF_PREDICATE, predicate)
    return dsse.sign(statement.encode(), PAYLOAD_TYPE, [key])


def read_approvals(folder: str | Path) -> list[tuple[str, bytes]]:
    """Every `*.json` file directly in `folder`, in name order."""
    d = Path(folder)
    if not d.is_dir():
        raise UsageError(f"--approvals {folder}: not a directory")
    files = sorted(d.glob("*.json"))
    if len(files) > MAX_APPROVALS:
        raise UsageError(f"--approvals {folder}: {len(files)} files; at most {MAX_APPROVALS} are read")
    out: list[tuple[str, bytes]] = []
    for f in files:
        try:
            if f.stat().st_size > MAX_APPROVAL_BYTES:
                out.append((f.name, b""))
                continue
            out.append((f.name, f.read_bytes()))
        except OSError as exc:
            raise UsageError(f"{f}: cannot read the approval ({exc.strerror})") from None
    return out


def tally(verdict_sha256: str, documents: Sequence[tuple[str, bytes]], roster: Roster) -> Tally:
    approvals: dict[str, set[str]] = {}
    rejects: list[str] = []
    ignored: list[str] = []
    decisions: list[Decision] = []
    for name, data in documents:
        try:
            env = dsse.parse_envelope(data, name)
            verified = dsse.verify_envelope(env, roster.keys())
        except dsse.Rejected as exc:
            why = "not signed by a key in the roster" if exc.condition == "signature" else "malformed"
            ignored.append(f"{name}: {why}")
            continue
        person = roster.person_for(verified.key)
        problem, role, decision, signer = _read(verified, verdict_sha256)
        if problem:
            ignored.append(f"{name}: {problem}")
        elif decision == "reject":
            rejects.append(f"{person.id} (as {role}, {name})")
            decisions.append(_decision(name, person.id, verified))
        elif signer != person.id:
            ignored.append(f"{name}: claims to be {signer!r} but is signed by {person.id}'s key")
        elif role not in person.roles:
            ignored.append(f"{name}: {person.id} does not hold the role {role!r} in the roster")
        else:
            approvals.setdefault(role, set()).add(person.id)
            decisions.append(_decision(name, person.id, verified))
    approved = {r: frozenset(p) for r, p in approvals.items()}
    return Tally(approved, tuple(rejects), tuple(ignored), tuple(decisions))


def _decision(name: str, who: str, verified: dsse.Verified) -> Decision:
    """The facts a report shows of a counted decision (its predicate was read by `_read`)."""
    p = parse_statement(verified.payload, SIGNOFF_PREDICATE).predicate
    time, comment = p.get("time"), p.get("comment")
    return Decision(
        name,
        who,
        str(p.get("role")),
        str(p.get("decision")),
        time if isinstance(time, str) else "",
        comment[:MAX_COMMENT] if isinstance(comment, str) else "",
    )


def _read(verified: dsse.Verified, verdict_sha256: str) -> tuple[str | None, str, str, str]:
    if verified.payload_type != PAYLOAD_TYPE:
        return "not an in-toto payload", "", "", ""
    try:
        st = parse_statement(verified.payload, SIGNOFF_PREDICATE)
    except dsse.Rejected as exc:
        return f"not a sign-off ({exc.condition})", "", "", ""
    if verdict_sha256 not in digests(st.subjects, "sha256"):
        return "is for another verdict", "", "", ""
    p = st.predicate
    decision, role, signer = p.get("decision"), p.get("role"), p.get("signer")
    if decision not in DECISIONS or not isinstance(role, str) or not isinstance(signer, str):
        return "lacks a valid decision, role or signer", "", "", ""
    return None, role, str(decision), signer


def unmet(t: Tally, required: Mapping[str, int]) -> list[str]:
    """Roles whose count is short, as `role needs N, has M`; a person fills one slot at most."""
    slots = [role for role, n in sorted(required.items()) for _ in range(n)]
    candidates = {person for people in t.approvals.values() for person in people}
    holder: dict[int, str] = {}  # slot index -> person (Kuhn's augmenting paths)

    def assign(person: str, seen: set[int]) -> bool:
        for i, role in enumerate(slots):
            if i in seen or person not in t.approvals.get(role, ()):
                continue
            seen.add(i)
            if i not in holder or assign(holder[i], seen):
                holder[i] = person
                return True
        return False

    for person in sorted(candidates):
        assign(person, set())
    filled = {role: sum(1 for i in holder if slots[i] == role) for role in required}
    return [f"{role} needs {n}, has {filled[role]}" for role, n in sorted(required.items()) if filled[role] < n]
