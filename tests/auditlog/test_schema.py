"""The shipped record schema: the 10.2.2 elements, categories, UTC time, integer-string amounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from auditlogs import read, write, write_log

from compliance_gate.auditlog.schema import RecordSchema, SchemaProblem, json_path
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.bundled import policies_dir

SCHEMA = policies_dir() / "schemas" / "audit-record.schema.json"


def _drop(key: str) -> Any:
    return lambda r: r.pop(key)


def _set(key: str, value: Any) -> Any:
    return lambda r: r.__setitem__(key, value)


VIOLATIONS = [
    ("no actor", _drop("actor"), "$", "actor"),
    ("no outcome", _drop("outcome"), "$", "outcome"),
    ("no origin", _drop("origin"), "$", "origin"),
    ("no target", _drop("target"), "$", "target"),
    ("no timestamp", _drop("timestamp"), "$", "timestamp"),
    ("no category", _drop("category"), "$", "category"),
    ("local time", _set("timestamp", "2026-11-21T09:33:28+01:00"), "$.timestamp", "does not match"),
    ("not a time", _set("timestamp", "yesterday"), "$.timestamp", ""),
    ("float amount", _set("amount", 12.5), "$.amount", "string"),
    ("decimal amount", _set("amount", "12.50"), "$.amount", "does not match"),
    ("float refund_amount", _set("refund_amount", 3.0), "$.refund_amount", "string"),
    ("unknown category", _set("category", "misc"), "$.category", ""),
    ("bad outcome", _set("outcome", "maybe"), "$.outcome", ""),
    ("anonymous actor", _set("actor", "bob"), "$.actor", ""),
    ("state change without event", _drop("source_event_id"), "$", "source_event_id"),
    ("lower-case currency", _set("currency", "eur"), "$.currency", ""),
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
    record = {**read_one(), "amount": pan + ".00", pan: 1}
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
