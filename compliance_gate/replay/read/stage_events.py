"""Load recorded events into DuckDB as one typed table `ev`, with a problem per bad row.

Formats: JSON Lines (plain or gzip), CSV with a header row, and Kafka exports as `kcat -C -J`
writes them (topic, partition, offset, key, ts and the payload as a JSON string or object).
Every canonical field is looked up through the policy's field mapping. Nothing is dropped
silently: a row that cannot be used keeps its line number and a `problem` that names the field.
Amounts stay text until they are converted exactly to minor units (`money.sql_minor`); a JSON
number that a double cannot hold is re-read from the raw line. `event_readers` says which
reader reads what; plain JSON Lines go through DuckDB's `read_json` when its rows are provably
the file's lines, and through the line reader otherwise.

Most rows are well-formed, so the checks that name a problem run only on rows that fail a
cheap test which implies "no problem": `ts` ending in Z, ids starting with a printable
character, amounts in the canonical form DuckDB itself renders for the currency's exponent.
"""

from __future__ import annotations

import gzip
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from compliance_gate.errors import InputError
from compliance_gate.replay import money
from compliance_gate.replay.fold.machine import StateMachine
from compliance_gate.replay.options import EventsInput
from compliance_gate.replay.read import event_readers
from compliance_gate.replay.sqlutil import FileScan, ident, scan_file, values_table

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

REQUIRED = ("event_id", "payment_id", "type", "occurred_at")
KCAT_KEYS = frozenset({"topic", "partition", "offset", "payload"})
TZ_RE = "(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"


@dataclass(frozen=True, slots=True)
class Staged:
    """How `ev` was read (`read_json` or `lines`) and the input file's sha256."""

    reader: str
    sha256: str


def detect_format(path: Path, declared: str) -> str:
    if declared != "auto":
        return declared
    name = path.name.removesuffix(".gz").lower()
    if name.endswith(".csv"):
        return "csv"
    try:
        with gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb") as fh:
            for raw in fh:
                if raw.strip():
                    first = orjson.loads(raw)
                    return "kcat" if isinstance(first, dict) and first.keys() >= KCAT_KEYS else "jsonl"
    except (OSError, orjson.JSONDecodeError, EOFError):
        return "jsonl"  # the loader reports the broken line itself
    return "jsonl"


def stage_events(con: Connection, path: Path, opts: EventsInput, machine: StateMachine, fmt: str) -> Staged:
    """Create table `ev` (one row per non-blank input row; `problem` NULL when usable)."""
    exps = money.exponents(opts.exponents)
    values_table(con, "cur_ev", "code VARCHAR, e INTEGER", sorted(exps.items()))
    values_table(con, "codes", "type VARCHAR, ok_code INTEGER, fail_code INTEGER", list(event_codes(machine)))
    normalise = _normalise_sql(opts, sorted(set(exps.values())))
    native = fmt == "jsonl" and event_readers.flat(opts.fields)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hash and count lines while DuckDB parses
        scan = pool.submit(scan_file, path, native)
        fast = event_readers.read_json_sql(path, opts.fields) if native else ""
        if fast and _create(con, fast, normalise, path, quiet=True) and _lines_match(con, scan.result()):
            return Staged("read_json", scan.result().sha256)
        raw = (
            event_readers.csv_sql(con, path, opts.fields)
            if fmt == "csv"
            else event_readers.lines_json_sql(path, opts.fields, fmt == "kcat")
        )
        _create(con, raw, normalise, path, quiet=False)
        return Staged("lines", scan.result().sha256)


def _create(con: Connection, raw: str, normalise: str, path: Path, quiet: bool) -> bool:
    try:
        con.execute(f"CREATE OR REPLACE TABLE ev AS WITH ev_raw AS ({raw}) {normalise}")
    except Exception as exc:  # duckdb's own error classes
        if quiet:
            return False
        raise InputError(f"{path}: cannot read events ({str(exc).splitlines()[0]})") from None
    return True


def _lines_match(con: Connection, scan: FileScan) -> bool:
    """Row i is line i: as many rows as lines (none blank), none with a problem, no lone CR
    (the line reader would start a new line there); and no value in exponent notation."""
    rows, bad = con.execute("SELECT count(*), count(problem) FROM ev").fetchall()[0]
    if scan.lone_cr or rows != scan.lines or bad:
        return False
    # one scan per column with `< ':'` first: such a value starts with a digit or '-', and the
    # row groups' min/max statistics skip a column whose values all start with a letter
    odd = " UNION ALL ".join(
        f"SELECT count(*) AS n FROM ev WHERE {c} < ':' AND (contains({c}, 'e+') OR contains({c}, 'e-')) "
        f"AND regexp_full_match({c}, '{event_readers.EXPONENT_FORM}')"
        for c in event_readers.TEXT_COLUMNS
    )
    return not con.execute(f"SELECT sum(n) FROM ({odd})").fetchall()[0][0]


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


def _normalise_sql(opts: EventsInput, exponents: list[int]) -> str:
    f = opts.fields
    required = [(n, getattr(f, n)) for n in REQUIRED]
    if opts.order_by == "sequence":
        required.append(("sequence", f.sequence))
        order = "TRY_CAST(sequence AS BIGINT) AS o1, 0::BIGINT AS o2"
        order_problem = "WHEN TRY_CAST(sequence AS BIGINT) IS NULL THEN 'sequence is not an integer'"
        order_ok = "o1 IS NOT NULL"
    else:
        required.append(("offset", f.offset))
        order = 'coalesce(TRY_CAST("partition" AS BIGINT), 0) AS o1, TRY_CAST("offset" AS BIGINT) AS o2'
        order_problem = (
            "WHEN TRY_CAST(\"offset\" AS BIGINT) IS NULL THEN 'offset is not an integer' "
            'WHEN "partition" IS NOT NULL AND TRY_CAST("partition" AS BIGINT) IS NULL '
            "THEN 'partition is not an integer'"
        )
        order_ok = 'o2 IS NOT NULL AND ("partition" IS NULL OR TRY_CAST("partition" AS BIGINT) IS NOT NULL)'
    missing = " ".join(
        f"WHEN {ident(n)} IS NULL OR trim({ident(n)}) = '' THEN 'missing field {n} (mapped from {src})'"
        for n, src in required
    )
    # a value starting with a printable ASCII character other than space cannot trim to ''
    fine = " AND ".join(f"({ident(n)} >= '!' AND {ident(n)} < chr(127))" for n, _ in required)
    ts = (
        "CASE WHEN ends_with(occurred_at, 'Z') THEN epoch_us(TRY_CAST(occurred_at AS TIMESTAMPTZ)) "
        "WHEN regexp_full_match(occurred_at, '[0-9]{13}') THEN CAST(occurred_at AS BIGINT) * 1000 "
        "WHEN regexp_full_match(occurred_at, '[0-9]{10}') THEN CAST(occurred_at AS BIGINT) * 1000000 "
        "ELSE epoch_us(TRY_CAST(occurred_at AS TIMESTAMPTZ)) END"
    )
    amount_problem = money.sql_problem("amount", "e", opts.amounts_in_minor_units)
    minor = money.sql_minor("amount", "e", opts.amounts_in_minor_units)
    canonical = money.sql_canonical("amount", "e", opts.amounts_in_minor_units, exponents)
    fine += (
        f" AND {order_ok} AND ends_with(occurred_at, 'Z') AND ts IS NOT NULL"
        " AND (currency IS NULL OR e IS NOT NULL) AND (amount IS NULL OR (currency IS NOT NULL AND canon))"
    )
    failed = "lower(coalesce(success, 'true')) IN ('false', '0', 'no', 'f', 'failed')"
    return f""",
        a AS (
          SELECT r.*, c.e, {ts} AS ts, {order}, {canonical} AS canon,
                 coalesce(CASE WHEN {failed} THEN k.fail_code ELSE k.ok_code END, -1) AS code
          FROM ev_raw r LEFT JOIN cur_ev c ON c.code = r.currency LEFT JOIN codes k ON k.type = r.type),
        b AS (
          SELECT a.*, CASE WHEN ok AND {fine} THEN NULL
            WHEN NOT ok THEN 'not a valid JSON object' {missing} {order_problem}
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
               CASE WHEN problem IS NOT NULL OR amount IS NULL THEN NULL
                    WHEN canon THEN CAST(replace(amount, '.', '') AS BIGINT) ELSE {minor} END AS amount,
               amount AS amount_text, success, problem
        FROM b"""
