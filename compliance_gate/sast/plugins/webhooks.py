"""B906 webhook_without_signature_check: webhook handlers that trust an unsigned request."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from bandit.core.constants import HIGH, MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import name_of, parent, words
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_SIGNATURE = 347  # Improper Verification of Cryptographic Signature
ROUTE_DECORATORS = frozenset(
    {
        "route",
        "post",
        "put",
        "api_route",
        "csrf_exempt",
        "require_post",
        "require_http_methods",
        "api_view",
        "view_config",
        "webhook",
    }
)
HANDLER_FIRST = frozenset({"handle", "receive", "process", "on", "ingest", "consume"})
HANDLER_LAST = frozenset({"handler", "view", "endpoint", "receiver", "callback", "listener", "hook"})
CLIENT_FIRST = frozenset(
    {
        "create",
        "register",
        "delete",
        "get",
        "list",
        "update",
        "remove",
        "add",
        "set",
        "build",
        "make",
        "send",
        "subscribe",
        "unsubscribe",
        "enable",
        "disable",
        "test",
        "mock",
        "fake",
        "sign",
        "verify",
        "validate",
        "parse",
        "format",
        "serialize",
        "load",
        "save",
        "fetch",
        "retry",
        "replay",
        "resend",
        "is",
        "has",
    }
)
CLASS_METHODS = frozenset({"post", "put", "dispatch", "handle", "__call__"})
_VERIFIES = re.compile(
    r"verif|compare_digest|construct_event|hmac|check_sig|signature_valid|valid_signature|validate_sig"
    r"|authenticate_request|check_signature|validate_request",
    re.IGNORECASE,
)


def _decorator_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    out = []
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        out.append(name_of(target) or "")
    return out


def _is_handler(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    ws = words(func.name)
    owner = parent(func)
    if isinstance(owner, ast.ClassDef) and "webhook" in words(owner.name) and func.name in CLASS_METHODS:
        return True
    if not ({"webhook", "webhooks"} & set(ws)) or ws[0] in CLIENT_FIRST:
        return False
    if ws[0] in HANDLER_FIRST or ws[-1] in HANDLER_LAST or ws[-1] in ("webhook", "webhooks"):
        return True
    routes = (words(n.rsplit(".", 1)[-1]) for n in _decorator_names(func))
    return any(r and "_".join(r) in ROUTE_DECORATORS for r in routes)


def _verifies(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if any(_VERIFIES.search(n) or "signature" in n.lower() or "signed" in n.lower() for n in _decorator_names(func)):
        return True
    return any(isinstance(sub, ast.Call) and _VERIFIES.search(name_of(sub.func) or "") for sub in ast.walk(func))


@rule("B906", "FunctionDef", "AsyncFunctionDef")
def webhook_without_signature_check(context: Context) -> Issue | None:
    """B906: a webhook handler that never verifies the sender's signature.

    **What it finds.** A function that handles webhooks - its name says so (`stripe_webhook`,
    `handle_webhook`, `webhook_view`, `process_webhook_event`), or it has a route decorator and
    `webhook` in its name, or it is `post`/`dispatch` of a class named `...Webhook...` - in whose
    body (and decorators) nothing verifies a signature: no call whose name contains `verify`,
    `hmac`, `compare_digest`, `construct_event` (Stripe), `check_signature`,
    `validate_request`..., and no decorator like `@verify_signature`/`@signed`. Functions that
    register, list, send, parse or test webhooks (`create_webhook`, `send_webhook`,
    `test_stripe_webhook`) are not handlers.

    **Why it matters.** A webhook endpoint is public. Without checking the provider's signature
    anyone can post `payment_intent.succeeded` or `charge.refunded` for any order: goods ship
    unpaid, refunds are issued twice, disputes are closed. Parsing the event without verifying it
    (`stripe.Event.construct_from(json.loads(body))`) is the classic mistake.

    **Example.**

    .. code-block:: python

        @app.post("/stripe/webhook")
        def stripe_webhook(request):
            event = json.loads(request.body)
            mark_paid(event["data"]["object"]["id"])

    **Instead.** Verify first, with the raw body: `stripe.Webhook.construct_event(payload,
    sig_header, endpoint_secret)`, or compute the HMAC yourself and compare it with
    `hmac.compare_digest`; reject on failure and check the timestamp to refuse replays. If
    verification happens in middleware, name that in a decorator (`@verify_signature`) or
    suppress with `# nosec B906 -- verified by <middleware>`.
    """
    node = context.node
    if not _is_handler(node) or _verifies(node):
        return None
    return Issue(
        severity=HIGH,
        confidence=MEDIUM,
        cwe=CWE_SIGNATURE,
        text="Webhook handler does not verify the sender's signature before acting on the event.",
        lineno=node.lineno,
    )
