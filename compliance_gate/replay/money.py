"""Money in integer minor units: exact parsing, ISO 4217 exponents, and the same rules in SQL.

Amounts are never parsed through a float (`12345678901234567.89` is not a double). The exponent
of a currency comes from ISO 4217 unless the policy overrides it per source: payment providers
disagree with ISO for CLP, ISK, HUF, TWD and UGX, and a report may store cents as integers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache

from compliance_gate import bundled

DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
SQL_DECIMAL_RE = r"-?[0-9]+(\.[0-9]+)?"
MAX_MINOR = 2**63 - 1


class AmountError(ValueError):
    """An amount that is not a plain decimal or has more decimals than its currency allows."""


@lru_cache(maxsize=1)
def iso4217() -> Mapping[str, int]:
    """ISO 4217 minor-unit exponents of active currency codes."""
    path = bundled.policies_dir() / "currencies" / "iso4217.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): int(v) for k, v in data["exponents"].items()}


def exponents(overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """ISO 4217 exponents with a source's overrides applied."""
    return {**iso4217(), **(overrides or {})}


def to_minor(text: str, exponent: int) -> int:
    """`"12.30"` with exponent 2 is 1230; raise `AmountError` for junk or excess precision."""
    if not DECIMAL_RE.fullmatch(text):
        raise AmountError(f"amount {text!r} is not a plain decimal number")
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    if len(frac.rstrip("0")) > exponent:
        raise AmountError(f"amount {text} has more than {exponent} decimals")
    value = int(whole + (frac + "0" * exponent)[:exponent])
    return -value if negative else value


def format_minor(minor: int, exponent: int) -> str:
    """1230 with exponent 2 is `"12.30"` (exact, for messages and reports)."""
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(exponent + 1, "0")
    return sign + (digits[:-exponent] + "." + digits[-exponent:] if exponent else digits)


def sql_problem(amount: str, exponent: str, minor_units: bool) -> str:
    """A SQL expression naming what is wrong with `amount` (NULL when it is fine or absent)."""
    if minor_units:
        return (
            f"CASE WHEN {amount} IS NULL THEN NULL "
            f"WHEN NOT regexp_full_match({amount}, '-?[0-9]{{1,18}}') THEN 'amount ' || {amount} || "
            "' is not an integer number of minor units' END"
        )
    frac = f"split_part({amount}, '.', 2)"
    return (
        f"CASE WHEN {amount} IS NULL THEN NULL "
        f"WHEN NOT regexp_full_match({amount}, '{SQL_DECIMAL_RE}') THEN 'amount ' || {amount} || "
        "' is not a plain decimal number' "
        f"WHEN {exponent} IS NULL THEN NULL "
        f"WHEN length(rtrim({frac}, '0')) > {exponent} THEN 'amount ' || {amount} || ' has more than ' || "
        f"{exponent} || ' decimals' "
        f"WHEN length(split_part(ltrim({amount}, '-'), '.', 1)) + {exponent} > 18 THEN 'amount ' || "
        f"{amount} || ' is out of range' END"
    )


def sql_canonical(amount: str, exponent: str, minor_units: bool, exponents: list[int]) -> str:
    """A SQL test that `amount` is written exactly as DuckDB renders its own parse of it.

    For a decimal that is `-?(0|[1-9][0-9]*)` plus, when the exponent is not 0, a point and
    exactly `exponent` digits, within 18 digits: a valid amount (`sql_problem` is NULL) whose
    minor units are its digits without the point. Most amounts are written so; the general
    (slower) expressions handle the rest.
    """
    if minor_units:
        return (
            f"(length({amount}) <= 18 + starts_with({amount}, '-')::INTEGER "
            f"AND {amount} = CAST(TRY_CAST({amount} AS BIGINT) AS VARCHAR))"
        )
    cases = " ".join(
        f"WHEN {int(e)} THEN {amount} = CAST(TRY_CAST({amount} AS DECIMAL(18, {int(e)})) AS VARCHAR)" for e in exponents
    )
    return f"coalesce(CASE {exponent} {cases} END, false)"


def sql_minor(amount: str, exponent: str, minor_units: bool) -> str:
    """A SQL BIGINT expression: the exact minor units of a valid `amount` (see `sql_problem`)."""
    if minor_units:
        return f"TRY_CAST({amount} AS BIGINT)"
    whole = f"CAST(split_part(ltrim({amount}, '-'), '.', 1) AS BIGINT)"
    frac = f"rpad(split_part({amount}, '.', 2), {exponent}, '0')"
    scaled = f"CAST(power(10, {exponent}) AS BIGINT)"
    frac_value = f"CASE WHEN {exponent} = 0 THEN 0 ELSE CAST(left({frac}, {exponent}) AS BIGINT) END"
    sign = f"CASE WHEN starts_with({amount}, '-') THEN -1 ELSE 1 END"
    return f"({sign} * ({whole} * {scaled} + {frac_value}))"
