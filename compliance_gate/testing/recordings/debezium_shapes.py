"""The Debezium PostgreSQL connector's change-event shapes for a `payments` table (JSON converter).

With `schemas.enable=true` every value is `{"schema": <Envelope schema>, "payload": {...}}` and
every key `{"schema": <Key schema>, "payload": {"id": ...}}`; without, just the payloads. Field
names, types and semantic names (`io.debezium.data.Uuid`, `io.debezium.time.MicroTimestamp`,
`io.debezium.data.Enum` for `source.snapshot`) follow the connector's documentation for
version 2.7. The schema is serialized once and spliced around each payload.
"""

from __future__ import annotations

import orjson

VERSION = "2.7.3.Final"
SERVER = "pg"  # topic.prefix
TOPIC = f"{SERVER}.public.payments"

_COLUMNS: list[dict[str, object]] = [
    {"type": "string", "optional": False, "name": "io.debezium.data.Uuid", "version": 1, "field": "id"},
    {"type": "string", "optional": False, "field": "status"},
    {"type": "int64", "optional": False, "field": "amount_minor"},
    {"type": "string", "optional": False, "field": "currency"},
    {"type": "int64", "optional": False, "default": 0, "field": "captured_minor"},
    {"type": "int64", "optional": False, "default": 0, "field": "refunded_minor"},
    {"type": "string", "optional": True, "field": "idempotency_key"},
    {
        "type": "int64",
        "optional": False,
        "name": "io.debezium.time.MicroTimestamp",
        "version": 1,
        "field": "updated_at",
    },
]
_SOURCE: list[dict[str, object]] = [
    {"type": "string", "optional": False, "field": "version"},
    {"type": "string", "optional": False, "field": "connector"},
    {"type": "string", "optional": False, "field": "name"},
    {"type": "int64", "optional": False, "field": "ts_ms"},
    {
        "type": "string",
        "optional": True,
        "name": "io.debezium.data.Enum",
        "version": 1,
        "parameters": {"allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},
        "default": "false",
        "field": "snapshot",
    },
    {"type": "string", "optional": False, "field": "db"},
    {"type": "string", "optional": True, "field": "sequence"},
    {"type": "int64", "optional": True, "field": "ts_us"},
    {"type": "int64", "optional": True, "field": "ts_ns"},
    {"type": "string", "optional": False, "field": "schema"},
    {"type": "string", "optional": False, "field": "table"},
    {"type": "int64", "optional": True, "field": "txId"},
    {"type": "int64", "optional": True, "field": "lsn"},
    {"type": "int64", "optional": True, "field": "xmin"},
]
_TRANSACTION = {
    "type": "struct",
    "fields": [
        {"type": "string", "optional": False, "field": "id"},
        {"type": "int64", "optional": False, "field": "total_order"},
        {"type": "int64", "optional": False, "field": "data_collection_order"},
    ],
    "optional": True,
    "name": "event.block",
    "version": 1,
    "field": "transaction",
}
VALUE_SCHEMA = {
    "type": "struct",
    "fields": [
        {"type": "struct", "fields": _COLUMNS, "optional": True, "name": f"{TOPIC}.Value", "field": "before"},
        {"type": "struct", "fields": _COLUMNS, "optional": True, "name": f"{TOPIC}.Value", "field": "after"},
        {
            "type": "struct",
            "fields": _SOURCE,
            "optional": False,
            "name": "io.debezium.connector.postgresql.Source",
            "field": "source",
        },
        _TRANSACTION,
        {"type": "string", "optional": False, "field": "op"},
        {"type": "int64", "optional": True, "field": "ts_ms"},
        {"type": "int64", "optional": True, "field": "ts_us"},
        {"type": "int64", "optional": True, "field": "ts_ns"},
    ],
    "optional": False,
    "name": f"{TOPIC}.Envelope",
    "version": 2,
}
KEY_SCHEMA = {"type": "struct", "fields": [_COLUMNS[0]], "optional": False, "name": f"{TOPIC}.Key"}
_VALUE_HEAD = b'{"schema":' + orjson.dumps(VALUE_SCHEMA) + b',"payload":'


def source(commit_ms: int, snapshot: str, sequence: str, tx: int, lsn: int) -> dict[str, object]:
    return {
        "version": VERSION,
        "connector": "postgresql",
        "name": SERVER,
        "ts_ms": commit_ms,
        "snapshot": snapshot,
        "db": "payments",
        "sequence": sequence,
        "ts_us": commit_ms * 1000,
        "ts_ns": commit_ms * 1_000_000,
        "schema": "public",
        "table": "payments",
        "txId": tx,
        "lsn": lsn,
        "xmin": None,
    }


def payload(
    before: dict[str, object] | None, after: dict[str, object] | None, src: dict[str, object], op: str, emit_ms: int
) -> dict[str, object]:
    return {
        "before": before,
        "after": after,
        "source": src,
        "transaction": None,
        "op": op,
        "ts_ms": emit_ms,
        "ts_us": emit_ms * 1000,
        "ts_ns": emit_ms * 1_000_000,
    }


def value_line(body: dict[str, object], with_schema: bool) -> bytes:
    data = orjson.dumps(body)
    return _VALUE_HEAD + data + b"}" if with_schema else data


def key_text(row_id: str, with_schema: bool) -> str:
    key = {"schema": KEY_SCHEMA, "payload": {"id": row_id}} if with_schema else {"id": row_id}
    return orjson.dumps(key).decode()
