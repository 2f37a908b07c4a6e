"""The command line: `main(argv) -> int`, thin over the library.

Subcommands are modules with `add_parser(subparsers)` and `execute(args) -> int`, listed in the
literal `COMMANDS` dict. Exceptions become exit codes here and only here:

    0 pass · 1 policy failed · 2 bad usage or invalid input · 3 could not evaluate / internal
    error · 4 verification failed
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from compliance_gate.cli import (
    audit_checkpoint,
    baseline,
    init,
    keygen,
    policy_cmd,
    replay,
    report,
    run,
    signoff,
    verify,
)
from compliance_gate.cli.command import Command
from compliance_gate.errors import GateError
from compliance_gate.logs import configure_logging
from compliance_gate.redact import mask_label, scrub
from compliance_gate.version import __version__

COMMANDS: dict[str, Command] = {
    "run": run,
    "init": init,
    "policy": policy_cmd,
    "report": report,
    "verify": verify,
    "sign-off": signoff,
    "keygen": keygen,
    "audit-checkpoint": audit_checkpoint,
    "replay": replay,
    "baseline": baseline,
}

EXIT_INTERNAL = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="compliance-gate",
        description="Release gate for payment code: PII, secrets, SAST, audit logs, replay reconciliation.",
    )
    parser.add_argument("--version", action="version", version=f"compliance-gate {__version__}")
    parser.add_argument(
        "--log-format",
        choices=("console", "json"),
        default="console",
        help="format of the gate's own log lines on stderr (json for CI)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    configure_logging(args.log_format, args.verbose)
    try:
        return int(COMMANDS[args.command].execute(args))
    except GateError as exc:
        print(f"compliance-gate: {mask_label(exc.diagnostics())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("compliance-gate: interrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # the last line of defence: one line, never a traceback, never a pass
        print(
            f"compliance-gate: internal error: {type(exc).__name__}: {scrub(mask_label(str(exc)))} "
            "(re-run with --verbose --log-format json and report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def run_main() -> None:
    sys.exit(main())
