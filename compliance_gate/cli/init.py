"""`compliance-gate init`: write a commented starter policy into a repository."""

from __future__ import annotations

import argparse
from pathlib import Path

from compliance_gate.cli.command import Subparsers
from compliance_gate.cli.run import DEFAULT_POLICY_IN_REPO
from compliance_gate.engine import load_policy
from compliance_gate.errors import UsageError
from compliance_gate.policy import builtin_policy_path

SCHEMA_COMMENT_PREFIX = "# yaml-language-server: $schema="


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("init", help="write a starter policy to PATH/policies/compliance-gate.yaml")
    p.add_argument("path", nargs="?", default=".")
    p.add_argument("--from", dest="template", default="default", help="bundled policy to start from (default, pci-dss)")
    p.add_argument("--force", action="store_true", help="overwrite an existing policy")


def execute(args: argparse.Namespace) -> int:
    source = builtin_policy_path(args.template)
    if not source.is_file():
        raise UsageError(f"--from {args.template}: no bundled policy of that name")
    target = Path(args.path) / DEFAULT_POLICY_IN_REPO
    if target.exists() and not args.force:
        raise UsageError(f"{target}: exists; pass --force to overwrite")
    text = source.read_text(encoding="utf-8")
    # The bundled file points at the schema beside it; in the user's repo, point at ours by URL-less
    # relative path only if they vendor it, so drop the line rather than leave a dangling reference.
    lines = [line for line in text.splitlines() if not line.startswith(SCHEMA_COMMENT_PREFIX)]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_policy(target)  # what we write must load
    print(f"wrote {target} (from the bundled {args.template} policy); review it, then commit it")
    return 0
