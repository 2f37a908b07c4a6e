"""`compliance-gate baseline`: write a detect-secrets baseline of the current secrets findings.

The file is in the engine's format (hashed secrets, no plaintext), so `detect-secrets audit` can
label its entries; audits already in an existing baseline are kept for the entries still found.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compliance_gate.checks import secrets as secrets_check
from compliance_gate.cli.command import Subparsers, positive_int
from compliance_gate.cli.run import resolve_policy
from compliance_gate.engine import RunOptions, open_session
from compliance_gate.errors import UsageError
from compliance_gate.secrets import adopt


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("baseline", help="write a detect-secrets baseline of the current secrets findings")
    p.add_argument("path", nargs="?", default=".", help="repository to scan (default: .)")
    p.add_argument("--policy", help="policy file or bundled name (as for `run`)")
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="where to write (default: the policy's checks.secrets.baseline, else .secrets.baseline)",
    )
    p.add_argument("--slim", action="store_true", help="no line numbers or timestamp (diff-friendly)")
    p.add_argument("--jobs", type=positive_int, help="worker processes, 1 or more (default: one per core)")


def execute(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a directory; pass the repository to scan")
    policy = resolve_policy(args.policy, root)
    with open_session(policy, root, RunOptions(jobs=args.jobs)) as session:
        ctx = session.context(secrets_check.CHECK.id)
        findings, errors = secrets_check.current_findings(ctx)
    target = adopt.baseline_path(ctx.options, root, Path(args.output) if args.output else None)
    count = adopt.write_baseline(findings, errors, ctx.options, target, args.slim)
    print(f"wrote {count} entr{'y' if count == 1 else 'ies'} to {target} (audit them with `detect-secrets audit`)")
    return 0
