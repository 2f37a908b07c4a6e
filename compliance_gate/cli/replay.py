"""`compliance-gate replay`: the replay check as a standalone command for analysts.

Same pipeline and same results as the `replay` check; prints a short summary and writes the
full, deterministic JSON report (findings, counts, per-currency totals and bridges, inputs) to
`--out` or stdout. Exit 0 when nothing blocks, 1 when a finding at or above `--fail-on` exists,
3 when some input could not be evaluated.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from compliance_gate.checks.replay import engines
from compliance_gate.cli.command import Subparsers
from compliance_gate.engine import load_policy
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import Severity
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.report.results import evaluate


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "replay",
        help="replay recorded payment events and reconcile them with a report (and a settlement file)",
        description="Replay recorded payment events through the state machine (or a projector) and "
        "reconcile them with the reporting snapshot and, optionally, the settlement file.",
    )
    p.add_argument("--events", required=True, metavar="FILE", help="JSONL (.gz), CSV or kcat -J export")
    p.add_argument("--reported", required=True, metavar="FILE|URL", help="snapshot CSV/JSONL or SQLAlchemy URL")
    p.add_argument("--query", help="SQL for --reported URL (default SELECT * FROM payments)")
    p.add_argument("--settlement", metavar="FILE", help="settlement CSV for a three-way reconciliation")
    p.add_argument("--state-machine", metavar="FILE", help="state machine YAML (default: the built-in one)")
    p.add_argument("--projector", metavar="MOD:FUNC", help="the release's projection, imported from --root")
    p.add_argument("--as-of", help="the snapshot's cut-off (ISO 8601 with zone; default: last event)")
    p.add_argument("--grace-s", type=float, help="seconds before --as-of that count as in flight (default 900)")
    p.add_argument("--policy", metavar="FILE", help="take the other replay options from this policy's replay section")
    p.add_argument("--root", default=".", help="repository root for relative paths and the projector")
    p.add_argument("--fail-on", choices=[s.value for s in Severity], default="high")
    p.add_argument("--out", metavar="FILE", help="write the JSON report here instead of stdout")


def execute(args: argparse.Namespace) -> int:
    opts = _base_options(args)
    reported = (
        replace(opts.reported, path="", url=args.reported, query=args.query or opts.reported.query)
        if "://" in args.reported
        else replace(opts.reported, path=args.reported, url="")
    )
    if args.as_of:
        reported = replace(reported, as_of=args.as_of)
    opts = replace(
        opts,
        events=replace(opts.events, path=args.events),
        reported=reported,
        settlement=replace(opts.settlement, path=args.settlement) if args.settlement else opts.settlement,
        state_machine=args.state_machine or opts.state_machine,
        projector=args.projector or opts.projector,
        grace_s=args.grace_s if args.grace_s is not None else opts.grace_s,
    )
    result = evaluate(opts, Path(args.root).resolve(), Fingerprinter(), engines())
    report = {
        "findings": [
            {
                "rule": f.rule,
                "severity": str(f.severity),
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "fingerprint": f.fingerprint,
            }
            for f in result.findings
        ],
        "counts": dict(result.counts),
        "errors": list(result.errors),
        "metrics": dict(result.metrics),
        "inputs": [
            {"path": i.path, "sha256": i.sha256, "kind": i.kind, "rows": i.rows, "details": dict(i.details)}
            for i in result.inputs
        ],
    }
    text = json.dumps(report, indent=2, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    blocking = [f for f in result.findings if f.severity.at_least(Severity(args.fail_on))]
    print(
        f"replay: {result.counts.get('payments', 0)} payments, {len(result.findings)} findings "
        f"({len(blocking)} blocking), {len(result.errors)} errors",
        file=sys.stderr,
    )
    for err in result.errors[:10]:
        print(f"  error: {err}", file=sys.stderr)
    return 3 if result.errors else 1 if blocking else 0


def _base_options(args: argparse.Namespace) -> ReplayOptions:
    if not args.policy:
        return ReplayOptions()
    section = load_policy(args.policy).checks.get("replay")
    return section.options if section is not None and isinstance(section.options, ReplayOptions) else ReplayOptions()
