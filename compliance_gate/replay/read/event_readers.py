"""SQL that reads a recorded-events file into `ev_raw` rows: line, ok, then one text column per field.

Two readers for JSON Lines, which must give the same rows:

- `read_json_sql`, DuckDB's native reader with explicit VARCHAR columns: one parse, no per-line
  function calls. Its row numbers are file lines only if the file has no blank lines and every
  line parses (DuckDB skips the first and stops on the second), so the caller accepts its result
  only when the row count equals the file's line count and no row has a problem; otherwise it
  stages the file again with the line reader, which has its own message for every bad line.
- `lines_json_sql` reads raw lines (`read_csv` with a delimiter that cannot occur), numbers them,
  validates each and extracts the mapped fields; it also handles kcat exports and dotted paths.

The two render a JSON number that is not an integer differently only when `read_json` writes
it in exponent notation (`1e-07`, where `json_extract_string` gives `1e-7`): the caller sends
such a file to the line reader (`EXPONENT_FORM`). So does an amount of more than 15 characters
or with an exponent, which `read_json_sql` marks not ok: the line reader re-reads such numbers
from the raw text, so no double sits between.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate.replay.options import EventFields
from compliance_gate.replay.sqlutil import compression, csv_select, ident, json_path, literal, number_re, read_lines_sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

CANONICAL = tuple(f for f in EventFields.__dataclass_fields__)
# how read_json renders a double in exponent notation: a sign after the e, always
EXPONENT_FORM = r"-?[0-9]+(\.[0-9]+)?e[-+][0-9]+"
# the staged text columns (`ev`) that hold mapped values as read; the others are parsed there
TEXT_COLUMNS = ("event_id", "payment_id", "type", "currency", "idem", "country", "ip", "region", "topic", "success")


def flat(fields: EventFields) -> bool:
    """Whether every mapped field is a top-level key (what `read_json_sql` can read)."""
    return all(getattr(fields, f) and "." not in getattr(fields, f) for f in CANONICAL)


def read_json_sql(path: Path, fields: EventFields) -> str:
    keys = sorted({getattr(fields, f) for f in CANONICAL})
    columns = ", ".join(f"{literal(k)}: 'VARCHAR'" for k in keys)
    names = ", ".join(f"{ident(getattr(fields, f))} AS {ident(f)}" for f in CANONICAL)
    amount = ident(fields.amount)
    ok = f"NOT coalesce(length({amount}) > 15 OR contains({amount}, 'e') OR contains({amount}, 'E'), false)"
    src = (
        f"read_json({literal(str(path))}, format='newline_delimited', records=true, auto_detect=false, "
        f"compression='{compression(path)}', columns={{{columns}}})"
    )
    return f"SELECT row_number() OVER () AS line, {ok} AS ok, {names} FROM {src}"


def lines_json_sql(path: Path, fields: EventFields, kcat: bool) -> str:
    if not kcat:
        return _plain_lines_sql(path, fields)
    names = [f for f in CANONICAL if f != "amount"]
    paths = ", ".join(literal(json_path(getattr(fields, f))) for f in names)
    amount_path = literal(json_path(fields.amount))
    amount_re = number_re(fields.amount)
    body = (
        "CASE json_type(text, '$.payload') WHEN 'VARCHAR' THEN json_extract_string(text, '$.payload') "
        "ELSE json_extract(text, '$.payload')::VARCHAR END"
    )
    cols = [f"f[{i + 1}] AS {ident(n)}" for i, n in enumerate(names)]
    # ordering comes from the Kafka record, not the payload
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


def _plain_lines_sql(path: Path, fields: EventFields) -> str:
    """One JSON parse per line. The amount is re-read from the raw line only when the parsed
    value has more than 15 digits or an exponent, i.e. when a double may have lost digits."""
    paths = ", ".join(literal(json_path(getattr(fields, f))) for f in CANONICAL)
    amount_i = CANONICAL.index("amount") + 1
    cols = [f"f[{i + 1}] AS {ident(n)}" for i, n in enumerate(CANONICAL) if n != "amount"]
    return f"""
        WITH l AS (SELECT row_number() OVER () AS line, text FROM {read_lines_sql(path)}),
        b AS (SELECT line, text, json_valid(text) AS ok FROM l WHERE text IS NOT NULL AND trim(text) <> ''),
        e AS (SELECT line, text, ok, CASE WHEN ok THEN json_extract_string(text, [{paths}]) END AS f FROM b)
        SELECT line, ok, {", ".join(cols)},
          CASE WHEN length(regexp_replace(f[{amount_i}], '[^0-9]', '', 'g')) > 15 OR f[{amount_i}] ~ '.*[eE].*'
               THEN coalesce(nullif(regexp_extract(text, {number_re(fields.amount)}, 1), ''), f[{amount_i}])
               ELSE f[{amount_i}] END AS amount
        FROM e"""


def csv_sql(con: Connection, path: Path, fields: EventFields) -> str:
    return csv_select(con, path, str(path), {f: getattr(fields, f) for f in CANONICAL})
