"""B901 money_held_in_float and B902 money_rounded_with_round: money in binary floating point."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from bandit.core.constants import HIGH, LOW, MEDIUM
from bandit.core.issue import Issue

from compliance_gate.sast.plugins._names import enclosing_function, last_words, money_strength, names_in, parent
from compliance_gate.sast.plugins._rule import rule

if TYPE_CHECKING:
    from bandit.core.context import Context

CWE_PRECISION = 1339  # Insufficient Precision or Accuracy of a Real Number
_CONFIDENCE = {2: MEDIUM, 1: LOW}


def _issue(text: str, strength: int, lineno: int | None = None, held: bool = False) -> Issue:
    return Issue(
        severity=HIGH if held else MEDIUM,
        confidence=HIGH if strength >= 3 else _CONFIDENCE[strength],
        cwe=CWE_PRECISION,
        text=text,
        lineno=lineno,
    )


def _is_float_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is float


def _is_float_annotation(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "float"
    if isinstance(node, ast.Constant):
        return node.value == "float"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # float | None
        return _is_float_annotation(node.left) or _is_float_annotation(node.right)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Optional":
        return _is_float_annotation(node.slice)
    return False


def _is_float_value(node: ast.AST) -> bool:
    """A float literal, a `float(...)` call, or arithmetic with one of them in it."""
    if _is_float_literal(node) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float"
    ):
        return True
    if isinstance(node, ast.BinOp):
        return _is_float_value(node.left) or _is_float_value(node.right)
    return False


def _held(node: ast.AST) -> bool:
    """Is the float value `node` kept in a clearly money-named variable or attribute (`amount =
    float(...)`, `fee = amount * 0.029 + 0.30`, `self.balance += 0.5`)? Converting at an API
    boundary (a payload's value, a keyword argument) or typing a field is not holding."""
    cur, up = node, parent(node)
    while isinstance(up, ast.BinOp | ast.UnaryOp):
        cur, up = up, parent(up)
    if isinstance(up, ast.Assign) and up.value is cur:
        return _target_strength(up.targets) == 2
    if isinstance(up, ast.AnnAssign | ast.AugAssign) and up.value is cur:
        return _target_strength([up.target]) == 2
    return False


def _target_strength(targets: list[ast.expr]) -> int:
    return max((money_strength(last_words(t)) for t in targets), default=0)


def _assigned_strength(node: ast.AST, targets: list[ast.expr]) -> int:
    """A clear money name counts as is; a likely one (`total`) only if money is added to it later
    in the same function (`total += item.price`): `total = 0.0` alone is as often a latency sum."""
    strength = _target_strength(targets)
    if strength != 1:
        return strength
    names = {t.id for t in targets if isinstance(t, ast.Name)}
    scope: ast.AST | None = enclosing_function(node)
    if scope is None:
        return 0
    for sub in ast.walk(scope):
        if (
            isinstance(sub, ast.AugAssign)
            and isinstance(sub.target, ast.Name)
            and sub.target.id in names
            and any(money_strength(last_words(n)) == 2 for n in names_in(sub.value))
        ):
            return 1
    return 0


@rule("B901", "Call", "Assign", "AnnAssign", "FunctionDef", "AsyncFunctionDef")
def money_held_in_float(context: Context) -> Issue | None:
    """B901: money held in a binary float.

    **What it finds.** `float(x)` where `x` names an amount (`float(amount)`,
    `float(request.POST["price"])`); a float literal assigned or passed to an amount-like name
    (`fee = 0.30`, `Charge(amount=12.5)`); an amount-like variable, parameter or field annotated
    `float` (`amount: float`). Names are judged by words: `amount`, `price`, `balance`, `fee`,
    `refund`, `payout`, `subtotal`, `cents`... are clear (confidence MEDIUM, HIGH for `float()`
    on them); `total`, `cost`, `tax`, `discount`, `tip` are only likely (LOW), and a float literal
    assigned to one counts only when money is later added to it in the same function
    (`total = 0.0` ... `total += line.price`); annotations count for clear names only. Rates,
    ratios, percentages, durations, counts and ids (`fee_rate`, `total_seconds`, `price_id`) are
    not money.

    **Why it matters.** Binary floats cannot hold most decimal fractions: `0.1 + 0.2 != 0.3`,
    `19.99 * 100 == 1998.9999999999998`, so `int(19.99 * 100)` charges 1998 cents. Ledgers drift,
    reconciliation breaks by a cent, refunds exceed the captured amount.

    **Example.**

    .. code-block:: python

        amount = float(request.POST["amount"])
        Charge(amount=12.5, currency="EUR")

    **Instead.** Keep money as `decimal.Decimal` parsed from the string
    (`Decimal(request.POST["amount"])`) or as integer minor units (`amount_cents: int`), and
    convert at the edge with the currency's exponent.
    """
    node = context.node
    if isinstance(node, ast.Call):
        return _check_call(context, node)
    if isinstance(node, ast.Assign):
        strength = _assigned_strength(node, node.targets)
        if strength and (_is_float_literal(node.value) or _is_float_of_other(node.value)):
            return _issue(
                "Money held in a binary float; use Decimal or integer minor units.", strength, held=strength == 2
            )
        if strength == 2 and isinstance(node.value, ast.BinOp) and _has_float_literal(node.value):
            return _issue("Money computed in binary floats; use Decimal or integer minor units.", 2, held=True)
    if isinstance(node, ast.AnnAssign):
        strength = _target_strength([node.target])
        value_float = node.value is not None and (_is_float_literal(node.value) or _is_float_of_other(node.value))
        if strength == 2 and (_is_float_annotation(node.annotation) or value_float):
            # a float value kept there is money held (HIGH); a type alone (an SDK's request model
            # mirroring the API's JSON number) is reported, not blocking
            return _issue(
                "Money typed or held as float; use Decimal or integer minor units.", strength, held=value_float
            )
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        for arg in args:
            strength = money_strength(last_words(ast.Name(arg.arg)))
            if strength == 2 and _is_float_annotation(arg.annotation):
                return _issue(
                    "Money parameter annotated float; use Decimal or integer minor units.", strength, arg.lineno
                )
    return None


def _has_float_literal(node: ast.AST) -> bool:
    return any(_is_float_literal(n) for n in ast.walk(node))


def _is_float_of_other(node: ast.AST) -> bool:
    """`float(x)` where `x` is not itself money-named (that case is reported on the call)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and not money_strength(last_words(node.args[0]))
    )


def _check_call(context: Context, node: ast.Call) -> Issue | None:
    if context.call_function_name_qual == "float" and len(node.args) == 1:
        strength = money_strength(last_words(node.args[0]))
        if strength:
            return _issue(
                "Money converted to a binary float; use Decimal or integer minor units.",
                strength + 1,
                held=_held(node),
            )
    for kw in node.keywords:
        if kw.arg and _is_float_literal(kw.value):
            strength = money_strength(last_words(ast.Name(kw.arg)))
            if strength:
                return _issue(
                    "Float literal passed as money; use Decimal or integer minor units.", strength, kw.value.lineno
                )
    return None


ROUND_NAMES = frozenset({"round", "numpy.round", "numpy.around", "np.round", "np.around", "math.floor", "math.ceil"})


@rule("B902", "Call")
def money_rounded_with_round(context: Context) -> Issue | None:
    """B902: money rounded with `round()` (or `math.floor`/`math.ceil`, `numpy.round`).

    **What it finds.** A call to `round()` whose first argument mentions an amount-like name:
    `round(amount * 1.2, 2)`, `round(sum(i.price for i in items), 2)`, `math.floor(fee)`.

    **Why it matters.** On floats, `round()` rounds the binary approximation:
    `round(2.675, 2) == 2.67`, not 2.68. On `Decimal` it silently applies banker's rounding
    (half to even), which is rarely what a fee schedule, a tax authority or a card scheme
    specifies. Either way the rounding rule is implicit, so two services round the same
    amount differently and the books disagree by a cent.

    **Example.**

    .. code-block:: python

        fee = round(amount * Decimal("0.029"), 2)

    **Instead.** Quantize a `Decimal` with the rounding mode the contract names:
    `(amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)`, or compute in integer
    minor units with explicit integer arithmetic.
    """
    node = context.node
    if context.call_function_name_qual not in ROUND_NAMES or not node.args:
        return None
    best = max((money_strength(last_words(n)) for n in names_in(node.args[0])), default=0)
    if best:
        return _issue("Money rounded with round()/floor/ceil; quantize a Decimal with an explicit rounding mode.", best)
    return None
