"""`compliance-gate sign-off ENVELOPE --key PRIV --as ID --role ROLE --out FILE`: approve or reject."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from compliance_gate.attest import signoff
from compliance_gate.attest.seal import PASSPHRASE_ENV, key_passphrase
from compliance_gate.attest.statement import PAYLOAD_TYPE, VERDICT_PREDICATE, parse_statement
from compliance_gate.cli.command import Subparsers
from compliance_gate.errors import UsageError
from compliance_gate.signing import dsse, keys


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "sign-off",
        help="sign an approval (or --reject) of a signed verdict",
        description="Writes a DSSE-signed approval bound to the verdict payload's sha256. The "
        f"verifier takes your roles from its own roster. Passphrase: ${PASSPHRASE_ENV}.",
    )
    p.add_argument("envelope", help="the signed verdict (verdict.dsse.json)")
    p.add_argument("--key", required=True, metavar="PRIV.pem", help="your private key")
    p.add_argument("--as", dest="signer", required=True, metavar="ID", help="your id in the roster")
    p.add_argument("--role", required=True, help="the role you sign in (e.g. compliance)")
    p.add_argument("--reject", action="store_true", help="reject instead of approve (a veto)")
    p.add_argument("--comment", default="", help="a short note kept in the approval")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the approval")
    p.add_argument(
        "--verdict-key", metavar="PUB.pem", help="check the verdict's signature with this key before signing off"
    )


def execute(args: argparse.Namespace) -> int:
    path = Path(args.envelope)
    envelope = dsse.parse_envelope(dsse.read_file(path), str(path))
    if args.verdict_key:
        dsse.verify_envelope(envelope, [keys.load_public_file(args.verdict_key)])
    if envelope.payload_type != PAYLOAD_TYPE:
        raise UsageError(f"{path}: not an in-toto envelope (payloadType {envelope.payload_type[:60]!r})")
    predicate = parse_statement(envelope.payload, VERDICT_PREDICATE).predicate
    key = keys.load_private_file(args.key, key_passphrase(os.environ))
    decision = "reject" if args.reject else "approve"
    approval = signoff.make_approval(
        envelope, predicate, key, signer=args.signer, role=args.role, decision=decision, comment=args.comment
    )
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(approval.to_json())
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the approval ({exc.strerror})") from None
    source = predicate.get("source")
    commit = source.get("commit") if isinstance(source, dict) else None
    print(
        f"{decision.rstrip('e')}ed verdict {signoff.payload_digest(envelope)[:16]} "
        f"({predicate.get('verdict')} for commit {str(commit or '?')[:12]}) as {args.signer}/{args.role} -> {out}"
    )
    return 0
