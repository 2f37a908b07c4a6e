"""B905 secret_compared_with_eq: secrets and signatures compared in variable time."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from bandit.core.constants import HIGH, MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import enclosing_function, is_secret, name_of, parent, words
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_TIMING = 208  # Observable Timing Discrepancy
DIGEST_CALLS = frozenset({"hexdigest", "digest"})
SIGNING_VERBS = frozenset({"compute", "calc", "calculate", "make", "generate", "create", "build", "expected", "sign"})
EQUALITY_METHODS = frozenset({"__eq__", "__ne__", "__hash__", "__lt__", "__le__", "__gt__", "__ge__"})
_HOLDER = re.compile(r"config|setting|secret|credential|key|env|vault")
MAC_WORDS = frozenset({"signature", "signatures", "sig", "hmac", "mac", "digest", "hexdigest"})
"""Words of a message authenticator: `==` on one of these forges webhooks and callbacks (HIGH);
tokens and passwords compared with `==` leak less per request (MEDIUM)."""


def _is_digest_expr(node: ast.AST) -> bool:
    """A digest or MAC computed here: `hmac.new(...)`, `hashlib.x(...)`, `.hexdigest()`, `.digest()`,
    or anything wrapping one (`base64.b64encode(...)`, `str(...)`)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            fname = name_of(sub.func) or ""
            last = fname.rsplit(".", 1)[-1]
            if last in DIGEST_CALLS or fname.startswith(("hmac.", "hashlib.")) or fname in ("hmac", "hashlib"):
                return True
    return False


def _module(node: ast.AST) -> ast.AST:
    cur = node
    while (up := parent(cur)) is not None:
        cur = up
    return cur


def _returns_digest(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does `func` return a digest it computes (directly, or through a local it assigns one to)?"""
    local = {
        t.id
        for sub in ast.walk(func)
        if isinstance(sub, ast.Assign) and _is_digest_expr(sub.value)
        for t in sub.targets
        if isinstance(t, ast.Name)
    }
    returns = [sub.value for sub in ast.walk(func) if isinstance(sub, ast.Return) and sub.value is not None]
    return any(_is_digest_expr(v) or (isinstance(v, ast.Name) and v.id in local) for v in returns)


def _computed_digest(node: ast.AST, module: ast.AST) -> bool:
    """A call of a function or method of `module` that returns a digest it computes
    (`self.get_custom_token(payment)` returning an md5 over token and API key)."""
    if not isinstance(node, ast.Call):
        return False
    name = (name_of(node.func) or "").rsplit(".", 1)[-1]
    return bool(name) and name in _digest_functions(module)


def _digest_functions(module: ast.AST) -> frozenset[str]:
    """Names of the module's functions that return a digest, computed once per module (kept on
    the node for the rest of bandit's visit)."""
    cached = getattr(module, "_cg_digest_functions", None)
    if isinstance(cached, frozenset):
        return cached
    found = frozenset(
        sub.name
        for sub in ast.walk(module)
        if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef) and _returns_digest(sub)
    )
    setattr(module, "_cg_digest_functions", found)  # noqa: B010 - ast nodes take attributes, as bandit's do
    return found


def _is_constant(node: ast.AST) -> bool:
    """A member of a class or enum written in the code (`WebhookEndpointValidation.verify_signature`,
    `PasswordLoginMode.ENABLED`): what it equals is public. A settings or credentials holder
    (`settings.API_KEY`, `Config.SECRET`) is not."""
    name = name_of(node) if isinstance(node, ast.Attribute) else None
    if not name:
        return False
    owners = name.split(".")[:-1]
    classes = [p for p in owners if p[:1].isupper() and any(c.islower() for c in p)]
    return bool(classes) and not any(_HOLDER.search(c.lower()) for c in classes)


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


def _is_mac(node: ast.AST) -> bool:
    """Is this secret operand a signature or MAC (rather than a token or password)?"""
    if isinstance(node, ast.Call):
        return True  # a digest computed on the spot
    last = (name_of(node) or "").rsplit(".", 1)[-1]
    return bool(MAC_WORDS.intersection(words(last)))


def _is_public_value(node: ast.AST) -> bool:
    """Literals (`None`, `""`, `"@"`, `0`, `True`, f-strings) and constants written in the code:
    what they equal is no secret."""
    return isinstance(node, ast.Constant | ast.JoinedStr) or _is_constant(node)


@rule("B905", "Compare")
def secret_compared_with_eq(context: Context) -> Issue | None:
    """B905: a signature, HMAC, token or password compared with `==` or `!=`.

    **What it finds.** A comparison with `==` or `!=` where one side names a secret value
    (`signature`, `expected_sig`, `hmac`, `mac`, `digest`, `token`, `api_key`, `otp`,
    `password`, `request.headers["X-Signature"]`) or is a digest computed on the spot
    (`hmac.new(...).hexdigest()`, `compute_signature(...)`) or by a function of the same module
    that returns one (`self.get_custom_token(payment)` returning an md5 over token and API key).
    Comparisons with a literal (`None`, `""`, `"@"`, a number, an f-string) or a constant of the
    code (`PACKET_TYPE_SIGNATURE`, an enum member such as `Validation.verify_signature`) pass,
    since those are no secret; so do names of a secret's properties (`token_type`, `sig_len`,
    `secret_hash`, `is_token`, `password_login_mode`), a character or prefix (`sig[0]`), and
    comparisons inside `__eq__`-style methods, which implement value equality rather than
    authentication.

    **Severity.** HIGH for a signature, MAC or digest (forging a webhook or a payment callback
    byte by byte is the attack); MEDIUM for tokens, API keys and passwords.

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
    # bandit links a node to its parent on the way down: the comparison has one, its operands not yet
    module = _module(node)
    secret = [o for o in operands if _is_secret_operand(o) or _computed_digest(o, module)]
    if not secret:
        return None
    mac = any(_is_mac(o) for o in secret)
    return Issue(
        severity=HIGH if mac else MEDIUM,
        confidence=MEDIUM,
        cwe=CWE_TIMING,
        text="Secret or signature compared with ==/!=; use hmac.compare_digest.",
    )
