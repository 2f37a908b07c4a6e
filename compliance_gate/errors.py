"""Exceptions, each carrying the exit code the CLI maps it to (in one place: `cli.main`).

An exception means "could not evaluate": it never becomes a PASS. A failed policy is not an
exception; it is a `Verdict` with `FAIL`.
"""

from __future__ import annotations


class GateError(Exception):
    """Base class. `str(err)` is one line naming the file, line or key and what to do."""

    exit_code = 3

    def diagnostics(self) -> str:
        return str(self)


class UsageError(GateError):
    """Bad arguments or an input that cannot be used (missing file, unknown check...)."""

    exit_code = 2


class PolicyError(UsageError):
    """The policy file is malformed, has an unknown key or a bad value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} policy errors")

    def diagnostics(self) -> str:
        return "\n".join(self.problems)


class InputError(UsageError):
    """An input file named by the policy or the command line cannot be read or parsed."""


class VerificationError(GateError):
    """`verify` refused: the envelope is not a valid, fresh, signed PASS for this commit."""

    exit_code = 4


class CheckFailure(GateError):
    """Raised inside a check for a condition it cannot evaluate; the engine marks it `error`."""
