"""B903 card_data_in_log_or_error: cardholder data written to logs or exception messages."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from bandit.core.constants import HIGH, LOW, MEDIUM
from bandit.core.issue import Issue

from compliance_gate.pii.cards import luhn_ok
from compliance_gate.sast.plugins._names import (
    enclosing_function,
    is_card_data,
    last_words,
    name_of,
    names_in,
    parent,
    words,
)
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_LOG = 532  # Insertion of Sensitive Information into Log File
CWE_ERROR = 209  # Generation of Error Message Containing Sensitive Information

LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "msg", "capture_message"}
)
NOT_DATA_KEYWORDS = frozenset({"exc_info", "stack_info", "stacklevel", "level", "file", "sep", "end", "flush"})
SAFE_CALLS = frozenset(
    {
        "mask",
        "masked",
        "redact",
        "redacted",
        "hash",
        "sha256",
        "hmac",
        "tokenize",
        "len",
        "last4",
        "truncate",
        "obfuscate",
        "fingerprint",
        "bool",
        "type",
        "isinstance",
    }
)
SERIOUS_LEVELS = frozenset({"info", "warning", "warn", "error", "exception", "critical", "fatal", "capture_message"})
"""Levels production keeps; `debug` lines are usually off in production."""
PROVIDER_WORDS = frozenset(
    {
        "client",
        "api",
        "gateway",
        "sdk",
        "provider",
        "psp",
        "stripe",
        "adyen",
        "braintree",
        "paypal",
        "paypalrestsdk",
        "mercadopago",
        "razorpay",
        "mollie",
        "square",
        "cashfree",
        "payu",
        "paystack",
        "flutterwave",
        "authorizenet",
        "cybersource",
        "worldpay",
    }
)
"""Words of a receiver whose calls return a payment provider's response (payer, card, address)."""
SCALAR_WORDS = frozenset(
    {
        "amount",
        "total",
        "price",
        "fee",
        "fees",
        "balance",
        "sum",
        "status",
        "state",
        "id",
        "ids",
        "count",
        "code",
        "url",
    }
)
"""Words of a name that holds one value (an amount a refund call returns, a status, an id), not
a whole payload."""
REQUEST_BODIES = frozenset({"body", "data", "json", "post", "get_json"})
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")
_PAN_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6(?:011|4[4-9]|5)|35|3(?:0[0-5]|[689])|62)")


def has_pan_literal(text: str) -> bool:
    """A 13-19 digit run (optionally grouped by spaces or dashes) with a card prefix and Luhn."""
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _PAN_PREFIX.match(digits) and luhn_ok(digits):
            return True
    return False


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
        return False
    receiver = func.value
    if isinstance(receiver, ast.Call):  # structlog.get_logger().info(...)
        receiver = receiver.func
    name = name_of(receiver) or ""
    last = name.rsplit(".", 1)[-1].lower()
    return "log" in last or last in ("sentry_sdk", "sentry")


def _const_int(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _const_int(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def is_truncation(node: ast.AST) -> bool:
    """`pan[-4:]` or `pan[:6]`: at most the last 4 or first 6 digits, which PCI DSS allows to show."""
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Slice):
        return False
    lower, upper, step = node.slice.lower, node.slice.upper, node.slice.step
    if step is not None:
        return False
    low, up = _const_int(lower), _const_int(upper)
    last_k = upper is None and low is not None and -4 <= low < 0
    first_k = (lower is None or low == 0) and up is not None and 0 < up <= 6
    return last_k or first_k


def _leaks(exprs: list[ast.expr]) -> tuple[bool, bool]:
    """(names card data, holds a PAN-like literal) for any of `exprs`."""
    named = literal = False
    for expr in exprs:
        for sub in names_in(expr, SAFE_CALLS, prune=is_truncation):
            if is_card_data(last_words(sub, parts=2)):
                named = True
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and has_pan_literal(sub.value):
                literal = True
    return named, literal


def _call_words(call: ast.Call) -> set[str]:
    """Every identifier word of a call's function expression (`self.client.payment().search`)."""
    out: set[str] = set()
    for sub in ast.walk(call.func):
        if isinstance(sub, ast.Name):
            out.update(words(sub.id))
        elif isinstance(sub, ast.Attribute):
            out.update(words(sub.attr))
    return out


def _is_payload(value: ast.AST) -> bool:
    """A provider's response (a call on a client/API/SDK object, `resp.json()`) or the incoming
    request's body (`json.loads(request.body)`, `request.get_json()`, `request.data`)."""
    for sub in ast.walk(value):
        if isinstance(sub, ast.Call):
            fname = name_of(sub.func) or ""
            if fname.rsplit(".", 1)[-1] in ("json", "get_json") or _call_words(sub) & PROVIDER_WORDS:
                return True
        if (
            isinstance(sub, ast.Attribute)
            and sub.attr in REQUEST_BODIES
            and "request" in words(name_of(sub.value) or "")
        ):
            return True
    return False


FAILURE_WORDS = frozenset({"error", "errors", "err", "fail", "failed", "failure", "invalid", "ok", "success"})


def _on_failure(node: ast.AST) -> bool:
    """Is the log call only reached when the call failed (in an `except` handler, or under an `if`
    that tests for an error: `if "error" in response:`)? Logging the provider's error response
    there is diagnosis, reported (MEDIUM) rather than blocking; logging every response is not."""
    cur: ast.AST | None = node
    while cur is not None and not isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
        up = parent(cur)
        if isinstance(up, ast.ExceptHandler):
            return True
        if isinstance(up, ast.If) and cur is not up.test:
            found = {
                w for n in ast.walk(up.test) if isinstance(n, ast.Name | ast.Attribute) for w in words(name_of(n) or "")
            }
            found |= {
                w
                for c in ast.walk(up.test)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
                for w in words(c.value)
            }
            if found & FAILURE_WORDS:
                return True
        cur = up
    return False


def _payloads_logged(call: ast.Call, context_node: ast.AST) -> bool:
    """Is a bare argument of the log call a name that holds a whole payload (see `_is_payload`)?"""
    func = enclosing_function(context_node)
    if func is None:
        return False
    bare = {a.id for a in _data_args(call) if isinstance(a, ast.Name) and not SCALAR_WORDS & set(words(a.id))}
    if not bare:
        return False
    for sub in ast.walk(func):
        if (
            isinstance(sub, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id in bare for t in sub.targets)
            and _is_payload(sub.value)
        ):
            return True
    return False


def _data_args(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(k.value for k in call.keywords if k.arg not in NOT_DATA_KEYWORDS)]


@rule("B903", "Call", "Raise")
def card_data_in_log_or_error(context: Context) -> Issue | None:
    """B903: a card number, CVV, PIN block or track data passed to a log call or an exception.

    **What it finds.** Logging calls (`logger.info`, `logging.error`, `log.warning`,
    `structlog.get_logger().info`, `sentry_sdk.capture_message`, `print`) and exceptions being
    raised (`raise PaymentError(f"declined {card_number}")`) whose arguments mention a name
    for cardholder data (`pan`, `card_number`, `card.number`, `cvv`, `cvc2`, `track2`,
    `pin_block`, `payload["card"]["number"]`), or contain a string literal that looks like a
    full card number (brand prefix, 13-19 digits, Luhn). Masked, hashed or tokenised forms are
    not data: `mask_pan(pan)`, `card.last4`, `pan[-4:]`, `pan_hash`, `card.token`, `len(pan)` pass.

    Also a whole payload passed to a log call: a name holding a payment provider's response (the
    result of a call on a client, API or SDK object, `resp.json()`) or the incoming request's body
    (`json.loads(request.body)`, `request.get_json()`), logged at info level or above (HIGH;
    `debug`, which production usually turns off, MEDIUM): `data = client.payment().search(q)` ...
    `logger.info("payment info %s", data)` writes the payer's e-mail, identification number and
    card digits to every log line.

    **Why it matters.** Logs and error messages are copied to log pipelines, APM, tickets and
    laptops. PCI DSS forbids storing sensitive authentication data (CVV, track, PIN) at all after
    authorisation (req. 3.3.1) and requires a PAN to be unreadable wherever stored (3.5.1): a
    log line with a PAN puts the whole logging estate into PCI scope.

    **Example.**

    .. code-block:: python

        logger.info("charging card %s", card_number)
        raise ValueError(f"invalid cvv {cvv}")

    **Instead.** Log the masked form or a token: `logger.info("charging card %s",
    mask_pan(card_number))` (first 6 / last 4 at most), `card.last4`, or the provider's
    payment-method id; never log CVV, track data or PIN blocks in any form.
    """
    node = context.node
    if isinstance(node, ast.Call):
        if not _is_log_call(node):
            return None
        cwe, where = CWE_LOG, "a log call"
        exprs = _data_args(node)
        level = node.func.attr if isinstance(node.func, ast.Attribute) else "print"
        if _payloads_logged(node, node):
            serious = level in SERIOUS_LEVELS and not _on_failure(node)
            return Issue(
                severity=HIGH if serious else MEDIUM,
                confidence=MEDIUM if serious else LOW,
                cwe=cwe,
                text="A payment provider's response or a request payload is logged whole (payer, card and "
                "address fields go with it); log the ids and fields you need.",
            )
    elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
        cwe, where = CWE_ERROR, "an exception message"
        exprs = _data_args(node.exc)
    else:
        return None
    named, literal = _leaks(exprs)
    if not (named or literal):
        return None
    what = "a PAN-like literal" if literal and not named else "card data"
    return Issue(
        severity=HIGH,
        confidence=HIGH if literal else MEDIUM,
        cwe=cwe,
        text=f"Possible {what} passed to {where}; log a masked form (first 6/last 4) or a token.",
    )
