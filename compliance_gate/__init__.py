"""compliance-gate: a release gate for payment code.

The library is the product; the CLI, the GitHub Action and the pre-commit hook translate
arguments and exit codes. The API:

    from compliance_gate import load_policy, run
    verdict = run(load_policy("policies/default.yaml"), ".")
    verdict.verdict  # Outcome.PASS / FAIL / ERROR
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "load_policy", "run"]


def __getattr__(name: str) -> Any:
    # Imported on first use so that `compliance_gate.model` and friends stay light to import.
    if name == "run":
        from compliance_gate.engine import run

        return run
    if name == "load_policy":
        from compliance_gate.policy import load_policy

        return load_policy
    raise AttributeError(name)
