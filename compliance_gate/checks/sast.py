"""sast: static analysis of Python code with bandit, plus the gate's payment rules.

Runs bandit (1.7.6 to 1.9.x; its plugins and blacklists) and our payment rules B901-B907 (real bandit
plugins: money in float, `round()` on money, card data in logs or exceptions, `random` for
tokens, `==` on secrets, webhooks without signature checks, TLS verification off) over the
workspace's `*.py` and `*.pyw` files. For the same files and test selection the findings (file,
line, test id) are exactly those of `bandit -r`; the work is spread over worker processes and
unchanged files are answered from the content-hash cache.

Policy (`checks.sast`, all optional):

    checks:
      sast:
        fail_on: high              # findings at or above this severity block
        min_severity: low          # report floor: low | medium | high (bandit's -l)
        min_confidence: medium     # report floor: low | medium | high (bandit's -i)
        tests: []                  # only these test ids (bandit -t); empty = all
        skips: [B311]              # never these (bandit -s)
        per_path:                  # per-path test rules, applied after the scan
          - paths: ["tests/**", "**/test_*.py", "**/conftest.py"]
            skips: [B101]          # assert is how pytest works
        nosec: require-reason      # honour | refuse | require-reason

`# nosec` (bandit's syntax: `# nosec`, `# nosec B602`, `# nosec B602, B607`) is honoured by
default; `refuse` reports covered findings anyway; `require-reason` honours a comment only when it
says why, after ` -- ` or a second `#`: `# nosec B602 -- fixed command, no user input`. Honoured
suppressions appear as waived findings (`by: nosec`); every suppression used or refused is
counted (`nosec_suppressed`, `nosec_refused`, `nosec_missing_reason`).

A file bandit cannot parse (newer syntax than the gate's Python, a Python 2 file) is a
`CG-SAST-UNPARSED` finding naming the file, the line and the parser's reason (medium: reported,
blocking under pci-dss, where `fail_on` is medium), not an error of the whole run: run the gate
on the Python version the repository targets (`python-version` in the Action) so that every file
is analysed. A file on which one of bandit's tests crashes is an error of the check, naming file
and line: the verdict cannot pass until it is fixed or excluded.

Findings carry the test id as rule, bandit's severity, confidence and CWE, the line and column,
and a fingerprint of the normalised flagged lines; never a code snippet, and bandit's
hardcoded-password messages have the password replaced. The README's rule table gives every
payment rule's severity, confidence and reasoning; the policy's path tiers rate them per tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from compliance_gate.checks.interface import Check, CheckContext, CheckHelp, RuleCatalog
from compliance_gate.model import CheckOutput, Severity
from compliance_gate.sast import policy, scanner
from compliance_gate.sast.options import PathRule, SastOptions
from compliance_gate.scanning.cache import code_version

PYTHON_SUFFIXES = (".py", ".pyw")
"""bandit's own default include globs (`*.py`, `*.pyw`)."""

__all__ = ["CHECK", "PathRule", "SastOptions", "engines", "run"]


def engines() -> Mapping[str, str]:
    """bandit's version, and a version of our rules and glue that changes whenever their code does."""
    rules = code_version(Path(__file__).resolve().parent.parent / "sast")
    return {"bandit": metadata.version("bandit"), "payment-rules": f"1+{rules}"}


RULES: RuleCatalog = {
    "B901": Severity.MEDIUM,
    "B902": Severity.MEDIUM,
    "B903": Severity.HIGH,
    "B904": Severity.HIGH,
    "B905": None,
    "B906": Severity.HIGH,
    "B907": None,
    scanner.UNPARSED: Severity.MEDIUM,
}
"""The gate's own rules (B905: HIGH on a signature or MAC, MEDIUM on a token; B907: HIGH unless it
is an opt-out; B901: HIGH where money is held in a float); bandit's own tests report their own
severity per finding (see the README's table)."""


def rule_catalog() -> RuleCatalog:
    return {**RULES, "bandit (B1xx-B7xx)": None}


def run(ctx: CheckContext[SastOptions]) -> CheckOutput:
    files = [f for f in ctx.files if f.path.endswith(PYTHON_SUFFIXES)]
    versions = engines()  # hashes the rules' source files: once per run
    # The module, not the function, is imported above: a worker unpickling `scanner.scan_batch`
    # imports the checks registry, which imports this module again (a cycle by name).
    outcomes = ctx.scan_files(scanner.scan_batch, files, ctx.options, engines=versions)
    return replace(policy.apply_policy(outcomes, ctx.options), engines=versions)


CHECK: Check[SastOptions] = Check(
    id="sast",
    summary="bandit and payment rules (money in float, card data logged, weak tokens, TLS off...)",
    run=run,
    options=SastOptions,
    engines=engines,
    default_fail_on=Severity.HIGH,
    line_scoped=True,
    rules=rule_catalog,
    rule_family=r"B\d{3}",
    help=CheckHelp(
        "A dangerous code pattern found by static analysis (bandit and the gate's payment rules).",
        "Fix the code as the rule's documentation says, or mark a reviewed false positive with "
        "`# nosec <rule>` where the policy allows it.",
    ),
)
