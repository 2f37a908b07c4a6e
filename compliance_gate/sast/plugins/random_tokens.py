"""B904 insecure_random_for_secret: the `random` module making values that must be unguessable."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from bandit.core.constants import HIGH, MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import enclosing_function, is_token, last_words, parent, words
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_WEAK_PRNG = 338  # Use of Cryptographically Weak Pseudo-Random Number Generator
RANDOM_FUNCS = frozenset(
    {"random", "randint", "randrange", "choice", "choices", "sample", "getrandbits", "shuffle", "uniform", "randbytes"}
)


def _is_weak_random(qualname: str) -> bool:
    parts = qualname.split(".")
    if len(parts) < 2 or parts[-1] not in RANDOM_FUNCS or "SystemRandom" in parts:
        return False
    return parts[0] == "random" or parts[:2] in (["numpy", "random"], ["np", "random"])


def _token_context(node: ast.AST) -> bool:
    """Walks up to the statement: a token-like keyword, assignment target or return of a token maker."""
    cur: ast.AST | None = node
    while cur is not None and not isinstance(cur, ast.stmt):
        if isinstance(cur, ast.keyword) and cur.arg and is_token(words(cur.arg)):
            return True
        cur = parent(cur)
    if isinstance(cur, ast.Assign) and any(is_token(last_words(t)) for t in cur.targets):
        return True
    if isinstance(cur, ast.AnnAssign | ast.AugAssign) and is_token(last_words(cur.target)):
        return True
    func = enclosing_function(node)
    return func is not None and is_token(words(func.name))


@rule("B904", "Call")
def insecure_random_for_secret(context: Context) -> Issue | None:
    """B904: `random` used for tokens, OTPs, idempotency keys, salts or passwords.

    **What it finds.** A call into the `random` module (`random.choice`, `randint`, `choices`,
    `getrandbits`, `sample`...; also `numpy.random`) whose result goes to a name that must be
    unguessable (`token`, `otp`, `nonce`, `salt`, `idempotency_key`, `api_key`, `reset_code`,
    `session_id`, `voucher_code`...), to such a keyword argument, or that happens inside a
    function named for one (`generate_otp`, `new_idempotency_key`). `random.SystemRandom` is
    fine. Bandit's B311 flags every `random` call at LOW severity; this rule singles out the ones
    that matter, at HIGH.

    **Why it matters.** `random` is a Mersenne Twister: after 624 outputs an attacker can predict
    every later one. Predictable OTPs and reset codes are account takeover; predictable voucher
    codes are free money; predictable idempotency keys let one customer's retry collide with
    another's charge.

    **Example.**

    .. code-block:: python

        otp = "".join(random.choice(string.digits) for _ in range(6))
        headers["Idempotency-Key"] = str(random.getrandbits(64))

    **Instead.** Use the `secrets` module: `secrets.token_urlsafe(32)`,
    `secrets.randbelow(10**6)`, `"".join(secrets.choice(alphabet) for _ in range(n))`, or
    `uuid.uuid4()` for idempotency keys.
    """
    if not _is_weak_random(context.call_function_name_qual or ""):
        return None
    if not _token_context(context.node):
        return None
    return Issue(
        severity=HIGH,
        confidence=MEDIUM,
        cwe=CWE_WEAK_PRNG,
        text="Non-cryptographic random used for a token, OTP or key; use the secrets module.",
    )
