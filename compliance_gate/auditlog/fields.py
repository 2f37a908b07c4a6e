"""Audit records as ordinary structlog applications write them: which lines are audit records,
and where each PCI DSS 10.2.2 element is in them.

A service adopts the audit-log check by adding one processor (`AuditChain`) to the logging it
already has. Its records keep the keys the team already logs (`user_id`, `ip`, `payment_id`,
`status`...): the policy's field map says where each element is, with defaults that match what
structlog services commonly bind (django-structlog's `user_id` and `ip`, FastAPI middlewares'
`client_ip`/`client_host`, structlog's own `event` and `timestamp`):

| element (10.2.2) | policy key | looked up in, first present wins |
|---|---|---|
| user identification | `user` | actor, user_id, user, username, principal, sub |
| type of event | `event` | event, message, event_type, action |
| date and time | `time` | timestamp, @timestamp, time, ts |
| success or failure | `outcome` | outcome, status, result, success, status_code |
| origination | `origin` | origin, ip, client_ip, remote_addr, client_host, source_ip, host, hostname |
| affected data or component | `target` | target, payment_id, resource, resource_id, object_id, order_id, path |

The record schema is checked against a *view* of each audit record: the record with those six
elements under their canonical names (`actor`, `event`, `timestamp`, `outcome`, `origin`,
`target`); the record itself, and so its hash, is never changed. Outcomes are normalised:
success/succeeded/ok/true/approved/completed/allowed and HTTP codes below 400 are `success`;
failure/failed/error/denied/declined/rejected/false and codes 400-599 are `failure`; anything
else is a schema violation naming the key.

Which lines are audit records (`audit_records` in the policy): by default every record at
`info` level or above (a record without a level counts); `debug` lines share the chain (they are
sealed and linked like any other) but are not schema-checked. A policy can instead select by
logger name (`loggers`), by a key set to true (`key: audit`) or by event names (`events`).

Amounts (`amount`, `*_amount`) are integers in minor units (`1250`) or decimal strings (`"12.50"`);
a decimal with a fraction needs its currency (`currency`, or `refund_currency` beside
`refund_amount`), and no more decimals than the currency has (ISO 4217). Currency codes are
case-insensitive. Floats are never accepted: money is not a binary fraction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from compliance_gate.replay.money import iso4217

LEVELS = {
    "notset": 0,
    "trace": 5,
    "debug": 10,
    "info": 20,
    "warn": 30,
    "warning": 30,
    "error": 40,
    "exception": 40,
    "critical": 50,
    "fatal": 50,
}
SUCCESS = frozenset({"success", "succeeded", "successful", "ok", "true", "passed", "approved", "completed", "allowed"})
FAILURE = frozenset({"failure", "failed", "fail", "error", "denied", "declined", "rejected", "false", "refused"})
_AMOUNT = re.compile(r"(^|_)amount$")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)\.([0-9]+)")


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Where each 10.2.2 element is in a record: candidate keys, the first present one wins."""

    user: tuple[str, ...] = ("actor", "user_id", "user", "username", "principal", "sub")
    event: tuple[str, ...] = ("event", "message", "event_type", "action")
    time: tuple[str, ...] = ("timestamp", "@timestamp", "time", "ts")
    outcome: tuple[str, ...] = ("outcome", "status", "result", "success", "status_code")
    origin: tuple[str, ...] = (
        "origin",
        "ip",
        "client_ip",
        "remote_addr",
        "client_host",
        "source_ip",
        "host",
        "hostname",
    )
    target: tuple[str, ...] = ("target", "payment_id", "resource", "resource_id", "object_id", "order_id", "path")


@dataclass(frozen=True, slots=True)
class AuditRecords:
    """Which records are audit records (the rest are chained but not schema-checked).

    `loggers`, `key` and `events` each select on their own when set (any of them selects a
    record); with none set, `min_level` does."""

    min_level: str = "info"
    loggers: tuple[str, ...] = ()
    key: str | None = None
    events: tuple[str, ...] = ()


CANONICAL: tuple[tuple[str, str], ...] = (
    ("user", "actor"),
    ("event", "event"),
    ("time", "timestamp"),
    ("outcome", "outcome"),
    ("origin", "origin"),
    ("target", "target"),
)
"""(field-map element, the name the record schema knows it by)."""


@dataclass(frozen=True, slots=True)
class RecordView:
    """Turns a parsed record into what the schema checks (or None for a record that is not an
    audit record). Picklable: it travels to the worker processes with the verification config."""

    fields: FieldMap = field(default_factory=FieldMap)
    select: AuditRecords = field(default_factory=AuditRecords)

    def is_audit(self, rec: Mapping[str, object]) -> bool:
        s = self.select
        if s.loggers or s.key or s.events:
            return (
                (bool(s.loggers) and rec.get("logger") in s.loggers)
                or (s.key is not None and rec.get(s.key) is True)
                or (bool(s.events) and rec.get("event") in s.events)
            )
        level = rec.get("level")
        if not isinstance(level, str):
            return True  # no level: every such record is held to the schema (fail closed)
        return LEVELS.get(level.lower(), 20) >= LEVELS.get(s.min_level.lower(), 20)

    def __call__(self, rec: Mapping[str, object]) -> dict[str, object] | None:
        if not self.is_audit(rec):
            return None
        view = dict(rec)
        for element, canonical in CANONICAL:
            for key in getattr(self.fields, element):
                value = rec.get(key)
                if value is not None and value != "":
                    view[canonical] = _outcome(value) if element == "outcome" else value
                    break
            else:
                view.pop(canonical, None)  # absent, null or empty: the schema reports it missing
        currency = view.get("currency")
        if isinstance(currency, str):
            view["currency"] = currency.upper()
        return view


def _outcome(value: object) -> object:
    """`success` or `failure` for the ways teams write it; anything else unchanged (the schema names it)."""
    if isinstance(value, bool):
        return "success" if value else "failure"
    if isinstance(value, int) and 100 <= value <= 599:
        return "success" if value < 400 else "failure"
    if isinstance(value, str):
        low = value.strip().lower()
        if low in SUCCESS:
            return "success"
        if low in FAILURE:
            return "failure"
    return value


def money_problems(view: Mapping[str, object]) -> list[tuple[str, str]]:
    """Decimal amounts that lack a currency or carry more decimals than it has: (json path, message)."""
    out: list[tuple[str, str]] = []
    for key, value in view.items():
        if not _AMOUNT.search(key):
            continue
        path = f"$.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else "$"
        if isinstance(value, float):  # JSON Schema counts 3.0 as an integer; a float it still is
            out.append((path, "a float amount: write minor units as an integer or a decimal string"))
            continue
        m = _DECIMAL.fullmatch(value) if isinstance(value, str) else None
        if m is None:
            continue
        prefix = key[: -len("amount")]
        currency = view.get(prefix + "currency", view.get("currency"))
        if not isinstance(currency, str):
            out.append((path, f"a decimal amount needs its currency (`{prefix}currency` or `currency`)"))
            continue
        exponent = iso4217().get(currency.upper())
        if exponent is None:
            out.append((path, f"currency {currency[:8]!r} is not an ISO 4217 code"))
        elif len(m.group(2).rstrip("0")) > exponent:
            out.append((path, f"the amount has more decimals than {currency.upper()} has ({exponent})"))
    return out
