"""compliance-gate: a release gate for payment code.

The library is the product; the CLI, the GitHub Action and the pre-commit hook translate
arguments and exit codes. The API:

    from compliance_gate import load_policy, run
    verdict = run(load_policy("policies/default.yaml"), ".")
    verdict.verdict  # Outcome.PASS / FAIL / ERROR
"""

from __future__ import annotations

__version__ = "0.1.0"

from compliance_gate.engine import run
from compliance_gate.policy import load_policy

__all__ = ["__version__", "load_policy", "run"]
