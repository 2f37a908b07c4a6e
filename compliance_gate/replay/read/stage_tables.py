"""Load the reporting snapshot and the settlement file into DuckDB tables.

A source is a CSV file, a JSON Lines file, or a SQL query on a SQLAlchemy URL (SQLite is the
embedded default; a relative `sqlite:///` path is relative to the repository, and is shown as
written, never as a path of this machine). Each becomes a table with `payment_id, status,
currency, amount, refunded, disputed, line, problem, amount_problem`, amounts exact in minor
units, currency codes in upper case whatever the source wrote, and statuses translated by
`status_map`. Values read from a database as floats are converted through their shortest repr.
Rows from a database stream through a temporary JSON Lines file into DuckDB, as text, so memory
does not grow with the table.

A ledger (`ledger.category` set: the provider's settlement report, a company ledger) has several
signed rows per payment (charge, refund, fee, dispute rows; an amount column or credit and debit
columns); `ledger` sums them per payment (`read/ledger.py`), and rows without a payment id
(payouts, fees) are not payments.
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
from compliance_gate.replay.read import ledger
from compliance_gate.replay.safety import shown_path, shown_url
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

FIELDS = ("payment_id", "status", "amount", "currency", "refunded", "disputed", "credit", "debit")
SIDES = {"rep": "reported", "st": "settlement"}
"""Table names and the policy keys (and `replay` flags) they come from, for messages."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a table came from, for messages (`display:line`) and the input manifest; `has_status`:
    whether its rows carry a status at all (a settlement without one is a ledger)."""

    display: str
    sha256: str
    kind: str
    has_status: bool = True
    ledger_rows: int = 0
    unassigned_rows: int = 0


def stage_table(con: Connection, name: str, opts: TableInput, root: Path) -> Source:
    """Create table `name`; raise `InputError` if the source cannot be read at all."""
    key = SIDES.get(name, name)
    columns = dict(
        {f: getattr(opts.fields, f) for f in FIELDS},
        **({"category": opts.ledger.category} if opts.ledger.configured else {}),
    )
    if opts.url:
        source = _stage_sql(con, name, opts, root, columns)
    else:
        path = bundled.resolve(opts.path, root)
        shown = shown_path(opts.path, root)
        if not path.is_file():
            raise InputError(f"{shown}: no such file (checks.replay.{key}.path, or --{key})")
        fmt = (
            opts.format
            if opts.format != "auto"
            else ("csv" if path.name.removesuffix(".gz").endswith(".csv") else "jsonl")
        )
        raw = csv_select(con, path, shown, columns) if fmt == "csv" else _json_raw(path, columns)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name}_raw AS {raw}")
        except Exception as exc:  # duckdb's own error classes
            raise InputError(f"{shown}: cannot read ({str(exc).splitlines()[0]})") from None
        source = Source(shown, sha256_file(path), "file")
    has_status = bool(
        con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {name}_raw WHERE status IS NOT NULL LIMIT 1)").fetchall()[0][
            0
        ]
    )
    exps = money.exponents(opts.exponents)
    values_table(con, f"{name}_cur", "code VARCHAR, e INTEGER", sorted(exps.items()))
    values_table(
        con, f"{name}_map", "status VARCHAR, mapped VARCHAR", sorted((k.lower(), v) for k, v in opts.status_map.items())
    )
    minor = opts.minor_units
    exponents = sorted(set(exps.values()))
    if opts.ledger.configured:
        con.execute(f"CREATE OR REPLACE TABLE {name}_rows AS {_normalise_sql(name, minor, exponents, True)}")
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {ledger.aggregate_sql(name, opts.ledger)}")
        rows, unassigned = con.execute(
            f"SELECT count(*), count(*) FILTER (payment_id IS NULL OR trim(payment_id) = '') FROM {name}_rows"
        ).fetchall()[0]
        con.execute(f"DROP TABLE {name}_rows")
        source = Source(source.display, source.sha256, source.kind, has_status, int(rows), int(unassigned))
    else:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {_normalise_sql(name, minor, exponents, False)}")
        source = Source(source.display, source.sha256, source.kind, has_status)
    con.execute(f"DROP TABLE {name}_raw")
    return source


def record(con: Connection, name: str, source: Source) -> InputRecord:
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    if source.ledger_rows:
        details = {"ledger_rows": source.ledger_rows, "rows_without_payment": source.unassigned_rows}
        return InputRecord(source.display, source.sha256, source.kind, rows=int(rows), details=details)
    return InputRecord(source.display, source.sha256, source.kind, rows=int(rows))


def latest_time(con: Connection, name: str, opts: TableInput, root: Path) -> tuple[int | None, str]:
    """The snapshot's own time, as `as_of: column:NAME` or `as_of: file` names it (epoch us), and
    how it was found; (None, "") when the policy names none."""
    if opts.as_of.startswith("column:"):
        column = opts.as_of.removeprefix("column:")
        if not opts.path:
            raise InputError("checks.replay.reported.as_of: column:NAME needs a report file (or a literal time)")
        path = bundled.resolve(opts.path, root)
        src = csv_select(con, path, shown_path(opts.path, root), {"t": column})
        got = con.execute(
            f"""SELECT max(CASE WHEN regexp_full_match(t, '[0-9]{{10}}') THEN CAST(t AS BIGINT) * 1000000
                     ELSE epoch_us(TRY_CAST(t AS TIMESTAMPTZ)) END), count(t) FROM ({src})"""
        ).fetchall()[0]
        if not got[1] or got[0] is None:
            raise InputError(
                f"{shown_path(opts.path, root)}: column {column!r} (checks.replay.reported.as_of) holds no times"
            )
        return int(got[0]), f"report column {column}"
    if opts.as_of == "file":
        file = bundled.resolve(opts.path, root) if opts.path else None
        if file is None or not file.is_file():
            raise InputError("checks.replay.reported.as_of: `file` needs a report file")
        return int(file.stat().st_mtime * 1_000_000), "report file time"
    return None, ""


def _json_raw(path: Path, columns: dict[str, str]) -> str:
    cols = []
    for f, col in columns.items():
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


def _stage_sql(con: Connection, name: str, opts: TableInput, root: Path, cols: dict[str, str]) -> Source:
    try:
        import sqlalchemy
    except ImportError:
        raise MissingExtra("sqlalchemy (for checks.replay.*.url)") from None

    key = SIDES.get(name, name)
    try:
        url = sqlalchemy.make_url(opts.url)
    except Exception:
        raise InputError(f"checks.replay.{key}.url: not a valid SQLAlchemy URL") from None
    shown = shown_url(url, root)  # no password, no path of this machine
    if url.drivername.startswith("sqlite") and url.database and not Path(url.database).is_absolute():
        url = url.set(database=str(root / url.database))
    if url.drivername.startswith("sqlite") and url.database and not Path(url.database).is_file():
        raise InputError(f"{shown}: no such SQLite database (checks.replay.{key}.url)")
    query = opts.query or "SELECT * FROM payments"
    digest = hashlib.sha256(query.encode())
    names = list(cols)
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
        columns = ", ".join(f"{literal(f)}: 'VARCHAR'" for f in names)
        con.execute(
            f"CREATE OR REPLACE TABLE {name}_raw AS SELECT line, true AS ok, {', '.join(names)} "
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


def _minor(col: str, minor_units: bool) -> str:
    return (
        f"CASE WHEN {col} IS NULL THEN NULL WHEN {col}_canon THEN CAST(replace({col}, '.', '') AS BIGINT) "
        f"ELSE {money.sql_minor(col, 'e', minor_units)} END"
    )


def _normalise_sql(name: str, minor_units: bool, exponents: list[int], rows: bool) -> str:
    """The typed table; with `rows` (a ledger's rows) the signed amount is `credit - debit` (or
    `amount`), and a row without a payment id is kept (not a payment, and not a problem)."""
    problem = money.sql_problem("amount", "e", minor_units)
    columns: tuple[str, ...] = ("amount", "refunded", "disputed", "credit", "debit")
    canon = ", ".join(f"{money.sql_canonical(c, 'c.e', minor_units, exponents)} AS {c}_canon" for c in columns)
    # rows that pass the cheap canonical tests cannot have a problem (see `money.sql_canonical`)
    fine = "ok AND e IS NOT NULL AND " + " AND ".join(f"({c} IS NULL OR {c}_canon)" for c in columns)
    if rows:
        missing_id = "false"
        amount = "coalesce(amount, credit, debit)"
        signed = (
            f"CASE WHEN credit IS NULL AND debit IS NULL THEN {_minor('amount', minor_units)} "
            f"ELSE coalesce({_minor('credit', minor_units)}, 0) - coalesce({_minor('debit', minor_units)}, 0) END"
        )
        others: tuple[str, ...] = ("refunded", "disputed", "credit", "debit")
    else:
        missing_id = "payment_id IS NULL OR trim(payment_id) = ''"
        fine += " AND amount IS NOT NULL AND payment_id >= '!' AND payment_id < chr(127)"
        amount = "amount"
        signed = _minor("amount", minor_units)
        others = ("refunded", "disputed")
    other_problems = " ".join(
        f"WHEN {c} IS NOT NULL AND {money.sql_problem(c, 'e', minor_units)} IS NOT NULL "
        f"THEN {money.sql_problem(c, 'e', minor_units)}"
        for c in others
    )
    category = ", category" if rows else ""
    return f"""
        WITH r0 AS (SELECT r.* EXCLUDE (currency, status), upper(trim(r.currency)) AS currency,
                           coalesce(m.mapped, r.status) AS status
                    FROM {name}_raw r LEFT JOIN {name}_map m ON m.status = lower(r.status)),
        a AS (SELECT r.*, c.e, {canon} FROM r0 r LEFT JOIN {name}_cur c ON c.code = r.currency),
        b AS (SELECT a.*,
          CASE WHEN {fine} THEN NULL
               WHEN NOT ok THEN 'not a valid JSON object'
               WHEN {missing_id} THEN 'missing payment id'
               WHEN currency IS NULL THEN 'missing currency'
               WHEN e IS NULL THEN 'unknown currency ' ||
                    CASE WHEN regexp_full_match(currency, '[A-Za-z]{{3}}') THEN currency ELSE '(not a code)' END
               WHEN {amount} IS NULL THEN 'missing amount'
               WHEN amount IS NOT NULL AND NOT regexp_full_match(amount, '{money.SQL_DECIMAL_RE}') THEN {problem}
               {other_problems} END AS problem,
          CASE WHEN amount IS NULL OR amount_canon THEN NULL ELSE {problem} END AS amount_problem
          FROM a)
        SELECT line, payment_id, status, currency {category},
               CASE WHEN problem IS NOT NULL OR amount_problem IS NOT NULL THEN NULL ELSE {signed} END AS amount,
               CASE WHEN problem IS NOT NULL THEN NULL ELSE {_minor("refunded", minor_units)} END AS refunded,
               CASE WHEN problem IS NOT NULL THEN NULL ELSE {_minor("disputed", minor_units)} END AS disputed,
               problem, amount_problem
        FROM b"""
