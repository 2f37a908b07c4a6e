"""`compliance-gate baseline`: write a detect-secrets baseline of the current secrets findings.

The file is in the engine's format (hashed secrets, no plaintext), so `detect-secrets audit` can
label its entries; audits already in an existing baseline are kept for the entries still found.
With `--check deps`, the advisories the deps check finds today go to its baseline instead
(`checks.deps.baseline`, default `.deps-baseline.json`; see `compliance_gate/deps/baseline.py`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from compliance_gate.checks import deps as deps_check
from compliance_gate.checks import secrets as secrets_check
from compliance_gate.cli.command import Subparsers, positive_int
from compliance_gate.cli.run import resolve_policy
from compliance_gate.deps.baseline import DEFAULT_PATH, render_baseline
from compliance_gate.engine import RunOptions, Session, open_session
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
    p.add_argument("--check", choices=["secrets", "deps"], default="secrets", help="whose baseline (default: secrets)")


def execute(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a directory; pass the repository to scan")
    policy = resolve_policy(args.policy, root)
    if args.check == "deps":
        with open_session(policy, root, RunOptions(jobs=args.jobs)) as session:
            return _deps_baseline(session, root, args.output)
    with open_session(policy, root, RunOptions(jobs=args.jobs)) as session:
        ctx = session.context(secrets_check.CHECK.id)
        findings, errors = secrets_check.current_findings(ctx)
    target = adopt.baseline_path(ctx.options, root, Path(args.output) if args.output else None)
    count = adopt.write_baseline(findings, errors, ctx.options, target, args.slim)
    print(f"wrote {count} entr{'y' if count == 1 else 'ies'} to {target} (audit them with `detect-secrets audit`)")
    return 0


def _deps_baseline(session: Session, root: Path, output: str | None) -> int:
    """Every advisory the deps check finds today, written as its baseline; refused when the check
    could not evaluate (a partial baseline would hide nothing it missed, and block later)."""
    ctx = session.context(deps_check.CHECK.id)
    found = deps_check.audit_repository(ctx, use_baseline=False)
    if found.errors or found.skipped:
        reason = found.errors[0] if found.errors else found.skipped
        raise UsageError(f"cannot write a deps baseline: {reason}")
    entries = deps_check.baseline_entries(found.findings)
    target = Path(output) if output else root / (ctx.options.baseline or DEFAULT_PATH)
    try:
        target.write_text(render_baseline(entries, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())), "utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the baseline ({exc.strerror})") from None
    print(f"wrote {len(entries)} accepted advisor{'y' if len(entries) == 1 else 'ies'} to {target}; commit it")
    return 0
