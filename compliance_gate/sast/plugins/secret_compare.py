"""B905 secret_compared_with_eq: secrets and signatures compared in variable time."""

from __future__ import annotations

import ast
from typing import Any

from bandit.core.constants import MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import is_secret, last_words, name_of, words
from compliance_gate.sast.plugins._rule import rule

CWE_TIMING = 208  # Observable Timing Discrepancy
DIGEST_CALLS = frozenset({"hexdigest", "digest", "sign", "signature"})


def _is_secret_operand(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        fname = (name_of(node.func) or "").rsplit(".", 1)[-1]
        fwords = words(fname)
        return bool(fwords) and (fwords[-1] in DIGEST_CALLS or "hmac" in fwords or "signature" in fwords)
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        return is_secret(last_words(node))
    return False


def _is_presence_check(node: ast.AST) -> bool:
    """`x == None`, `x == ""`, `x == 0`, `x == True`: checks of presence or type, not of value."""
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, bool | int | float) or node.value in ("", b"")
    return False


@rule("B905", "Compare")
def secret_compared_with_eq(context: Any) -> Any:
    """B905: a signature, HMAC, token or password compared with `==` or `!=`.

    **What it finds.** A comparison with `==` or `!=` where one side names a secret value
    (`signature`, `expected_sig`, `hmac`, `mac`, `digest`, `token`, `api_key`, `otp`,
    `password`, `request.headers["X-Signature"]`) or is a digest computed on the spot
    (`hmac.new(...).hexdigest()`). Comparisons against `None`, `""`, numbers or booleans are
    presence checks and pass, as do names of a secret's properties (`token_type`, `sig_len`).

    **Why it matters.** `==` on strings stops at the first differing byte, so its running time
    tells an attacker how many leading bytes of a forged signature are right; byte by byte they
    recover a valid webhook signature or API token. The attack is practical over networks with
    enough samples.

    **Example.**

    .. code-block:: python

        expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
        if expected == request.headers["X-Signature"]:
            ...

    **Instead.** `hmac.compare_digest(expected, received)` (or `secrets.compare_digest`), which
    takes the same time whatever the inputs; for passwords compare hashes with the password
    library's verify function.
    """
    node = context.node
    if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
        return None
    operands = [node.left, *node.comparators]
    if any(_is_presence_check(o) for o in operands):
        return None
    if not any(_is_secret_operand(o) for o in operands):
        return None
    return Issue(
        severity=MEDIUM,
        confidence=MEDIUM,
        cwe=CWE_TIMING,
        text="Secret or signature compared with ==/!=; use hmac.compare_digest.",
    )
