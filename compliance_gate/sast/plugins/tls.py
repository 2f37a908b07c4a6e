"""B907 tls_verification_disabled: certificate checks switched off on HTTP and TLS clients."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from bandit.core.constants import HIGH, MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import enclosing_function, name_of, names_in, parent, words
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_CERT = 295  # Improper Certificate Validation
VERIFY_FLAGS = frozenset(
    {
        "verify",
        "ssl",
        "verify_ssl",
        "verify_ssl_certs",
        "verify_certs",
        "ssl_verify",
        "check_hostname",
        "validate_certs",
        "verify_tls",
        "tls_verify",
        "ssl_check_cert",
    }
)
# bandit's B501 already reports verify=False on these; reporting them twice would only add noise.
_B501_HTTP_VERBS = frozenset({"get", "options", "head", "post", "put", "patch", "delete"})
_B501_HTTPX = _B501_HTTP_VERBS | {"request", "stream", "Client", "AsyncClient"}


HTTP_CALLS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "send",
        "stream",
        "Session",
        "Client",
        "AsyncClient",
        "urlopen",
        "fetch",
        "ClientSession",
        "mount",
    }
)
CLIENT_HINTS = (
    "session",
    "client",
    "http",
    "api",
    "requests",
    "httpx",
    "aiohttp",
    "urllib",
    "stripe",
    "adyen",
    "braintree",
    "gateway",
    "psp",
    "provider",
    "transport",
    "connector",
)


TLS_KEYWORDS = VERIFY_FLAGS | {"cert_reqs", "verify_mode"}
OPT_OUT_WORDS = frozenset(
    {
        "verify",
        "verification",
        "ssl",
        "tls",
        "cert",
        "certs",
        "certificate",
        "insecure",
        "unsafe",
        "debug",
        "dev",
        "development",
        "local",
        "localhost",
        "sandbox",
        "test",
        "testing",
        "env",
        "environment",
    }
)
"""Words of a condition that makes turning verification off an explicit opt-out (a setting the
caller chooses, a development environment) rather than what every request does."""


def _is_off(node: ast.AST) -> bool:
    return _is_false(node) or _is_cert_none(node)


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _is_cert_none(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == "CERT_NONE"
    return (name_of(node) or "").rsplit(".", 1)[-1] == "CERT_NONE"


def _covered_by_b501(qualname: str, name: str) -> bool:
    first = qualname.split(".")[0]
    return (first == "requests" and name in _B501_HTTP_VERBS) or (first == "httpx" and name in _B501_HTTPX)


def _is_http_call(qualname: str, name: str) -> bool:
    """`verify` is a common keyword (`df.take(verify=False)`): only HTTP-ish calls count for it."""
    return name in HTTP_CALLS or any(hint in qualname.lower() for hint in CLIENT_HINTS)


def _check_call(context: Context, node: ast.Call) -> int | None:
    qualname, name = context.call_function_name_qual or "", context.call_function_name or ""
    for kw in node.keywords:
        if kw.arg in VERIFY_FLAGS and _is_false(kw.value):
            if kw.arg == "verify" and (_covered_by_b501(qualname, name) or not _is_http_call(qualname, name)):
                continue
            return kw.value.lineno
        if kw.arg in ("cert_reqs", "verify_mode") and _is_cert_none(kw.value):
            return kw.value.lineno
    return None


def _check_assign(targets: list[ast.expr], value: ast.expr) -> bool:
    for target in targets:
        name = name_of(target) or ""
        last = name.rsplit(".", 1)[-1]
        if isinstance(target, ast.Attribute) and last in VERIFY_FLAGS and _is_false(value):
            return True
        if last == "verify_mode" and _is_cert_none(value):
            return True
        if last == "_create_default_https_context" and (name_of(value) or "").endswith("_create_unverified_context"):
            return True
        if last.upper() == "PYTHONHTTPSVERIFY" and isinstance(value, ast.Constant) and value.value in ("0", 0):
            return True
    return False


def _opt_out(node: ast.AST) -> bool:
    """Is `node` only reached when a condition about verification or the environment says so
    (`if not verify_ssl:`, `else` of `elif self._verify_ssl_certs:`, `if env == DEVELOPMENT:`)?"""
    cur: ast.AST | None = node
    while cur is not None and not isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
        up = parent(cur)
        if isinstance(up, ast.If | ast.IfExp) and cur is not up.test:
            found = {w for n in names_in(up.test) for w in words(name_of(n) or "")}
            found |= {
                w
                for c in ast.walk(up.test)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
                for w in words(c.value)
            }
            if found & OPT_OUT_WORDS:
                return True
        cur = up
    return False


def _passed_on(node: ast.Assign | ast.AnnAssign, name: str) -> bool:
    """Is the local `name` passed to a TLS keyword (`verify=verify`, `cert_reqs=cert_reqs`) in the
    same function (or module)?"""
    scope: ast.AST = enclosing_function(node) or node
    while not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and (up := parent(scope)) is not None:
        scope = up
    return name in _names_passed(scope)


def _names_passed(scope: ast.AST) -> frozenset[str]:
    """Names passed to a TLS keyword anywhere in `scope`, computed once per scope (kept on the node
    for the rest of bandit's visit: a generated module has thousands of `x = False` lines)."""
    cached = getattr(scope, "_cg_tls_names", None)
    if isinstance(cached, frozenset):
        return cached
    found = frozenset(
        kw.value.id
        for sub in ast.walk(scope)
        if isinstance(sub, ast.Call)
        for kw in sub.keywords
        if kw.arg in TLS_KEYWORDS and isinstance(kw.value, ast.Name)
    )
    setattr(scope, "_cg_tls_names", found)  # noqa: B010 - ast nodes take attributes, as bandit's do
    return found


def _local_switch(targets: list[ast.expr], value: ast.expr, node: ast.Assign | ast.AnnAssign) -> bool:
    """`verify = False` / `cert_reqs = ssl.CERT_NONE` in a local name that is then passed on."""
    if not _is_off(value):
        return False
    return any(isinstance(t, ast.Name) and _passed_on(node, t.id) for t in targets)


def _issue(node: ast.AST, lineno: int | None) -> Issue:
    opt_out = _opt_out(node)
    return Issue(
        severity=MEDIUM if opt_out else HIGH,
        confidence=MEDIUM if opt_out else HIGH,
        cwe=CWE_CERT,
        text=(
            "TLS certificate verification disabled when a setting or environment asks for it; make sure "
            "production cannot"
            if opt_out
            else "TLS certificate verification disabled; keep it on and pass a CA bundle if needed."
        ),
        lineno=lineno,
    )


@rule("B907", "Call", "Assign", "AnnAssign")
def tls_verification_disabled(context: Context) -> Issue | None:
    """B907: TLS certificate verification disabled on a client (payment provider APIs included).

    **What it finds.** Keyword arguments that switch verification off on a client, session or
    connector (`verify=False` on HTTP-looking calls only, since `verify` is a common keyword:
    `session.post(url, verify=False)`, `aiohttp.TCPConnector(ssl=False)`,
    `urllib3.PoolManager(cert_reqs="CERT_NONE")`, `Client(verify_ssl_certs=False)`,
    `Configuration(verify_ssl=False)`); the same through a local variable
    (`verify = False` ... `requests.post(url, verify=verify)`, `cert_reqs = ssl.CERT_NONE` ...
    `PoolManager(cert_reqs=cert_reqs)`: reported on the assignment); assignments that do it on an
    object or globally (`session.verify = False`, `stripe.verify_ssl_certs = False`,
    `ctx.check_hostname = False`, `ctx.verify_mode = ssl.CERT_NONE`,
    `ssl._create_default_https_context = ssl._create_unverified_context`,
    `os.environ["PYTHONHTTPSVERIFY"] = "0"`). Calls bandit already reports (B501 for
    `requests.get(..., verify=False)`/`httpx`, B323 for `ssl._create_unverified_context()`) are
    left to bandit.

    **Severity.** HIGH when every request takes that path; MEDIUM when it is an opt-out: the code
    sits under a condition about verification or the environment (`if not self.verify_ssl_certs:`,
    `else:` of `elif verify:`, `if environment == DEVELOPMENT:`), so a caller or a setting asks for it.

    **Why it matters.** Without certificate checks anyone on the network path (a proxy, a
    compromised Wi-Fi, a cloud neighbour) can impersonate the payment provider: read card data
    and API keys in transit, and answer "approved" to every authorisation.

    **Example.**

    .. code-block:: python

        session = requests.Session()
        session.verify = False
        session.post("https://api.psp.example/v1/charges", json=charge)

    **Instead.** Leave verification on (the default). For a private CA pass its bundle:
    `verify="/etc/ssl/psp-ca.pem"`, `ssl.create_default_context(cafile=...)`; for tests use a
    local CA (trustme) rather than turning checks off.
    """
    node = context.node
    lineno: int | None = None
    if isinstance(node, ast.Call):
        lineno = _check_call(context, node)
        if lineno is None:
            return None
    elif isinstance(node, ast.Assign):
        if not (_check_assign(node.targets, node.value) or _local_switch(node.targets, node.value, node)):
            return None
    elif isinstance(node, ast.AnnAssign):
        if node.value is None or not (
            _check_assign([node.target], node.value) or _local_switch([node.target], node.value, node)
        ):
            return None
    else:
        return None
    return _issue(node, lineno)
