"""B905 secret_compared_with_eq: secrets and signatures compared in variable time."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from bandit.core.constants import MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import enclosing_function, is_secret, name_of, words
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_TIMING = 208  # Observable Timing Discrepancy
DIGEST_CALLS = frozenset({"hexdigest", "digest"})
SIGNING_VERBS = frozenset({"compute", "calc", "calculate", "make", "generate", "create", "build", "expected", "sign"})
EQUALITY_METHODS = frozenset({"__eq__", "__ne__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__"})


def _is_secret_operand(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        fname = (name_of(node.func) or "").rsplit(".", 1)[-1]
        fwords = words(fname)
        return bool(fwords) and (
            fwords[-1] in DIGEST_CALLS or "hmac" in fwords or (fwords[0] in SIGNING_VERBS and "signature" in fwords)
        )
    if isinstance(node, ast.Subscript) and not (
        isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
    ):
        return False  # `sig[0]`, `sig[:8]`: a character or a prefix, not the secret
    if isinstance(node, ast.Name | ast.Attribute | ast.Subscript):
        last = (name_of(node) or "").rsplit(".", 1)[-1]
        if last.isupper() or last.lstrip("_").isupper():
            return False  # a module constant (`PACKET_TYPE_SIGNATURE`, `_WILDCARD_TOKEN`) is a marker
        return is_secret(words(last))
    return False


def _is_public_value(node: ast.AST) -> bool:
    """Literals (`None`, `""`, `"@"`, `0`, `True`, f-strings): what they equal is no secret."""
    return isinstance(node, ast.Constant | ast.JoinedStr)


@rule("B905", "Compare")
def secret_compared_with_eq(context: Context) -> Issue | None:
    """B905: a signature, HMAC, token or password compared with `==` or `!=`.

    **What it finds.** A comparison with `==` or `!=` where one side names a secret value
    (`signature`, `expected_sig`, `hmac`, `mac`, `digest`, `token`, `api_key`, `otp`,
    `password`, `request.headers["X-Signature"]`) or is a digest computed on the spot
    (`hmac.new(...).hexdigest()`, `compute_signature(...)`). Comparisons with a literal (`None`,
    `""`, `"@"`, a number, an f-string) pass, since the literal is no secret; so do names of a
    secret's properties (`token_type`, `sig_len`, `secret_hash`, `is_token`), module constants
    (`PACKET_TYPE_SIGNATURE`), a character or prefix (`sig[0]`), and comparisons inside
    `__eq__`-style methods, which implement value equality rather than authentication.

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
    if any(_is_public_value(o) for o in operands):
        return None
    func = enclosing_function(node)
    if func is not None and func.name in EQUALITY_METHODS:
        return None  # `self.token == other.token` in `__eq__` is value equality, not authentication
    if not any(_is_secret_operand(o) for o in operands):
        return None
    return Issue(
        severity=MEDIUM,
        confidence=MEDIUM,
        cwe=CWE_TIMING,
        text="Secret or signature compared with ==/!=; use hmac.compare_digest.",
    )
