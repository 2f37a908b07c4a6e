"""The shipped record schema through the field map: the 10.2.2 elements, UTC time, amounts with currencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from auditlogs import read, write, write_log

from compliance_gate.auditlog.schema import RecordSchema, SchemaProblem, json_path
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.bundled import policies_dir

SCHEMA = policies_dir() / "schemas" / "audit-record.schema.json"


def _drop(*keys: str) -> Any:
    return lambda r: [r.pop(k) for k in keys]


def _set(key: str, value: Any) -> Any:
    return lambda r: r.__setitem__(key, value)


def _both(*changes: Any) -> Any:
    return lambda r: [c(r) for c in changes]


# Line 3 is a payment state change written by AuditChain; each mutation breaks one rule.
VIOLATIONS = [
    ("no actor", _drop("actor"), "$", "actor"),
    ("no outcome", _drop("outcome"), "$", "outcome"),
    ("no origin", _drop("origin"), "$", "origin"),
    (
        "no target",
        _both(_drop("target", "payment_id", "source_event_id"), _set("category", "chd.access")),
        "$",
        "target",
    ),
    ("no timestamp", _drop("timestamp"), "$", "timestamp"),
    ("no event", _drop("event"), "$", "event"),
    ("null actor", _set("actor", None), "$", "actor"),
    ("local time", _set("timestamp", "2026-11-21T09:33:28+01:00"), "$.timestamp", "does not match"),
    ("not a time", _set("timestamp", "yesterday"), "$.timestamp", ""),
    ("float amount", _set("amount", 12.5), "$.amount", ""),
    ("float refund_amount", _set("refund_amount", 3.0), "$.refund_amount", ""),
    (
        "decimal amount, no currency",
        _both(_set("amount", "12.50"), _drop("currency")),
        "$.amount",
        "needs its currency",
    ),
    ("more decimals than the currency", _set("amount", "12.505"), "$.amount", "more decimals than EUR has (2)"),
    ("JPY has no decimals", _both(_set("amount", "1250.5"), _set("currency", "jpy")), "$.amount", "JPY has (0)"),
    ("unknown currency", _both(_set("amount", "1.00"), _set("currency", "xyz")), "$.amount", "not an ISO 4217"),
    ("unknown category", _set("category", "misc"), "$.category", ""),
    ("bad outcome", _set("outcome", "maybe"), "$.outcome", ""),
    ("state change without event", _drop("source_event_id"), "$", "source_event_id"),
]


@pytest.mark.parametrize(("name", "mutate", "where", "text"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_each_violation_names_file_line_and_path(tmp_path: Path, name: str, mutate: Any, where: str, text: str) -> None:
    """A schema violation is one CG-AUDIT-SCHEMA finding with the record's line and JSON path."""
    path = write_log(tmp_path / "a.jsonl", 3)
    records = read(path)
    mutate(records[2])
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig(schema=RecordSchema(SCHEMA)))
    schema = [p for p in report.problems if p.rule == "CG-AUDIT-SCHEMA"]
    assert {(p.path, p.line, p.properties["json_path"]) for p in schema} == {("a.jsonl", 3, where)}
    assert any(text in p.message for p in schema)


ACCEPTED = [
    ("no category: the structlog event is the type", _drop("category")),
    ("user_id as an integer", _both(_drop("actor"), _set("user_id", 42))),
    ("an actor without a prefix", _set("actor", "bob")),
    ("minor units as an integer", _set("amount", 1250)),
    ("a decimal with its currency", _set("amount", "12.50")),
    ("a lower-case currency", _both(_set("amount", "12.5"), _set("currency", "eur"))),
    ("refund_amount with refund_currency", _both(_set("refund_amount", "3.10"), _set("refund_currency", "usd"))),
    ("status as the outcome", _both(_drop("outcome"), _set("status", "succeeded"))),
    ("an HTTP status code as the outcome", _both(_drop("outcome"), _set("status_code", 403))),
    ("ip as the origin", _both(_drop("origin"), _set("ip", "203.0.113.9"))),
    ("a debug line is chained, not checked", _both(_set("level", "debug"), _drop("actor", "outcome", "target"))),
]


@pytest.mark.parametrize(("name", "mutate"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_what_ordinary_services_log_is_accepted(tmp_path: Path, name: str, mutate: Any) -> None:
    """Keys teams already log map onto the 10.2.2 elements; amounts, currencies and outcomes in their usual forms."""
    path = write_log(tmp_path / "a.jsonl", 3)
    records = read(path)
    mutate(records[2])
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig(schema=RecordSchema(SCHEMA)))
    assert [p.message for p in report.problems if p.rule == "CG-AUDIT-SCHEMA"] == []


def test_structlog_renderer_keys_are_accepted() -> None:
    """A record as structlog's JSONRenderer + TimeStamper(utc) writes it (event, level, ...Z) is valid."""
    record = read_one()
    assert RecordSchema(SCHEMA).problems(record) == []


def read_one() -> dict[str, Any]:
    return {
        "event": "admin changed role",
        "level": "warning",
        "timestamp": "2026-11-21T08:33:28.123456Z",
        "category": "admin.action",
        "actor": "user:alice",
        "outcome": "success",
        "origin": "10.0.0.9",
        "target": "role:refund-approver",
        "logger": "admin",
        "stream": "admin",
        "seq": 3,
        "prev_hash": "0" * 64,
        "hash_alg": "sha256",
        "hash": "1" * 64,
    }


def test_values_never_appear_in_messages() -> None:
    """Messages mask the offending value, so a card number in a bad field does not leak."""
    pan = "4" + "0" * 14 + "9"
    record = {**read_one(), "amount": pan + "x", pan: 1}
    text = repr(RecordSchema(SCHEMA).problems(record))
    assert pan not in text and "$.amount" in text


def test_custom_schema_and_broken_schema(tmp_path: Path) -> None:
    """A policy's own schema is used as given; an unreadable one is a SchemaProblem."""
    own = tmp_path / "s.json"
    own.write_text('{"type": "object", "required": ["who"]}')
    assert RecordSchema(own).problems({}) == [("$", '"who" is a required property')]
    own.write_text("{")
    with pytest.raises(SchemaProblem):
        RecordSchema(own)


def test_json_path_quotes_odd_keys() -> None:
    """Keys that are not identifiers are quoted; indexes use brackets."""
    assert json_path(["a", 0, "b-c"]) == '$.a[0]["b-c"]'
