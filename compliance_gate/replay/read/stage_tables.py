"""Load the reporting snapshot and the settlement file into DuckDB tables.

A source is a CSV file, a JSON Lines file, or a SQL query on a SQLAlchemy URL (SQLite is the
embedded default; a relative `sqlite:///` path is relative to the repository). Each becomes a
table with `payment_id, status, currency, amount, refunded, line, problem`, amounts exact in
minor units. Values read from a database as floats are converted through their shortest repr.
Rows from a database stream through a temporary JSON Lines file into DuckDB, as text, so memory
does not grow with the table.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from compliance_gate import bundled
from compliance_gate.canonical import canonical_json
from compliance_gate.errors import InputError
from compliance_gate.model import InputRecord
from compliance_gate.replay import money
from compliance_gate.replay.extra import MissingExtra
from compliance_gate.replay.options import TableInput
from compliance_gate.replay.sqlutil import (
    csv_select,
    json_path,
    literal,
    number_re,
    read_lines_sql,
    sha256_file,
    values_table,
)

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

FIELDS = ("payment_id", "status", "amount", "currency", "refunded")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a table came from, for messages (`display:line`) and the input manifest."""

    display: str
    sha256: str
    kind: str


def stage_table(con: Connection, name: str, opts: TableInput, root: Path) -> Source:
    """Create table `name`; raise `InputError` if the source cannot be read at all."""
    if opts.url:
        source = _stage_sql(con, name, opts, root)
    else:
        path = bundled.resolve(opts.path, root)
        if not path.is_file():
            raise InputError(f"{opts.path}: no such file (checks.replay {name})")
        fmt = (
            opts.format
            if opts.format != "auto"
            else ("csv" if path.name.removesuffix(".gz").endswith(".csv") else "jsonl")
        )
        raw = (
            csv_select(con, path, opts.path, {f: getattr(opts.fields, f) for f in FIELDS})
            if fmt == "csv"
            else _json_raw(path, opts)
        )
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name}_raw AS {raw}")
        except Exception as exc:  # duckdb's own error classes
            raise InputError(f"{opts.path}: cannot read ({str(exc).splitlines()[0]})") from None
        source = Source(opts.path, sha256_file(path), "file")
    exps = money.exponents(opts.exponents)
    values_table(con, f"{name}_cur", "code VARCHAR, e INTEGER", sorted(exps.items()))
    con.execute(f"CREATE OR REPLACE TABLE {name} AS {_normalise_sql(name, opts, sorted(set(exps.values())))}")
    con.execute(f"DROP TABLE {name}_raw")
    return source


def record(con: Connection, name: str, source: Source) -> InputRecord:
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return InputRecord(source.display, source.sha256, source.kind, rows=int(rows))


def _json_raw(path: Path, opts: TableInput) -> str:
    cols = []
    for f in FIELDS:
        col = getattr(opts.fields, f)
        if not col:
            cols.append(f"NULL AS {f}")
            continue
        jp = literal(json_path(col))
        rx = number_re(col)
        cols.append(
            f"CASE WHEN NOT ok THEN NULL WHEN json_type(text, {jp}) = 'DOUBLE' THEN regexp_extract(text, {rx}, 1) "
            f"ELSE json_extract_string(text, {jp}) END AS {f}"
        )
    return f"""
        WITH l AS (SELECT row_number() OVER () AS line, text FROM {read_lines_sql(path)}),
        b AS (SELECT line, text, json_valid(text) AND json_type(text) = 'OBJECT' AS ok
              FROM l WHERE text IS NOT NULL AND trim(text) <> '')
        SELECT line, ok, {", ".join(cols)} FROM b"""


def _stage_sql(con: Connection, name: str, opts: TableInput, root: Path) -> Source:
    try:
        import sqlalchemy
    except ImportError:
        raise MissingExtra("sqlalchemy (for checks.replay.*.url)") from None

    try:
        url = sqlalchemy.make_url(opts.url)
    except Exception:
        raise InputError("checks.replay: the database URL is not a valid SQLAlchemy URL") from None
    if url.drivername.startswith("sqlite") and url.database and not Path(url.database).is_absolute():
        url = url.set(database=str(root / url.database))
    shown = url.render_as_string(hide_password=True)
    if url.drivername.startswith("sqlite") and url.database and not Path(url.database).is_file():
        raise InputError(f"{shown}: no such SQLite database")
    query = opts.query or "SELECT * FROM payments"
    digest = hashlib.sha256(query.encode())
    cols = {f: getattr(opts.fields, f) for f in FIELDS}
    with tempfile.TemporaryDirectory(prefix="cg-sql-rows-") as tmp:
        rows = Path(tmp) / "rows.jsonl"
        try:
            engine = sqlalchemy.create_engine(url)
            with engine.connect() as conn, open(rows, "wb") as out:
                result = conn.execution_options(stream_results=True).execute(sqlalchemy.text(query))
                keys = list(result.keys())
                for n, row in enumerate(result, start=1):
                    values = dict(zip(keys, row, strict=True))
                    picked = {f: _text(values.get(col)) if col else None for f, col in cols.items()}
                    out.write(orjson.dumps({"line": n, **picked}) + b"\n")
                    digest.update(canonical_json([_text(v) for v in row]))
            engine.dispose()
        except ImportError as exc:
            raise InputError(f"{shown}: the database driver is not installed ({exc.name})") from None
        except sqlalchemy.exc.SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None)
            reason = type(orig).__name__ if orig is not None else type(exc).__name__
            raise InputError(f"{shown}: cannot query the reporting database ({reason})") from None
        columns = ", ".join(f"{literal(f)}: 'VARCHAR'" for f in FIELDS)
        con.execute(
            f"CREATE OR REPLACE TABLE {name}_raw AS SELECT line, true AS ok, {', '.join(FIELDS)} "
            f"FROM read_json({literal(str(rows))}, format = 'newline_delimited', "
            f"columns = {{'line': 'BIGINT', {columns}}}) ORDER BY line"
        )
    return Source(shown, digest.hexdigest(), "query")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _normalise_sql(name: str, opts: TableInput, exponents: list[int]) -> str:
    minor_units = opts.amounts_in_minor_units
    problem = money.sql_problem("amount", "e", minor_units)
    refunded_problem = money.sql_problem("refunded", "e", minor_units)
    # rows that pass the cheap canonical tests cannot have a problem (see `money.sql_canonical`)
    fine = (
        "ok AND payment_id >= '!' AND payment_id < chr(127) AND e IS NOT NULL AND canon "
        "AND (refunded IS NULL OR refunded_canon)"
    )
    return f"""
        WITH a AS (SELECT r.*, c.e, {money.sql_canonical("amount", "c.e", minor_units, exponents)} AS canon,
                          {money.sql_canonical("refunded", "c.e", minor_units, exponents)} AS refunded_canon
                   FROM {name}_raw r LEFT JOIN {name}_cur c ON c.code = r.currency),
        b AS (SELECT a.*,
          CASE WHEN {fine} THEN NULL
               WHEN NOT ok THEN 'not a valid JSON object'
               WHEN payment_id IS NULL OR trim(payment_id) = '' THEN 'missing payment id'
               WHEN currency IS NULL THEN 'missing currency'
               WHEN e IS NULL THEN 'unknown currency ' ||
                    CASE WHEN regexp_full_match(currency, '[A-Za-z]{{3}}') THEN currency ELSE '(not a code)' END
               WHEN amount IS NULL THEN 'missing amount'
               WHEN NOT regexp_full_match(amount, '{money.SQL_DECIMAL_RE}') THEN {problem}
               ELSE {refunded_problem} END AS problem,
          CASE WHEN canon THEN NULL ELSE {problem} END AS amount_problem
          FROM a)
        SELECT line, payment_id, status, currency,
               CASE WHEN problem IS NOT NULL OR amount_problem IS NOT NULL THEN NULL
                    WHEN canon THEN CAST(replace(amount, '.', '') AS BIGINT)
                    ELSE {money.sql_minor("amount", "e", minor_units)} END AS amount,
               CASE WHEN problem IS NOT NULL OR refunded IS NULL THEN NULL
                    WHEN refunded_canon THEN CAST(replace(refunded, '.', '') AS BIGINT)
                    ELSE {money.sql_minor("refunded", "e", minor_units)} END AS refunded,
               problem, amount_problem
        FROM b"""
