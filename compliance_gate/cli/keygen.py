"""`compliance-gate keygen --out PREFIX`: a signing key pair for verdicts or sign-offs."""

from __future__ import annotations

import argparse
import os

from compliance_gate.cli.command import Subparsers
from compliance_gate.errors import UsageError
from compliance_gate.signing import keys


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "keygen",
        help="write a key pair: PREFIX.key (private, mode 0600) and PREFIX.pub",
        description="Write PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM) and print "
        "the key id. Pin PREFIX.pub in the deploy job (`verify --key`) or the sign-off roster.",
    )
    p.add_argument("--out", required=True, metavar="PREFIX", help="path prefix of the two files")
    p.add_argument(
        "--algorithm",
        choices=keys.ALGORITHMS,
        default=keys.ECDSA_P256,
        help="ecdsa-p256 (default; verifiable by cosign and securesystemslib) or ed25519",
    )
    p.add_argument(
        "--passphrase-env",
        metavar="VAR",
        help="encrypt the private key with the passphrase in this environment variable",
    )


def execute(args: argparse.Namespace) -> int:
    passphrase: bytes | None = None
    if args.passphrase_env:
        passphrase = os.environ.get(args.passphrase_env, "").encode() or None
        if passphrase is None:
            raise UsageError(f"--passphrase-env {args.passphrase_env}: the variable is empty or unset")
    key = keys.generate(args.algorithm)
    priv, pub = keys.write_keypair(key, args.out, passphrase)
    print(f"keyid {key.keyid}")
    print(f"private key {priv} ({key.algorithm}{', encrypted' if passphrase else ''}; keep it secret)")
    print(f"public key  {pub}")
    return 0
