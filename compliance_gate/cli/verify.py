"""`compliance-gate verify ENVELOPE --key PUB --commit SHA`: the deploy job's gate.

Exit 0 only for a valid, fresh, signed PASS of exactly this commit with its sign-offs; exit 4
naming the first failed condition otherwise; exit 2 for unusable arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

from compliance_gate.attest import signoff
from compliance_gate.attest.roster import ROLE, load_roster
from compliance_gate.attest.statement import file_subject
from compliance_gate.attest.verify import Expectations, verify_verdict
from compliance_gate.cli.command import Subparsers
from compliance_gate.errors import UsageError
from compliance_gate.signing import dsse, keys

COMMIT = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
AGE = re.compile(r"(\d+)([smhd]?)")
UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "verify",
        help="exit 0 only for a valid, fresh, signed PASS of this commit",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("envelope", help="the signed verdict (verdict.dsse.json)")
    p.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="PUB.pem",
        help="pinned public key (repeatable: any one of them may have signed)",
    )
    p.add_argument("--commit", required=True, metavar="SHA", help="full commit id being deployed")
    p.add_argument("--policy-digest", metavar="DIGEST", help="require this policy digest (sha256:...)")
    p.add_argument("--max-age", metavar="AGE", help="reject verdicts older than this (e.g. 90m, 12h, 2d)")
    p.add_argument(
        "--subject",
        action="append",
        default=[],
        metavar="FILE",
        help="require this artifact to be a subject of the verdict (repeatable)",
    )
    p.add_argument("--roster", metavar="ROSTER.yaml", help="who may sign off, with which roles")
    p.add_argument("--approvals", metavar="DIR", help="folder of sign-off files (*.json)")
    p.add_argument("--require", metavar="ROLE=N,...", help="sign-offs required on top of the verdict's own")


def execute(args: argparse.Namespace) -> int:
    if not COMMIT.fullmatch(args.commit):
        raise UsageError(f"--commit {args.commit[:80]!r}: give the full 40- or 64-hex commit id")
    if bool(args.roster) != bool(args.approvals):
        raise UsageError("--roster and --approvals go together")
    path = Path(args.envelope)
    data = dsse.read_file(path)
    exp = Expectations(
        keys=tuple(keys.load_public_file(k) for k in args.key),
        commit=args.commit,
        policy_digest=args.policy_digest,
        artifacts=tuple(file_subject(s) for s in args.subject),
        max_age=parse_age(args.max_age) if args.max_age else None,
        require=parse_require(args.require) if args.require else {},
        roster=load_roster(args.roster) if args.roster else None,
        approvals=tuple(signoff.read_approvals(args.approvals)) if args.approvals else (),
    )
    print(verify_verdict(data, exp, str(path)).summary())
    return 0


def parse_age(text: str) -> dt.timedelta:
    m = AGE.fullmatch(text.strip())
    if not m or int(m.group(1)) == 0:
        raise UsageError(f"--max-age {text[:40]!r}: expected a positive duration such as 90m, 12h or 2d")
    return dt.timedelta(seconds=int(m.group(1)) * UNIT[m.group(2)])


def parse_require(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        role, _, count = item.partition("=")
        if not ROLE.match(role) or not count.isdigit() or int(count) < 1:
            raise UsageError(f"--require {item[:40]!r}: expected role=N, e.g. compliance=1,legal=1")
        out[role] = max(out.get(role, 0), int(count))
    return out
