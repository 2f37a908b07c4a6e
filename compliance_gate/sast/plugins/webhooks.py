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
HANDLER_FIRST = frozenset({"handle", "receive", "process", "ingest", "consume"})
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
        "retrieve",
        "patch",
        "edit",
        "put",
        "post",
        "rotate",
        "clean",
        "cleanup",
        "find",
        "search",
        "count",
        "iter",
        "resolve",
        "generate",
        "trigger",
        "schedule",
        "queue",
        "enqueue",
        "deliver",
        "notify",
        "dispatch",
        "call",
        "fire",
    }
)
REQUEST_PARAMS = frozenset(
    {"request", "req", "http_request", "event", "payload", "body", "raw_body", "data", "notification", "environ"}
)
REQUEST_TYPES = frozenset({"HttpRequest", "Request", "WSGIRequest", "ASGIRequest", "HTTPRequest", "HttpRequestBase"})
PARSERS = frozenset({"loads", "load", "json", "get_json", "parse_obj", "model_validate", "construct_from", "decode"})
"""Calls that only parse the body: handing them the request verifies nothing."""
SIGNATURE_WORDS = frozenset({"headers", "header", "meta", "signature", "sig", "hmac"})
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


def _takes_request(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A parameter that carries the incoming request (by name or by type)."""
    for arg in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]:
        if arg.arg in REQUEST_PARAMS:
            return True
        hint = (name_of(arg.annotation) or "") if arg.annotation is not None else ""
        if hint.rsplit(".", 1)[-1] in REQUEST_TYPES:
            return True
    return False


def _is_handler(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    ws = words(func.name)
    owner = parent(func)
    if isinstance(owner, ast.ClassDef) and "webhook" in words(owner.name) and func.name in CLASS_METHODS:
        return True
    if not ({"webhook", "webhooks"} & set(ws)) or ws[0] in CLIENT_FIRST:
        return False
    routes = (words(n.rsplit(".", 1)[-1]) for n in _decorator_names(func))
    if any(r and "_".join(r) in ROUTE_DECORATORS for r in routes):
        return True  # a route: the framework hands it the request (Flask's is global)
    named = ws[0] in HANDLER_FIRST or ws[-1] in HANDLER_LAST or ws[-1] in ("webhook", "webhooks")
    return named and _takes_request(func)


def _request_names(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = {a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs] if a.arg in REQUEST_PARAMS}
    return names | {"request"}


def _delegates(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the handler hand the whole request, or the signature header, to another function
    (`WebhookEventTrigger.from_request(request)`, `client.parse_event_notification(body,
    request.headers["Stripe-Signature"], secret)`)? Verification may happen there; parsing
    calls (`json.loads`, `construct_from`) do not count."""
    requests = _request_names(func)
    for sub in ast.walk(func):
        if not isinstance(sub, ast.Call):
            continue
        callee = (name_of(sub.func) or "").rsplit(".", 1)[-1]
        if callee in PARSERS:
            continue
        for arg in [*sub.args, *(k.value for k in sub.keywords)]:
            if isinstance(arg, ast.Name) and arg.id in requests:
                return True
            for n in ast.walk(arg):
                if isinstance(n, ast.Name | ast.Attribute | ast.Subscript) and SIGNATURE_WORDS & set(
                    words(name_of(n) or "")
                ):
                    return True
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and "signature" in n.value.lower():
                    return True
    return False


def _verifies(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if any(_VERIFIES.search(n) or "signature" in n.lower() or "signed" in n.lower() for n in _decorator_names(func)):
        return True
    if any(isinstance(sub, ast.Call) and _VERIFIES.search(name_of(sub.func) or "") for sub in ast.walk(func)):
        return True
    return _delegates(func)


@rule("B906", "FunctionDef", "AsyncFunctionDef")
def webhook_without_signature_check(context: Context) -> Issue | None:
    """B906: a webhook handler that never verifies the sender's signature.

    **What it finds.** A function that handles incoming webhooks - a route (a route decorator and
    `webhook` in its name), `post`/`dispatch` of a class named `...Webhook...`, or a function
    whose name says so (`stripe_webhook`, `handle_webhook`, `webhook_view`,
    `process_webhook_event`) and that takes the request (`request`, `payload`, `body`, `event`
    or a `Request`-typed parameter) - in whose body (and decorators) nothing verifies a
    signature: no call whose name contains `verify`, `hmac`, `compare_digest`, `construct_event`
    (Stripe), `check_signature`, `validate_request`..., no decorator like
    `@verify_signature`/`@signed`, and nothing the request or its signature header is handed to
    (`Trigger.from_request(request)`, `client.parse_event_notification(body, headers[...])`:
    verification may happen there; handing the body to `json.loads` or `construct_from` only
    parses it). Functions that register, list, retrieve, send, parse or test webhooks
    (`create_webhook`, `retrieve_webhooks`, `send_webhook`, `test_stripe_webhook`), SDK
    accessors without a request (`def webhooks(self)`) and `on_*` callbacks, which receive an
    event the framework already verified, are not handlers.

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
