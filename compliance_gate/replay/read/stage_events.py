"""Load recorded events into DuckDB as one typed table `ev`, with a problem per bad row.

Formats: JSON Lines (plain or gzip), CSV with a header row, and Kafka exports as `kcat -C -J`
writes them (topic, partition, offset, key, ts and the payload as a JSON string or object; a
null payload is a tombstone). Every canonical field is looked up through the policy's field
mapping (`mapping`). Nothing is dropped silently: a row that cannot be used keeps its line
number and a `problem` that names the field; rows left out on purpose (tombstones, types the
policy filters) keep a `skip` reason. Amounts stay text until they are converted exactly to
minor units (`money.sql_minor`); a JSON number that a double cannot hold is re-read from the
raw line. Currency codes are matched without regard to case and staged in upper case.
`event_readers` says which reader reads what; plain JSON Lines of the gate's own format go
through DuckDB's `read_json` when its rows are provably the file's lines.

Most rows are well-formed, so the checks that name a problem run only on rows that fail a
cheap test which implies "no problem": `ts` ending in Z (or an epoch number), ids starting
with a printable character, amounts in the canonical form DuckDB itself renders.
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
from compliance_gate.replay.options import MONEY_FIELDS, EventsInput
from compliance_gate.replay.read import event_readers, mapping
from compliance_gate.replay.sqlutil import FileScan, ident, scan_file, values_table

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

REQUIRED = ("event_id", "payment_id", "type", "occurred_at")
KCAT_KEYS = frozenset({"topic", "partition", "offset", "payload"})
TZ_RE = "(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$"
EPOCH_RE = "[0-9]{10}|[0-9]{13}|[0-9]{16}"


@dataclass(frozen=True, slots=True)
class Staged:
    """How `ev` was read (`read_json` or `lines`), the input file's sha256, and which columns
    the fold reads: per money field of `MONEY_FIELDS` its column, whether `st` and `ref` exist."""

    reader: str
    sha256: str
    money: tuple[str, ...] = ("amount",) * 5
    status: bool = False
    ref: bool = False
    raw: bool = False

    @property
    def st(self) -> str:
        return "st" if self.status else "-1"

    @property
    def ref_sql(self) -> str:
        return "ref" if self.ref else "NULL::VARCHAR"


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


def mapped(opts: EventsInput, name: str) -> bool:
    return bool(getattr(opts.fields, name)) or any(name in o for o in opts.by_type.values())


def stage_events(
    con: Connection, path: Path, opts: EventsInput, machine: StateMachine, fmt: str, keep_raw: bool = False
) -> Staged:
    """Create table `ev` (one row per event or unreadable row; `problem` NULL when usable) and
    the tables the fold joins: `codes` (type -> code), `eff` (what each code does). `keep_raw`
    keeps each event's JSON (`raw`, for a projector) when the general reader reads it."""
    exps = money.exponents(opts.exponents)
    values_table(con, "cur_ev", "code VARCHAR, e INTEGER", sorted(exps.items()))
    values_table(
        con,
        "codes",
        "type VARCHAR, ok_code INTEGER, fail_code INTEGER",
        [(t, ok, fail) for t, (ok, fail) in sorted(machine.codes.items())],
    )
    values_table(
        con,
        "eff",
        "code INTEGER, target INTEGER, legacy INTEGER, m1 INTEGER, m2 INTEGER, m3 INTEGER, m4 INTEGER, m5 INTEGER, "
        "entry BOOLEAN, del BOOLEAN, refused BOOLEAN",
        [
            (code, e.state, e.legacy, *e.modes, int(e.entry), int(e.delete), int(e.refused))
            for code, e in enumerate(machine.effects)
        ],
    )
    status = mapped(opts, "status")
    values_table(con, "sv", "value VARCHAR, state INTEGER", sorted(machine.status_values.items()) if status else [])
    money_cols = tuple(f"a_{k}" if mapped(opts, k) else "amount" for k in MONEY_FIELDS)
    native = fmt == "jsonl" and event_readers.flat(opts)
    raw = keep_raw and not native and fmt != "csv"
    staged = Staged("lines", "", money_cols, status, mapped(opts, "ref"), raw)
    normalise = _normalise_sql(opts, sorted(set(exps.values())), staged)
    with ThreadPoolExecutor(max_workers=1) as pool:  # hash and count lines while DuckDB parses
        scan = pool.submit(scan_file, path, native)
        fast = event_readers.read_json_sql(path, opts.fields) if native else ""
        if fast and _create(con, fast, normalise, path, quiet=True) and _lines_match(con, scan.result()):
            return Staged("read_json", scan.result().sha256, money_cols, status, staged.ref)
        sql = (
            event_readers.csv_sql(con, path, opts.fields)
            if fmt == "csv"
            else event_readers.general_sql(path, opts, fmt == "kcat")
        )
        _create(con, sql, normalise, path, quiet=False)
        return Staged("lines", scan.result().sha256, money_cols, status, staged.ref, raw)


def _create(con: Connection, raw: str, normalise: str, path: Path, quiet: bool) -> bool:
    try:
        con.execute(f"CREATE OR REPLACE TABLE ev AS WITH ev_raw AS ({raw}) {normalise}")
    except mapping.MappingError:
        raise
    except Exception as exc:  # duckdb's own error classes
        if quiet:
            return False
        raise InputError(f"{path.name}: cannot read events ({str(exc).splitlines()[0]})") from None
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


def _skip_sql(opts: EventsInput) -> str:
    whens = ["WHEN tomb THEN 'tombstone'"]
    if opts.only_types:
        keep = " OR ".join(mapping.type_matches(p, "r.type") for p in opts.only_types)
        whens.append(f"WHEN r.type IS NOT NULL AND NOT ({keep}) THEN 'filtered'")
    if opts.skip_types:
        drop = " OR ".join(mapping.type_matches(p, "r.type") for p in opts.skip_types)
        whens.append(f"WHEN {drop} THEN 'filtered'")
    return f"CASE {' '.join(whens)} END"


def _order_sql(opts: EventsInput) -> tuple[str, str, str, tuple[str, ...]]:
    """(o1/o2 columns, the problem WHENs, the cheap ok test, extra required fields)."""
    if opts.order_by == "sequence":
        return (
            "TRY_CAST(sequence AS BIGINT) AS o1, 0::BIGINT AS o2",
            "WHEN TRY_CAST(sequence AS BIGINT) IS NULL THEN 'sequence is not an integer'",
            "o1 IS NOT NULL",
            ("sequence",),
        )
    if opts.order_by == "time":
        return "ts AS o1, 0::BIGINT AS o2", "", "true", ()
    return (
        'coalesce(TRY_CAST("partition" AS BIGINT), 0) AS o1, TRY_CAST("offset" AS BIGINT) AS o2',
        "WHEN TRY_CAST(\"offset\" AS BIGINT) IS NULL THEN 'offset is not an integer' "
        'WHEN "partition" IS NOT NULL AND TRY_CAST("partition" AS BIGINT) IS NULL '
        "THEN 'partition is not an integer'",
        'o2 IS NOT NULL AND ("partition" IS NULL OR TRY_CAST("partition" AS BIGINT) IS NOT NULL)',
        ("offset",),
    )


def _normalise_sql(opts: EventsInput, exponents: list[int], staged: Staged) -> str:
    f = opts.fields
    order, order_problem, order_ok, extra_required = _order_sql(opts)
    required = [(n, getattr(f, n) or n) for n in (*REQUIRED, *extra_required)]
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
        "WHEN regexp_full_match(occurred_at, '[0-9]{16}') THEN CAST(occurred_at AS BIGINT) "
        "ELSE epoch_us(TRY_CAST(occurred_at AS TIMESTAMPTZ)) END"
    )
    minor_units = opts.minor_units
    texts = ["amount", *(f"a_{k}" for k in MONEY_FIELDS if f"a_{k}" in staged.money)]
    sources = {"amount": "amount", **{f"a_{k}": f"coalesce({ident(k)}, amount)" for k in MONEY_FIELDS}}
    canon = ", ".join(
        f"{money.sql_canonical(t, 'e', minor_units, exponents)} AS {t}_canon" for t in texts if t != "amount"
    )
    money_fine = " AND ".join(f"({t} IS NULL OR (currency IS NOT NULL AND {t}_canon))" for t in texts)
    amount_problems = " ".join(
        f"WHEN {t} IS NOT NULL AND {money.sql_problem(t, 'e', minor_units)} IS NOT NULL "
        f"THEN {money.sql_problem(t, 'e', minor_units)}" + ("" if t == "amount" else f" || ' ({t[2:]})'")
        for t in texts
    )
    fine += (
        f" AND {order_ok} AND (ends_with(occurred_at, 'Z') OR regexp_full_match(occurred_at, '{EPOCH_RE}'))"
        f" AND ts IS NOT NULL AND (currency IS NULL OR e IS NOT NULL) AND {money_fine}"
    )
    failed = "lower(coalesce(success, 'true')) IN ('false', '0', 'no', 'f', 'failed')"
    money_out = ", ".join(
        f"CASE WHEN problem IS NOT NULL OR {t} IS NULL THEN NULL WHEN {t}_canon THEN "
        f"CAST(replace({t}, '.', '') AS BIGINT) ELSE {money.sql_minor(t, 'e', minor_units)} END AS {t}"
        for t in texts
    )
    a_cols = ", ".join(f"{sources[t]} AS {t}" for t in texts if t != "amount")
    status_join = "LEFT JOIN sv ON sv.value = lower(m.status)" if staged.status else ""
    st = ", CASE WHEN m.status IS NULL THEN -1 ELSE coalesce(sv.state, -3) END AS st, m.status" if staged.status else ""
    gap_part, gap_off = ('"partition"', '"offset"') if opts.order_by == "offset" else ("NULL", "NULL")
    ref = (", ref" if staged.ref else "") + (", doc AS raw" if staged.raw else "")
    return f""",
        r0 AS (SELECT *, upper(trim(currency)) AS cur {", " + a_cols if a_cols else ""} FROM ev_raw),
        a AS (
          SELECT r.* EXCLUDE (currency), r.cur AS currency, c.e, {ts} AS ts, {order},
                 {money.sql_canonical("amount", "e", minor_units, exponents)} AS amount_canon
                 {", " + canon if canon else ""},
                 coalesce(CASE WHEN {failed} THEN k.fail_code ELSE k.ok_code END, -1) AS code,
                 {_skip_sql(opts)} AS skip
          FROM r0 r LEFT JOIN cur_ev c ON c.code = r.cur LEFT JOIN codes k ON k.type = r.type),
        b AS (
          SELECT a.*, CASE WHEN skip IS NOT NULL THEN NULL WHEN ok AND {fine} THEN NULL
            WHEN NOT ok THEN coalesce(why, 'not a valid JSON object') {missing} {order_problem}
            WHEN NOT regexp_full_match(occurred_at, '{EPOCH_RE}')
                 AND NOT regexp_matches(occurred_at, '{TZ_RE}')
            THEN 'occurred_at has no time zone (add Z or an offset)'
            WHEN ts IS NULL THEN 'occurred_at is not an ISO 8601 timestamp'
            WHEN amount IS NOT NULL AND currency IS NULL THEN 'amount without currency'
            WHEN currency IS NOT NULL AND e IS NULL THEN 'unknown currency ' ||
                 CASE WHEN regexp_full_match(currency, '[A-Za-z]{{3}}') THEN currency ELSE '(not a code)' END
            {amount_problems} END AS problem
          FROM a),
        m AS (SELECT b.* EXCLUDE ({", ".join(texts)}), b.amount AS amount_text, {money_out} FROM b)
        SELECT line, pos, event_id, payment_id, m.type, code {st}, currency, idempotency_key AS idem, country, ip,
               region, coalesce(topic, env_topic, '') AS topic, TRY_CAST("partition" AS BIGINT) AS part, o1, o2, ts,
               {", ".join(texts)}, amount_text {ref}, success, problem, skip, digest,
               TRY_CAST(coalesce(env_partition, {gap_part}) AS BIGINT) AS gpart,
               TRY_CAST(coalesce(env_offset, {gap_off}) AS BIGINT) AS goff
        FROM m {status_join}"""
