"""`compliance-gate policy check FILE`: validate a policy and print its digest."""

from __future__ import annotations

import argparse

from compliance_gate.cli.command import Subparsers
from compliance_gate.engine import load_policy


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("policy", help="work with policy files")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a policy file; exit 2 with every problem listed")
    check.add_argument("file")


def execute(args: argparse.Namespace) -> int:
    policy = load_policy(args.file)
    enabled = [c for c, s in policy.checks.items() if s.enabled]
    print(f"{args.file}: valid; digest {policy.digest}; checks: {', '.join(enabled) or 'none'}")
    if policy.legacy_digest:
        print(f"  (a pin of its digest before RFC 8785, {policy.legacy_digest}, still verifies)")
    return 0
