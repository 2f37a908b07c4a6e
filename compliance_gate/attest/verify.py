"""Deploy-time verification: allow only a valid, fresh, signed PASS for exactly this commit.

`verify_verdict` checks, in this order, and raises `Rejected(condition, ...)` at the first that
fails (deny unless every condition holds; an absent fact never counts as a pass):

1. `envelope`      the file is a well-formed DSSE envelope (JSON, strict base64);
2. `signature`     a signature verifies with one of the pinned public keys (key ids are hints);
3. `payloadType`   is `application/vnd.in-toto+json`;
4. `predicateType` the statement is in-toto v1 with our verdict predicate type;
5. `verdict`       the outcome is PASS;
6. `commit`        the `gitCommit` subject is the commit being deployed;
7. `subject`       every `--subject FILE` given is a subject (by sha256);
8. `scope`         the run covered the whole tree or release range (not `--only`, staged or
                   explicit files) of a clean work tree;
9. `policy`        the policy digest equals the pinned one, when one is pinned;
10. `freshness`    now is inside [finished, valid_until] (5 min skew allowed) and, with
                   `--max-age`, the verdict is no older than that;
11. `signoffs`     no approval counted from the verifier's roster rejects (a reject vetoes even
                   when no role is required); the union of the verdict's required roles and
                   `--require` is covered by approvals counted from that roster.

Only the verified payload bytes are read after step 2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from compliance_gate.attest import signoff
from compliance_gate.attest.roster import Roster
from compliance_gate.attest.statement import (
    PAYLOAD_TYPE,
    VERDICT_PREDICATE,
    Statement,
    Subject,
    digests,
    parse_statement,
)
from compliance_gate.model import JSONObject, JSONValue
from compliance_gate.signing import dsse
from compliance_gate.signing.dsse import Rejected
from compliance_gate.signing.keys import PublicKey

CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Expectations:
    keys: tuple[PublicKey, ...]
    commit: str
    policy_digest: str | None = None
    artifacts: tuple[Subject, ...] = ()
    max_age: dt.timedelta | None = None
    require: Mapping[str, int] = field(default_factory=dict)
    roster: Roster | None = None
    approvals: tuple[tuple[str, bytes], ...] = ()
    now: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    keyid: str
    commit: str
    policy_digest: str
    valid_until: dt.datetime
    signoffs: Mapping[str, tuple[str, ...]]

    def summary(self) -> str:
        roles = ", ".join(f"{r}: {', '.join(p)}" for r, p in sorted(self.signoffs.items())) or "none required"
        until = self.valid_until.isoformat().replace("+00:00", "Z")
        return (
            f"verified: signed PASS for commit {self.commit} (key {self.keyid[:16]}, policy "
            f"{self.policy_digest}, valid until {until}; sign-offs: {roles})"
        )


def verify_verdict(data: bytes, exp: Expectations, source: str = "envelope") -> Accepted:
    envelope = dsse.parse_envelope(data, source)
    verified = dsse.verify_envelope(envelope, exp.keys)
    if verified.payload_type != PAYLOAD_TYPE:
        raise Rejected("payloadType", f"is {verified.payload_type[:100]!r}, expected {PAYLOAD_TYPE}")
    st = parse_statement(verified.payload, VERDICT_PREDICATE)
    pred = st.predicate
    if pred.get("verdict") != "PASS":
        reasons = pred.get("reasons") or []
        first = f" ({str(reasons[0])[:200]})" if isinstance(reasons, list) and reasons else ""
        raise Rejected("verdict", f"is {str(pred.get('verdict'))[:20]}, not PASS{first}")
    commit = _check_commit(st, exp)
    _check_scope(pred)
    digest = _check_policy(pred, exp.policy_digest)
    now = exp.now or dt.datetime.now(dt.UTC)
    until = _check_freshness(pred, now, exp.max_age)
    who = _check_signoffs(pred, exp, signoff.payload_digest(envelope))
    return Accepted(verified.key.keyid, commit, digest, until, who)


def _check_commit(st: Statement, exp: Expectations) -> str:
    commits = digests(st.subjects, "gitCommit")
    want = exp.commit.lower()
    if want not in commits:
        found = ", ".join(sorted(c[:12] for c in commits)) or "none"
        raise Rejected("commit", f"the verdict is for commit {found}, not {want[:12]}")
    have = digests(st.subjects, "sha256")
    for a in exp.artifacts:
        if a.digest["sha256"] not in have:
            raise Rejected("subject", f"{a.name} (sha256 {a.digest['sha256'][:12]}) is not a subject of the verdict")
    return want


def _check_scope(pred: JSONObject) -> None:
    source = pred.get("source")
    if pred.get("complete") is not True:
        raise Rejected("scope", f"the verdict covers a partial run: {_partial_reason(pred, source)}")
    if not isinstance(source, dict) or source.get("dirty") is not False:
        raise Rejected("scope", "the verdict was computed on a work tree with uncommitted changes")


def _partial_reason(pred: JSONObject, source: JSONValue) -> str:
    """What the partial run left out, from the signed verdict: the checks and the files."""
    parts = []
    not_run = pred.get("not_run")
    if isinstance(not_run, list) and not_run:
        parts.append(f"not run: {', '.join(str(c)[:40] for c in not_run[:20])} (--only)")
    mode = source.get("mode") if isinstance(source, dict) else None
    if mode == "staged":
        parts.append("only the staged files were scanned (--staged)")
    elif mode == "files":
        parts.append("only the files named on the command line were scanned")
    return "; ".join(parts) or "selected checks, staged or explicit files only"


def _check_policy(pred: JSONObject, pinned: str | None) -> str:
    policy = pred.get("policy")
    digest = policy.get("digest") if isinstance(policy, dict) else None
    if not isinstance(digest, str):
        raise Rejected("policy", "the verdict names no policy digest")
    # A pin made before digests were RFC 8785 matches the policy's legacy digest, which the
    # verdict carries (signed, like everything in it) only where the two forms differ.
    legacy = policy.get("legacy_digest") if isinstance(policy, dict) else None
    accepted = {_bare(digest)} | ({_bare(legacy)} if isinstance(legacy, str) and legacy else set())
    if pinned is not None and _bare(pinned) not in accepted:
        raise Rejected("policy", f"the verdict's policy digest is {digest}, pinned {pinned}")
    return digest


def _bare(digest: str) -> str:
    return digest.lower().removeprefix("sha256:")


def _check_freshness(pred: JSONObject, now: dt.datetime, max_age: dt.timedelta | None) -> dt.datetime:
    finished, until = _time(pred.get("finished")), _time(pred.get("valid_until"))
    if finished is None or until is None:
        raise Rejected("freshness", "the verdict lacks a valid `finished` or `valid_until` time")
    if finished > now + CLOCK_SKEW:
        raise Rejected("freshness", f"the verdict finished in the future ({pred['finished']})")
    if now > until:
        raise Rejected("freshness", f"the verdict expired at {pred['valid_until']}")
    if max_age is not None and now - finished > max_age:
        raise Rejected("freshness", f"the verdict is older than --max-age ({_age(now - finished)} old)")
    return until


def _time(value: JSONValue) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _check_signoffs(pred: JSONObject, exp: Expectations, verdict_sha: str) -> dict[str, tuple[str, ...]]:
    required: dict[str, int] = {}
    recorded = pred.get("required_signoffs")
    if recorded is not None and not isinstance(recorded, dict):
        raise Rejected("signoffs", "the verdict's required_signoffs is malformed")
    for role, n in [*(recorded or {}).items(), *exp.require.items()]:
        if not isinstance(n, int) or isinstance(n, bool):
            raise Rejected("signoffs", f"the count for role {role!r} is not an integer")
        required[role] = max(required.get(role, 0), n)
    required = {r: n for r, n in required.items() if n > 0}
    # A reject vetoes whether or not any role is required: the approvals are read whenever given.
    t = signoff.tally(verdict_sha, exp.approvals, exp.roster) if exp.roster is not None else None
    if t is not None and t.rejects:
        raise Rejected("signoffs", f"rejected by {'; '.join(t.rejects)}")
    if not required:
        return {}
    wanted = ", ".join(f"{r}={n}" for r, n in sorted(required.items()))
    if t is None:
        raise Rejected("signoffs", f"sign-offs are required ({wanted}) but no --roster and --approvals were given")
    short = signoff.unmet(t, required)
    if short:
        note = f" (ignored: {'; '.join(t.ignored[:5])})" if t.ignored else ""
        raise Rejected("signoffs", f"{'; '.join(short)}{note}")
    return {r: tuple(sorted(t.approvals.get(r, ()))) for r in sorted(required)}
