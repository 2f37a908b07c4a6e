"""`compliance-gate replay`: the replay check as a standalone command for analysts.

Same pipeline and same results as the `replay` check; prints a short summary and writes the
full, deterministic JSON report (every finding, counts, per-currency totals and bridges, inputs)
to `--out` or stdout. `--preset stripe|adyen|debezium` reads a provider's own recordings with no
other configuration; `--policy` takes the other options from a policy's replay section (flags
win). Exit 0 when nothing blocks, 1 when a finding at or above `--fail-on` exists, 2 for bad
usage (an unknown preset, a folder for `--out` that does not exist), 3 when some input could
not be evaluated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import BinaryIO

import orjson

from compliance_gate import yamlmap
from compliance_gate.checks.replay import engines
from compliance_gate.cli.command import Subparsers
from compliance_gate.engine import load_policy
from compliance_gate.errors import UsageError
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, Finding, Severity
from compliance_gate.policy import COMMON_CHECK_KEYS
from compliance_gate.replay import presets
from compliance_gate.replay.report.results import evaluate

SHOWN = 10


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "replay",
        help="replay recorded payment events and reconcile them with a report (and a settlement file)",
        description="Replay recorded payment events through the state machine (or a projector) and "
        "reconcile them with the reporting snapshot and, optionally, the settlement file.",
    )
    p.add_argument("--preset", choices=presets.PRESETS, help="read a provider's own recordings and reports")
    p.add_argument("--events", required=True, metavar="FILE", help="JSONL (.gz), CSV or kcat -J export")
    p.add_argument("--reported", required=True, metavar="FILE|URL", help="snapshot CSV/JSONL or SQLAlchemy URL")
    p.add_argument("--query", help="SQL for --reported URL (default SELECT * FROM payments)")
    p.add_argument("--settlement", metavar="FILE", help="settlement CSV for a three-way reconciliation")
    p.add_argument("--state-machine", metavar="FILE", help="state machine YAML (default: the preset's or built-in)")
    p.add_argument("--projector", metavar="MOD:FUNC", help="the release's projection, imported from --root")
    p.add_argument(
        "--as-of", help="the snapshot's cut-off (ISO 8601 with zone, column:NAME or file; default: the last event)"
    )
    p.add_argument("--grace-s", type=float, help="seconds before --as-of that count as in flight (default 900)")
    p.add_argument("--policy", metavar="FILE", help="take the other replay options from this policy's replay section")
    p.add_argument("--root", default=".", help="repository root for relative paths and the projector")
    p.add_argument("--fail-on", choices=[s.value for s in Severity], default="high")
    p.add_argument("--out", metavar="FILE", help="write the JSON report here instead of stdout")


def execute(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else None
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: the folder {out.parent} does not exist")
    section = _section(args)
    opts = presets.build(section)
    result = evaluate(opts, Path(args.root).resolve(), Fingerprinter(), engines())
    try:
        if out is not None:
            with open(out, "wb") as fh:
                write_report(result, fh)
        else:
            write_report(result, sys.stdout.buffer)
            sys.stdout.flush()
    except OSError as exc:
        raise UsageError(f"--out {args.out or '-'}: cannot write ({exc.strerror})") from None
    blocking = [f for f in result.findings if f.severity.at_least(Severity(args.fail_on))]
    _summary(result, len(blocking))
    return 3 if result.errors else 1 if blocking else 0


def _section(args: argparse.Namespace) -> dict[str, object]:
    """The replay section: the policy's (if any), then the flags over it."""
    section: dict[str, object] = {}
    if args.policy:
        load_policy(args.policy)  # validates, with file:line errors
        data, _ = yamlmap.load(Path(args.policy).read_text(encoding="utf-8"))
        raw = ((data or {}).get("checks") or {}).get("replay") or {}
        section = {k: v for k, v in raw.items() if k not in COMMON_CHECK_KEYS}
    if args.preset:
        section["preset"] = args.preset

    def sub(key: str) -> dict[str, object]:
        value = section.get(key)
        table = dict(value) if isinstance(value, dict) else {}
        section[key] = table
        return table

    sub("events")["path"] = args.events
    reported = sub("reported")
    if "://" in args.reported:
        reported.update(url=args.reported, path="", query=args.query or reported.get("query", ""))
    else:
        reported.update(path=args.reported, url="")
    if args.as_of:
        reported["as_of"] = args.as_of
    if args.settlement:
        sub("settlement")["path"] = args.settlement
    if args.state_machine:
        section["state_machine"] = args.state_machine
    if args.projector:
        section["projector"] = args.projector
    if args.grace_s is not None:
        section["grace_s"] = args.grace_s
    return section


def write_report(result: CheckOutput, fh: BinaryIO) -> None:
    """The JSON report, exactly `orjson.dumps(report, option=INDENT_2 | SORT_KEYS)` plus a newline,
    written a finding at a time: a broken release has 100,000s of findings, and the whole
    document as one string would double the command's peak memory."""
    parts: dict[str, object] = {
        "counts": dict(result.counts),
        "errors": list(result.errors),
        "findings": None,  # streamed below
        "inputs": [
            {"path": i.path, "sha256": i.sha256, "kind": i.kind, "rows": i.rows, "details": dict(i.details)}
            for i in result.inputs
        ],
        "metrics": dict(result.metrics),
    }
    fh.write(b"{")
    for k, (key, value) in enumerate(sorted(parts.items())):
        fh.write(b"," if k else b"")
        fh.write(b"\n  " + orjson.dumps(key) + b": ")
        if key != "findings":
            fh.write(_dump(value, b"\n  "))
        elif not result.findings:
            fh.write(b"[]")
        else:
            fh.write(b"[")
            for n, f in enumerate(result.findings):
                fh.write(b",\n    " if n else b"\n    ")
                fh.write(_dump(_finding(f), b"\n    "))
            fh.write(b"\n  ]")
    fh.write(b"\n}\n")


def _dump(value: object, indent: bytes) -> bytes:
    # a JSON string never holds a raw newline, so every newline is orjson's own indentation
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).replace(b"\n", indent)


def _finding(f: Finding) -> dict[str, object]:
    return {
        "rule": f.rule,
        "severity": str(f.severity),
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "fingerprint": f.fingerprint,
        "properties": f.properties if isinstance(f.properties, dict) else dict(f.properties),
    }


def _summary(result: CheckOutput, blocking: int) -> None:
    """A few lines for the terminal; the report file has everything."""
    metrics = result.metrics
    in_flight = metrics.get("in_flight")
    excused = sum(v for v in in_flight.values() if isinstance(v, int)) if isinstance(in_flight, dict) else 0
    print(
        f"replay: {result.counts.get('payments', 0)} payments, {len(result.findings)} findings "
        f"({blocking} blocking), {len(result.errors)} errors",
        file=sys.stderr,
    )
    print(
        f"  as of {metrics.get('as_of')} ({metrics.get('as_of_source')}); {excused} payments with differences "
        f"were in flight (after {metrics.get('in_flight_after')}) and not counted as breaks",
        file=sys.stderr,
    )
    for f in result.findings[:SHOWN]:
        print(f"  {f.severity} {f.rule}: {f.message}", file=sys.stderr)
    if len(result.findings) > SHOWN:
        print(f"  ... and {len(result.findings) - SHOWN} more in the report", file=sys.stderr)
    for err in result.errors[:SHOWN]:
        print(f"  error: {err}", file=sys.stderr)
    if len(result.errors) > SHOWN:
        print(f"  ... and {len(result.errors) - SHOWN} more errors in the report", file=sys.stderr)
