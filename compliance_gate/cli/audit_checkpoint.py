"""`compliance-gate audit-checkpoint LOG... --key PRIV.pem --out FILE`: sign the heads of audit logs.

Verifies each stream's chain first (every link, and the HMAC when `--chain-key-env` names the
chain key): a checkpoint must never bless a log that is already broken. Then writes a DSSE
envelope pinning `{stream, seq, hash}` of every stream's last record. Keep the file (and the
private key) away from whoever writes the log; the `audit-log` check verifies it with the pinned
public key (`checks.audit-log.checkpoint_keys`).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from compliance_gate.auditlog.canonical import HMAC_SHA256, SHA256
from compliance_gate.auditlog.checkpoints import Head, sign_checkpoint
from compliance_gate.auditlog.keys import KeyProblem, load_key
from compliance_gate.auditlog.parallel import default_workers
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.cli.command import Subparsers
from compliance_gate.errors import InputError, UsageError
from compliance_gate.signing.keys import load_private_file


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "audit-checkpoint",
        help="sign the current heads of audit logs (detects later truncation or re-sealing)",
        description="Verify the hash chains of the given audit logs and write a signed checkpoint "
        "{stream, seq, hash} per stream (a DSSE envelope) to --out.",
    )
    p.add_argument("logs", nargs="+", metavar="LOG", help="audit log files (JSONL, plain or .gz), in order")
    p.add_argument(
        "--key",
        required=True,
        metavar="PRIV.pem",
        help="private signing key (ECDSA P-256 or Ed25519; `compliance-gate keygen`)",
    )
    p.add_argument("--passphrase-env", metavar="VAR", help="environment variable with the key's passphrase")
    p.add_argument(
        "--chain-key-env",
        metavar="VAR",
        help="environment variable with the HMAC key of a keyed chain (verified before signing)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the checkpoint envelope")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")


def execute(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise UsageError(f"{out}: already exists; pass --force to replace it")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: the folder {out.parent} does not exist; create it first")
    passphrase = None
    if args.passphrase_env:
        passphrase = os.environ.get(args.passphrase_env, "").encode() or None
    key = load_private_file(args.key, passphrase)
    chain_key = None
    if args.chain_key_env:
        try:
            chain_key = load_key(args.chain_key_env)
        except KeyProblem as exc:
            raise UsageError(str(exc)) from None
        if chain_key is None:
            raise UsageError(f"--chain-key-env: ${args.chain_key_env} is not set")
    files = []
    for name in args.logs:
        if not Path(name).is_file():
            raise UsageError(f"{name}: no such audit log")
        files.append((name, Path(name)))
    config = VerifyConfig(
        key=chain_key,
        require_keyed=chain_key is not None,
        pii_options=None,
        secrets=False,
        require_start_stop=False,
        one_stream_per_file=False,
        workers=default_workers(),
    )
    try:
        report = verify_logs(files, config)
    except OSError as exc:
        raise InputError(f"cannot read audit log: {exc}") from None
    broken = [p for p in report.problems if p.rule.startswith("CG-AUDIT-")]
    if broken:
        first = broken[0]
        raise InputError(
            f"{first.path}:{first.line} {first.rule}: {first.message} "
            f"({len(broken)} problem(s)); refusing to checkpoint a broken log"
        )
    alg = HMAC_SHA256 if chain_key else SHA256
    heads = [
        Head(name, v.last.seq, v.last.stored, alg) for name, v in sorted(report.streams.items()) if v.last is not None
    ]
    if not heads:
        raise InputError("no chained audit records found; nothing to checkpoint")
    try:
        out.write_bytes(sign_checkpoint(heads, key, ", ".join(args.logs)))
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write the checkpoint ({exc.strerror})") from None
    for h in heads:
        print(f"{h.stream}: seq {h.seq} hash {h.hash[:16]}...")
    print(f"checkpoint {out} signed by key {key.keyid[:16]}")
    return 0
