"""Load recorded events into DuckDB as one typed table `ev`, with a problem per bad row.

Formats: JSON Lines (plain or gzip), CSV with a header row, and Kafka exports as `kcat -C -J`
writes them (topic, partition, offset, key, ts and the payload as a JSON string or object).
Every canonical field is looked up through the policy's field mapping. Nothing is dropped
silently: a row that cannot be used keeps its line number and a `problem` that names the field.
Amounts stay text until they are converted exactly to minor units (`money.sql_minor`); a JSON
number that a double cannot hold is re-read from the raw line.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson

from compliance_gate.errors import InputError
from compliance_gate.replay import money
from compliance_gate.replay.machine import StateMachine
from compliance_gate.replay.options import EventFields, EventsInput
from compliance_gate.replay.sqlutil import ident, json_path, literal, read_lines_sql, values_table

CANONICAL = tuple(f for f in EventFields.__dataclass_fields__)
REQUIRED = ("event_id", "payment_id", "type", "occurred_at")
KCAT_KEYS = frozenset({"topic", "partition", "offset", "payload"})
TZ_RE = "(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"


def detect_format(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared
    name = path.name.removesuffix(".gz").lower()
    if name.endswith(".csv"):
        return "csv"
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for raw in fh:
                if raw.strip():
                    first = orjson.loads(raw)
                    return "kcat" if isinstance(first, dict) and first.keys() >= KCAT_KEYS else "jsonl"
    except (OSError, orjson.JSONDecodeError, EOFError):
        return "jsonl"  # the loader reports the broken line itself
    return "jsonl"


def _json_raw(path: Path, fields: EventFields, kcat: bool) -> str:
    if not kcat:
        return _plain_json_raw(path, fields)
    names = [f for f in CANONICAL if f != "amount"]
    paths = ", ".join(literal(json_path(getattr(fields, f))) for f in names)
    amount_path = literal(json_path(fields.amount))
    last_key = fields.amount.split(".")[-1].replace("'", "''")
    amount_re = literal(f'"{last_key}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)')
    body = (
        "CASE json_type(text, '$.payload') WHEN 'VARCHAR' THEN json_extract_string(text, '$.payload') "
        "ELSE json_extract(text, '$.payload')::VARCHAR END"
        if kcat
        else "text"
    )
    cols = [f"f[{i + 1}] AS {ident(n)}" for i, n in enumerate(names)]
    if kcat:  # ordering comes from the Kafka record, not the payload
        outer = {"partition": "$.partition", "offset": "$.offset", "topic": "$.topic"}
        cols = [
            f"json_extract_string(text, '{outer[n]}') AS {ident(n)}" if n in outer else c
            for n, c in zip(names, cols, strict=True)
        ]
    return f"""
        WITH l AS (SELECT row_number() OVER () AS line, text FROM {read_lines_sql(path)}),
        b AS (SELECT line, text, json_valid(text) AS ok FROM l WHERE text IS NOT NULL AND trim(text) <> ''),
        c AS (SELECT line, text, ok, CASE WHEN ok THEN {body} END AS body FROM b),
        d AS (SELECT line, text, ok AND coalesce(json_valid(body), false)
                     AND json_type(body) = 'OBJECT' AS ok, body FROM c),
        e AS (SELECT line, text, ok, body, CASE WHEN ok THEN json_extract_string(body, [{paths}]) END AS f
              FROM d)
        SELECT line, ok, {", ".join(cols)},
          CASE WHEN NOT ok THEN NULL
               WHEN json_type(body, {amount_path}) = 'DOUBLE'
               THEN regexp_extract(body, {amount_re}, 1)
               ELSE json_extract_string(body, {amount_path}) END AS amount
        FROM e"""


def _plain_json_raw(path: Path, fields: EventFields) -> str:
    """One JSON parse per line. The amount is re-read from the raw line only when the parsed
    value has more than 15 digits or an exponent, i.e. when a double may have lost digits."""
    paths = ", ".join(literal(json_path(getattr(fields, f))) for f in CANONICAL)
    last_key = fields.amount.split(".")[-1].replace("'", "''")
    amount_re = literal(f'"{last_key}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)')
    amount_i = CANONICAL.index("amount") + 1
    cols = [f"f[{i + 1}] AS {ident(n)}" for i, n in enumerate(CANONICAL) if n != "amount"]
    return f"""
        WITH l AS (SELECT row_number() OVER () AS line, text FROM {read_lines_sql(path)}),
        b AS (SELECT line, text, json_valid(text) AS ok FROM l WHERE text IS NOT NULL AND trim(text) <> ''),
        e AS (SELECT line, text, ok, CASE WHEN ok THEN json_extract_string(text, [{paths}]) END AS f FROM b)
        SELECT line, ok, {", ".join(cols)},
          CASE WHEN length(regexp_replace(f[{amount_i}], '[^0-9]', '', 'g')) > 15 OR f[{amount_i}] ~ '.*[eE].*'
               THEN coalesce(nullif(regexp_extract(text, {amount_re}, 1), ''), f[{amount_i}])
               ELSE f[{amount_i}] END AS amount
        FROM e"""


def _csv_raw(con: Any, path: Path, fields: EventFields) -> str:
    src = f"read_csv({literal(str(path))}, all_varchar=true, header=true, strict_mode=false)"
    try:
        columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    except Exception as exc:  # duckdb raises its own error classes for unreadable CSV
        raise InputError(f"{path}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    cols = [
        f"{ident(getattr(fields, f))} AS {ident(f)}" if getattr(fields, f) in columns else f"NULL AS {ident(f)}"
        for f in CANONICAL
    ]
    # line 1 is the header; quoted multi-line fields would shift this, so messages say "row"
    return f"SELECT row_number() OVER () + 1 AS line, true AS ok, {', '.join(cols)} FROM {src}"


def stage_events(con: Any, path: Path, opts: EventsInput, machine: StateMachine, fmt: str) -> None:
    """Create table `ev` (one row per non-blank input row; `problem` NULL when usable)."""
    exps = money.exponents(opts.exponents)
    values_table(con, "cur_ev", "code VARCHAR, e INTEGER", sorted(exps.items()))
    values_table(con, "codes", "type VARCHAR, ok_code INTEGER, fail_code INTEGER", list(event_codes(machine)))
    raw = _csv_raw(con, path, opts.fields) if fmt == "csv" else _json_raw(path, opts.fields, fmt == "kcat")
    try:
        con.execute(f"CREATE OR REPLACE TABLE ev AS WITH ev_raw AS ({raw}) {_normalise_sql(opts)}")
    except Exception as exc:  # duckdb's own error classes
        raise InputError(f"{path}: cannot read events ({str(exc).splitlines()[0]})") from None


def event_codes(machine: StateMachine) -> list[tuple[str, int, int]]:
    """(type, code on success, code on failure): codes index `effect_table(machine)`."""
    out = []
    for i, etype in enumerate(sorted(machine.events)):
        fail = 2 * i + 1 if machine.events[etype].on_failure >= 0 else 2 * i
        out.append((etype, 2 * i, fail))
    return out


def effect_table(machine: StateMachine) -> list[tuple[int, int]]:
    """Per code: (target state or -1, amount kind)."""
    table: list[tuple[int, int]] = []
    for etype in sorted(machine.events):
        eff = machine.events[etype]
        table.append((eff.state, eff.amount))
        table.append((eff.on_failure if eff.on_failure >= 0 else eff.state, 0 if eff.on_failure >= 0 else eff.amount))
    return table


def _normalise_sql(opts: EventsInput) -> str:
    f = opts.fields
    required = [(n, getattr(f, n)) for n in REQUIRED]
    if opts.order_by == "sequence":
        required.append(("sequence", f.sequence))
        order = "TRY_CAST(sequence AS BIGINT) AS o1, 0::BIGINT AS o2"
        order_problem = "WHEN TRY_CAST(sequence AS BIGINT) IS NULL THEN 'sequence is not an integer'"
    else:
        required.append(("offset", f.offset))
        order = "coalesce(TRY_CAST(\"partition\" AS BIGINT), 0) AS o1, TRY_CAST(\"offset\" AS BIGINT) AS o2"
        order_problem = (
            "WHEN TRY_CAST(\"offset\" AS BIGINT) IS NULL THEN 'offset is not an integer' "
            "WHEN \"partition\" IS NOT NULL AND TRY_CAST(\"partition\" AS BIGINT) IS NULL "
            "THEN 'partition is not an integer'"
        )
    missing = " ".join(
        f"WHEN {ident(n)} IS NULL OR trim({ident(n)}) = '' THEN 'missing field {n} (mapped from {src})'"
        for n, src in required
    )
    ts = (
        "CASE WHEN regexp_full_match(occurred_at, '[0-9]{13}') THEN CAST(occurred_at AS BIGINT) * 1000 "
        "WHEN regexp_full_match(occurred_at, '[0-9]{10}') THEN CAST(occurred_at AS BIGINT) * 1000000 "
        "ELSE epoch_us(TRY_CAST(occurred_at AS TIMESTAMPTZ)) END"
    )
    amount_problem = money.sql_problem("amount", "e", opts.amounts_in_minor_units)
    minor = money.sql_minor("amount", "e", opts.amounts_in_minor_units)
    failed = "lower(coalesce(success, 'true')) IN ('false', '0', 'no', 'f', 'failed')"
    return f""",
        a AS (
          SELECT r.*, c.e, {ts} AS ts, {order},
                 coalesce(CASE WHEN {failed} THEN k.fail_code ELSE k.ok_code END, -1) AS code
          FROM ev_raw r LEFT JOIN cur_ev c ON c.code = r.currency LEFT JOIN codes k ON k.type = r.type),
        b AS (
          SELECT a.*, CASE WHEN NOT ok THEN 'not a valid JSON object' {missing} {order_problem}
            WHEN NOT regexp_full_match(occurred_at, '[0-9]{{10}}|[0-9]{{13}}')
                 AND NOT regexp_matches(occurred_at, '{TZ_RE}')
            THEN 'occurred_at has no time zone (add Z or an offset)'
            WHEN ts IS NULL THEN 'occurred_at is not an ISO 8601 timestamp'
            WHEN amount IS NOT NULL AND currency IS NULL THEN 'amount without currency'
            WHEN currency IS NOT NULL AND e IS NULL THEN 'unknown currency ' ||
                 CASE WHEN regexp_full_match(currency, '[A-Za-z]{{3}}') THEN currency ELSE '(not a code)' END
            ELSE {amount_problem} END AS problem
          FROM a)
        SELECT line, event_id, payment_id, type, code, currency, idempotency_key AS idem, country, ip,
               region, coalesce(topic, '') AS topic, TRY_CAST("partition" AS BIGINT) AS part, o1, o2, ts,
               CASE WHEN problem IS NULL AND amount IS NOT NULL THEN {minor} END AS amount,
               amount AS amount_text, success, problem
        FROM b"""

