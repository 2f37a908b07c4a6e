"""`compliance-gate baseline`: write a detect-secrets baseline of the current secrets findings.

The file is in the engine's format (hashed secrets, no plaintext), so `detect-secrets audit` can
label its entries; audits already in an existing baseline are kept for the entries still found.
With `--check deps`, the advisories the deps check finds today go to its baseline instead
(`checks.deps.baseline`, default `.deps-baseline.json`; see `compliance_gate/deps/baseline.py`).

With `--check pii`, `sast` or `all`, the findings those checks report today (`all`: every enabled
check that reports on lines of files: pii, secrets, sast) are recorded by keyed fingerprint in the
gate's baseline (`baseline.path`, default `.compliance-gate-baseline.json`; see
`compliance_gate/baseline.py`), keeping the entries it holds for other checks; `all` also writes the
deps baseline when the deps check is enabled and the repository has a manifest. Rules the policy
lists in `baseline.never_hides` (live-shaped credentials) are never recorded.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from compliance_gate import bundled
from compliance_gate.checks import deps as deps_check
from compliance_gate.checks import secrets as secrets_check
from compliance_gate.cli.command import Subparsers, positive_int
from compliance_gate.cli.run import resolve_policy
from compliance_gate.deps.baseline import DEFAULT_PATH, render_baseline
from compliance_gate.engine import RunOptions, Session, line_scoped_checks, open_session, record_baseline
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
    p.add_argument(
        "--check",
        choices=["secrets", "deps", "pii", "sast", "all"],
        default="secrets",
        help="whose baseline: secrets (detect-secrets format), deps, or the gate's baseline of pii, sast or "
        "all (every line-scoped check, plus deps) (default: secrets)",
    )


def execute(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a directory; pass the repository to scan")
    policy = resolve_policy(args.policy, root)
    if args.check == "deps":
        with open_session(policy, root, RunOptions(jobs=args.jobs)) as session:
            return _deps_baseline(session, root, args.output)
    if args.check in ("pii", "sast", "all"):
        with open_session(policy, root, RunOptions(jobs=args.jobs)) as session:
            return _gate_baseline(session, root, args.check, args.output)
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


def _gate_baseline(session: Session, root: Path, which: str, output: str | None) -> int:
    """The gate's baseline of what `which` (a check, or `all`) finds today."""
    checks = line_scoped_checks(session.policy) if which == "all" else (which,)
    text, recorded, left_out = record_baseline(session, checks)
    target = Path(output) if output else bundled.resolve(session.policy.baseline.path, root)
    try:
        target.write_text(text, "utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the baseline ({exc.strerror})") from None
    per_check = ", ".join(f"{c} {len(f)}" for c, f in recorded.items())
    print(f"wrote {sum(len(f) for f in recorded.values())} findings ({per_check}) to {target}; commit it")
    if left_out:
        print(f"{left_out} live-shaped credential finding(s) not recorded (baseline.never_hides): rotate them")
    deps = session.policy.checks.get(deps_check.CHECK.id)
    if which == "all" and deps is not None and deps.enabled:
        try:
            return _deps_baseline(session, root, None)
        except UsageError as exc:
            print(f"deps baseline not written: {exc}")
    return 0
