"""compliance-gate: a release gate for payment code.

The library is the product; the CLI, the GitHub Action and the pre-commit hook translate
arguments and exit codes. The API:

    from compliance_gate import load_policy, run
    verdict = run(load_policy("policies/default.yaml"), ".")
    verdict.verdict  # Outcome.PASS / FAIL / ERROR

`run` and `load_policy` are `compliance_gate.engine.run` and `compliance_gate.engine.load_policy`
(bound to the registry's checks); `compliance_gate.engine.open_session` runs single engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compliance_gate.version import __version__

if TYPE_CHECKING:  # what type checkers see; at run time `__getattr__` below imports them
    from compliance_gate.engine import load_policy, run

__all__ = ["__version__", "load_policy", "run"]


def __getattr__(name: str) -> object:
    if name in ("run", "load_policy"):
        # A payment service importing `compliance_gate.audit`, and every worker process, import
        # this package first and need none of what the engine brings along.
        # deferred: structlog (and rich, PyYAML, jsonschema and the checks' engines)
        from compliance_gate import engine

        return getattr(engine, name)
    raise AttributeError(name)
