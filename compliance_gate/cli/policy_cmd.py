"""`compliance-gate policy check FILE`: validate a policy and print its digest.

`compliance-gate policy explain [FILE|NAME]`: the policy's path tiers (in order, with their globs)
and, per enabled check, the severity of each of its rules in each tier, marked `*` where it blocks
(at or above the check's `fail_on`). A rule rated per finding by its engine shows `engine`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from compliance_gate.cli.command import Subparsers
from compliance_gate.cli.run import resolve_policy
from compliance_gate.engine import load_policy
from compliance_gate.model import Severity
from compliance_gate.policy import ANY_RULE, PRODUCTION, CheckPolicy, Policy
from compliance_gate.registry import REGISTRY


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("policy", help="work with policy files")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a policy file; exit 2 with every problem listed")
    check.add_argument("file")
    explain = actions.add_parser("explain", help="print every rule's severity in every path tier")
    explain.add_argument("file", nargs="?", help="policy file or bundled name (default: as `run` picks it in .)")


def execute(args: argparse.Namespace) -> int:
    if args.action == "explain":
        return _explain(resolve_policy(args.file, Path(".")))
    policy = load_policy(args.file)
    enabled = [c for c, s in policy.checks.items() if s.enabled]
    print(f"{args.file}: valid; digest {policy.digest}; checks: {', '.join(enabled) or 'none'}")
    if policy.legacy_digest:
        print(f"  (a pin of its digest before RFC 8785, {policy.legacy_digest}, still verifies)")
    return 0


def _explain(policy: Policy) -> int:
    print(f"policy {policy.path} (digest {policy.digest[:19]}...)")
    print("path tiers, first match wins:")
    for declared in policy.tiers:
        print(f"  {declared.name}: {', '.join(declared.paths)}")
    print(f"  {PRODUCTION}: every other path")
    names = policy.tier_names()
    for check_id, section in policy.checks.items():
        if not section.enabled or check_id not in REGISTRY:
            continue
        catalog = REGISTRY[check_id].rules()
        if not catalog:
            continue
        print(f"\n{check_id} (fail_on {section.fail_on.value}; * blocks)")
        width = max(len(r) for r in catalog)
        print(f"  {'rule':<{width}}  " + "  ".join(f"{n:<11}" for n in names))
        for rule, reported in catalog.items():
            cells = []
            for tier in names:
                if reported is None and not _rated(section, rule, tier):
                    cells.append("engine")
                    continue
                severity = section.severity_in((rule,), tier, reported or Severity.INFO)
                mark = "*" if severity.at_least(section.fail_on) else ""
                cells.append(f"{severity.value}{mark}")
            print(f"  {rule:<{width}}  " + "  ".join(f"{c:<11}" for c in cells))
    return 0


def _rated(section: CheckPolicy, rule: str, tier: str) -> bool:
    """Does the policy itself rate `rule` in `tier` (a tier table or a severity override)?"""
    table = section.tiers.get(tier) or {}
    return rule in table or ANY_RULE in table or rule in section.severity
