"""What a name in code means: money, card data, a secret, a token. Shared by the payment rules.

The rules judge expressions by the identifiers in them (`amount`, `card.number`,
`payload["cvv"]`, `expected_signature`). An identifier is split into lower-case words at `_`, `.`,
`-` and camelCase boundaries (`cardNumber` -> card, number; `pan_last4` -> pan, last4), and each
rule matches words, never substrings, so `panel` is not a `pan` and `tokenizer` not a `token`.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")

MONEY_STRONG = frozenset(
    {
        "amount",
        "amt",
        "price",
        "balance",
        "fee",
        "fees",
        "refund",
        "payout",
        "subtotal",
        "surcharge",
        "money",
        "cents",
        "pence",
        "settlement",
        "chargeback",
        "prices",
        "amounts",
        "refunded",
    }
)
MONEY_WEAK = frozenset({"total", "cost", "tax", "vat", "discount", "tip", "principal", "deposit", "withdrawal"})
NOT_MONEY = frozenset(
    {
        "rate",
        "rates",
        "ratio",
        "percent",
        "percentage",
        "pct",
        "bps",
        "factor",
        "multiplier",
        "weight",
        "score",
        "seconds",
        "secs",
        "sec",
        "ms",
        "millis",
        "time",
        "duration",
        "elapsed",
        "latency",
        "count",
        "share",
        "probability",
        "prob",
        "id",
        "ids",
        "name",
        "currency",
        "type",
        "kind",
        "status",
        "label",
        "format",
        "fmt",
        "precision",
        "places",
        "digits",
        "exponent",
        "unit",
        "units",
        "field",
        "column",
        "col",
        "key",
        "url",
        "limit",
        "threshold",
        "timeout",
        "bytes",
        "size",
        "pages",
        "items",
        "len",
        "length",
        "width",
        "height",
        "cpu",
        "memory",
        "version",
    }
)

CARD_WORDS = frozenset(
    {
        "pan",
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "cvn",
        "pinblock",
        "track1",
        "track2",
        "ccnum",
        "cardnumber",
        "creditcard",
        "ccnumber",
        "magstripe",
    }
)
CARD_PAIRS = frozenset(
    {
        ("card", "number"),
        ("card", "num"),
        ("card", "no"),
        ("cc", "number"),
        ("cc", "num"),
        ("credit", "card"),
        ("security", "code"),
        ("track", "data"),
        ("pin", "block"),
        ("card", "data"),
        ("card", "details"),
    }
)
CARD_SAFE = frozenset(
    {
        "last4",
        "last",
        "four",
        "masked",
        "mask",
        "hash",
        "hashed",
        "token",
        "tokenized",
        "fingerprint",
        "id",
        "brand",
        "type",
        "length",
        "len",
        "exp",
        "expiry",
        "bin",
        "iin",
        "first6",
        "prefix",
        "suffix",
        "present",
        "valid",
        "is",
        "has",
        "status",
        "country",
        "funding",
        "network",
        "redacted",
        "safe",
        "ref",
        "count",
        "digest",
        "provided",
        "required",
        "field",
        "label",
        "name",
        "format",
        "regex",
        "pattern",
        "service",
        "client",
        "vault",
        "validator",
        "repository",
        "repo",
        "store",
        "api",
        "manager",
        "schema",
    }
)

SECRET_WORDS = frozenset(
    {
        "signature",
        "signatures",
        "sig",
        "hmac",
        "mac",
        "digest",
        "hexdigest",
        "token",
        "secret",
        "otp",
        "passcode",
        "password",
        "passwd",
        "apikey",
        "csrf",
    }
)
NOT_SECRET = frozenset(
    {
        "type",
        "types",
        "len",
        "length",
        "count",
        "kind",
        "name",
        "id",
        "scheme",
        "prefix",
        "format",
        "alg",
        "algorithm",
        "version",
        "expiry",
        "expires",
        "ttl",
        "url",
        "method",
        "field",
        "policy",
        "required",
        "enabled",
        "present",
        "set",
        "status",
        "index",
        "position",
        "pos",
        "line",
        "value_type",
        "size",
        "class",
        "cls",
        "str",
        "text",
        "tokens",
        "hash",
        "hashed",
        "sha256",
        "fingerprint",
        "strategy",
        "mode",
        "login",
        "reset",
        "changed",
        "updated",
    }
)

TOKEN_WORDS = frozenset(
    {
        "token",
        "otp",
        "nonce",
        "salt",
        "secret",
        "password",
        "passcode",
        "passphrase",
        "idempotency",
        "csrf",
        "apikey",
        "totp",
        "hotp",
    }
)
TOKEN_PAIRS = frozenset(
    {
        ("api", "key"),
        ("session", "id"),
        ("secret", "key"),
        ("signing", "key"),
        ("access", "key"),
        ("reset", "code"),
        ("verification", "code"),
        ("verify", "code"),
        ("auth", "code"),
        ("confirmation", "code"),
        ("activation", "code"),
        ("one", "time"),
        ("voucher", "code"),
        ("coupon", "code"),
        ("gift", "code"),
        ("idem", "key"),
        ("pin", "code"),
        ("security", "code"),
    }
)
NOT_TOKEN = frozenset(
    {
        "count",
        "length",
        "len",
        "type",
        "expiry",
        "expires",
        "ttl",
        "name",
        "field",
        "header",
        "prefix",
        "url",
        "delay",
        "jitter",
        "backoff",
        "sleep",
        "retry",
        "retries",
        "index",
        "order",
        "shuffle",
        "sample",
        "weight",
        "timeout",
    }
)


def words(identifier: str) -> tuple[str, ...]:
    """`cardNumber_last4` -> ("card", "number", "last4")."""
    return tuple(w.lower() for w in _SPLIT.split(_CAMEL.sub("_", identifier)) if w)


def name_of(node: ast.AST) -> str | None:
    """The identifier an expression stands for: `x`, `a.b.c`, `d["key"]`, `d.get("key")`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = name_of(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Subscript):
        base = name_of(node.value)
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return f"{base}.{key.value}" if base else key.value
        return base
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "pop", "getlist")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        base = name_of(node.func.value)
        return f"{base}.{node.args[0].value}" if base else node.args[0].value
    return None


def last_words(node: ast.AST, parts: int = 1) -> tuple[str, ...]:
    """Words of the last `parts` parts of an expression's name (`payment.amount` -> ("amount",))."""
    name = name_of(node)
    return words(".".join(name.split(".")[-parts:])) if name else ()


def money_strength(ws: tuple[str, ...]) -> int:
    """2 for a clear money name (`amount`), 1 for a likely one (`total`), 0 otherwise."""
    if not ws or NOT_MONEY.intersection(ws):
        return 0
    if MONEY_STRONG.intersection(ws):
        return 2
    return 1 if MONEY_WEAK.intersection(ws) else 0


def is_card_data(ws: tuple[str, ...]) -> bool:
    """Words naming a full card number, CVV, PIN block or track data (not a mask, token or last 4)."""
    if not ws or CARD_SAFE.intersection(ws):
        return False
    if CARD_WORDS.intersection(ws):
        return True
    return any(pair in CARD_PAIRS for pair in itertools.pairwise(ws))


def is_secret(ws: tuple[str, ...]) -> bool:
    """Words naming a signature, MAC, token, password or API secret (not its type or length)."""
    if not ws or ws[-1] in NOT_SECRET or ws[0] in ("is", "has"):
        return False
    return bool(SECRET_WORDS.intersection(ws)) or ("api", "key") in itertools.pairwise(ws)


def is_token(ws: tuple[str, ...]) -> bool:
    """Words naming something that must be unguessable: a token, OTP, idempotency key, salt..."""
    if not ws or NOT_TOKEN.intersection(ws):
        return False
    if TOKEN_WORDS.intersection(ws) or ws == ("pin",):
        return True
    return any(pair in TOKEN_PAIRS for pair in itertools.pairwise(ws))


def names_in(
    node: ast.AST, skip_call: frozenset[str] = frozenset(), prune: Callable[[ast.AST], bool] | None = None
) -> Iterator[ast.AST]:
    """Every name-like sub-expression of `node`, not entering calls whose name is in `skip_call`
    nor sub-expressions for which `prune` is true."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if prune is not None and prune(cur):
            continue
        if isinstance(cur, ast.Call):
            fname = name_of(cur.func) or ""
            if any(w in skip_call for w in words(fname.rsplit(".", 1)[-1])):
                continue
            if name_of(cur) is not None:  # d.get("key") names the key
                yield cur
            # The function's own name is not data; its receiver and arguments are.
            if isinstance(cur.func, ast.Attribute):
                stack.append(cur.func.value)
            stack.extend(cur.args)
            stack.extend(k.value for k in cur.keywords)
            continue
        if isinstance(cur, ast.Name | ast.Attribute | ast.Subscript):
            yield cur
            if isinstance(cur, ast.Attribute):
                continue  # the whole chain was yielded; its parts would only repeat it
        stack.extend(ast.iter_child_nodes(cur))


def parent(node: ast.AST) -> ast.AST | None:
    """bandit's visitor links every node to its parent; outside bandit there is none."""
    found = getattr(node, "_bandit_parent", None)
    return found if isinstance(found, ast.AST) else None


def enclosing_function(node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    cur = parent(node)
    while cur is not None:
        if isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef):
            return cur
        cur = parent(cur)
    return None
