"""SQL that reads a recorded-events file into `ev_raw`: one row per event, the mapped fields as text.

Every reader yields the same columns: `line` (the file line), `pos` (a unique position in file
order: the events of one record follow each other), `ok` (the event could be read), `why` (what
is wrong with it, when the reader knows), `tomb` (a Kafka tombstone or a `null` line: skipped),
the canonical fields of `CANONICAL` as text, the kcat envelope's `env_*` columns, and `digest`
(a hash of the event's JSON text; NULL where `integrity` compares the mapped fields instead).

- `read_json_sql`: DuckDB's native reader with explicit VARCHAR columns, for JSON Lines whose
  fields are top-level keys: one parse, no per-line function calls. Its row numbers are file
  lines only if no line is blank or broken, so the caller accepts its result only when the row
  count equals the file's line count and no row has a problem (`stage_events`).
- `general_sql`: raw lines (`read_csv` with a delimiter that cannot occur), the kcat envelope,
  `events.root` and `events.items`, and every field through the mapping language
  (`mapping.SqlCompiler`: one `json_extract_string` per event, inside `try`, so a broken line is
  a row with a problem, not a failed query). Its own message for every bad line.
- `csv_sql`: CSV with a header row, columns named by the field mapping.

A JSON number that is not an integer may lose digits in a double: `amount` is re-read from the
event's raw text when the parsed value has more than 15 digits or an exponent (`read_json_sql`
sends such files to the general reader, and `EXPONENT_FORM` catches its exponent notation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate.replay.options import EventFields, EventsInput
from compliance_gate.replay.read import mapping
from compliance_gate.replay.sqlutil import compression, csv_select, ident, literal, read_lines_sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

CANONICAL = tuple(f for f in EventFields.__dataclass_fields__)
LEGACY = CANONICAL[: CANONICAL.index("status")]
"""The fields the gate's own format has always had (the others came with the presets)."""
ENV = tuple(f"env_{e}" for e in mapping.ENVELOPE)
# how read_json renders a double in exponent notation: a sign after the e, always
EXPONENT_FORM = r"-?[0-9]+(\.[0-9]+)?e[-+][0-9]+"
# the staged text columns (`ev`) that hold mapped values as read; the others are parsed there
TEXT_COLUMNS = ("event_id", "payment_id", "type", "currency", "idem", "country", "ip", "region", "topic", "success")
KCAT_DEFAULTS = {"partition": "@partition", "offset": "@offset", "topic": "@topic"}
MAX_ITEMS = 4096
"""Events per record at most (`pos` = line * MAX_ITEMS + item)."""
_ENVS = ", ".join(ENV)
# Whole-record string functions (trim, regex) copy or scan every long record: most of the cost of
# reading. These look at a short prefix only: a blank line is at most 32 blanks, and an object's
# `{` comes within its first 16 characters.
_BLANK = "CASE WHEN length(text) <= 32 THEN trim(text) = '' ELSE false END"
_OBJECT = "starts_with(ltrim(left({c}, 16)), '{{')"


def flat(opts: EventsInput) -> bool:
    """Whether the native reader can read these events: every mapped field a top-level key (the
    gate's own format, however many fields it maps), no preset features."""
    f = opts.fields
    keys = [getattr(f, n) for n in CANONICAL if n in LEGACY or getattr(f, n)]
    simple = all(k and re.fullmatch(r"[A-Za-z0-9_]+", k) for k in keys)
    preset = opts.by_type or opts.root or opts.items or opts.skip_types or opts.only_types
    return bool(simple and not preset and opts.identity == "fields")


def _nulls(names: tuple[str, ...]) -> str:
    return ", ".join(f"NULL::VARCHAR AS {ident(n)}" for n in names)


def read_json_sql(path: Path, fields: EventFields) -> str:
    mapped = [f for f in CANONICAL if f in LEGACY or getattr(fields, f)]
    keys = sorted({getattr(fields, f) for f in mapped})
    columns = ", ".join(f"{literal(k)}: 'VARCHAR'" for k in keys)
    names = ", ".join(f"{ident(getattr(fields, f))} AS {ident(f)}" for f in mapped)
    amount = ident(fields.amount)
    ok = f"NOT coalesce(length({amount}) > 15 OR contains({amount}, 'e') OR contains({amount}, 'E'), false)"
    src = (
        f"read_json({literal(str(path))}, format='newline_delimited', records=true, auto_detect=false, "
        f"compression='{compression(path)}', columns={{{columns}}})"
    )
    extra = _nulls(tuple(f for f in CANONICAL if f not in mapped) + ENV)
    return (
        "SELECT *, line AS pos FROM (SELECT row_number() OVER () AS line, "
        f"{ok} AS ok, NULL::VARCHAR AS why, false AS tomb, {names}, {extra}, NULL::UBIGINT AS digest FROM {src})"
    )


def _events_ctes(path: Path, opts: EventsInput, kcat: bool, where: str) -> tuple[str, mapping.SqlCompiler]:
    """CTEs ending in `e(line, pos, ok, why, tomb, doc, env_*)`: one row per event (or bad record),
    and the compiler whose paths are relative to `doc`."""
    roots = mapping.roots_of(opts.root, f"{where}.root")
    if kcat:
        env = "['$.payload', '$.partition', '$.offset', '$.key', '$.ts', '$.topic']"
        rec = f"""k AS (SELECT line, try(json_extract_string(text, {env})) AS k, text FROM b),
        r AS (SELECT line, k IS NOT NULL AND {_OBJECT.format(c="text")} AS ok, k[1] AS doc,
                     k[2] AS env_partition, k[3] AS env_offset, k[4] AS env_key, k[5] AS env_ts,
                     k[6] AS env_topic FROM k)"""
    else:
        rec = f"r AS (SELECT line, true AS ok, text AS doc, {_nulls(ENV)} FROM b)"
    # no trim() of whole records: copying every (long) record is most of the cost of reading
    tomb = "(doc IS NULL OR CASE WHEN length(doc) < 16 THEN trim(doc) = 'null' ELSE false END)"
    lines = f"SELECT row_number() OVER () AS line, text FROM {read_lines_sql(path)}"
    head = f"""l AS ({lines}),
        b AS (SELECT line, text FROM l WHERE text IS NOT NULL AND NOT {_BLANK}),
        {rec}"""
    if not opts.items:
        body = f"""e AS (SELECT line, line AS pos, ok AND NOT {tomb} AS ok,
                        CASE WHEN NOT ok THEN 'not a valid kcat record' END AS why,
                        ok AND {tomb} AS tomb, doc, {_ENVS} FROM r)"""
        return f"{head}, {body}", mapping.SqlCompiler(roots, doc="doc", lst="f")
    items = literal(mapping.items_path(opts.items, f"{where}.items"))
    alternatives = [f"json_extract(doc, {literal(mapping.json_path(r))})::VARCHAR" if r else "doc" for r in roots]
    root_doc = alternatives[0] if len(alternatives) == 1 else f"coalesce({', '.join(alternatives)})"
    # the list of items needs the record's root as JSON text: a second parse, for item lists only
    body = f"""il AS (SELECT *, try(json_extract({root_doc}, {items})) AS lst FROM r WHERE ok AND NOT {tomb}),
        it AS (SELECT line, unnest(lst)::VARCHAR AS doc, generate_subscripts(lst, 1) - 1 AS item, {_ENVS}
               FROM il WHERE len(lst) > 0),
        e AS (SELECT line, line * {MAX_ITEMS} + item AS pos, item < {MAX_ITEMS} AS ok,
                     CASE WHEN item >= {MAX_ITEMS} THEN 'more than {MAX_ITEMS - 1} events in one record' END AS why,
                     false AS tomb, doc, {_ENVS} FROM it
              UNION ALL
              SELECT line, line * {MAX_ITEMS}, false, CASE WHEN lst IS NULL THEN 'not a valid JSON object'
                     ELSE 'no events at ' || {literal(opts.items)} END, false, doc, {_ENVS}
              FROM il WHERE lst IS NULL OR len(lst) = 0
              UNION ALL
              SELECT line, line * {MAX_ITEMS}, false, CASE WHEN NOT ok THEN 'not a valid kcat record' END,
                     ok, doc, {_ENVS} FROM r WHERE NOT ok OR {tomb})"""
    return f"{head}, {body}", mapping.SqlCompiler(doc="doc", lst="f")


def general_sql(path: Path, opts: EventsInput, kcat: bool, where: str = "events") -> str:
    """Lines -> records (kcat payload) -> events (root, items) -> mapped fields."""
    ctes, compiler = _events_ctes(path, opts, kcat, where)
    fields = _field_defaults(opts.fields, kcat)
    type_sql = mapping.field_sql(compiler, "type", fields["type"], {}, "", where)
    cols = []
    for name in CANONICAL:
        if name == "type":
            continue
        expr = mapping.field_sql(compiler, name, fields[name], opts.by_type, "type", where)
        if name == "amount" and not opts.minor_units:
            expr = _exact_amount(expr, fields[name], opts.by_type)
        cols.append(f"{expr} AS {ident(name)}")
    digest = "CASE WHEN fine THEN hash(doc) END" if opts.identity == "payload" else "NULL::UBIGINT"
    return f"""
        WITH {ctes},
        x AS (SELECT *, CASE WHEN ok THEN try({compiler.extract()}) END AS f FROM e),
        t AS (SELECT *, ok AND f IS NOT NULL AND {_OBJECT.format(c="doc")} AS fine,
                     {type_sql} AS type FROM x)
        SELECT line, pos, fine AS ok, CASE WHEN NOT fine THEN coalesce(why, 'not a valid JSON object') END AS why,
               tomb, type, {", ".join(cols)}, {_ENVS}, {digest} AS digest, doc
        FROM t"""


def _exact_amount(expr: str, default: str, by_type: Mapping[str, Mapping[str, str]]) -> str:
    """Re-read a long or exponent-form amount from the raw text (only for a plain key path)."""
    if not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", default) or any("amount" in o for o in by_type.values()):
        return expr
    rx = literal(f'"{default.split(".")[-1]}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)')
    return (
        f"CASE WHEN length(regexp_replace({expr}, '[^0-9]', '', 'g')) > 15 OR {expr} ~ '.*[eE].*' "
        f"THEN coalesce(nullif(regexp_extract(doc, {rx}, 1), ''), {expr}) ELSE {expr} END"
    )


def _field_defaults(fields: EventFields, kcat: bool) -> Mapping[str, str]:
    out = {n: getattr(fields, n) for n in CANONICAL}
    if kcat:  # the gate's own format in a kcat export: ordering comes from the Kafka record
        for name, env in KCAT_DEFAULTS.items():
            if out[name] == name:
                out[name] = env
    return out


def records_sql(path: Path, opts: EventsInput, kcat: bool, lines: list[int]) -> str:
    """(pos, doc) of the readable events on `lines`, as `general_sql` sees them (the raw JSON of
    each copy of a duplicated event id, for `integrity` to compare). A literal list: DuckDB
    filters the scan with it, where a subquery would make it keep every record for a join."""
    ctes, _ = _events_ctes(path, opts, kcat, "events")
    wanted = ", ".join(str(int(n)) for n in sorted(set(lines))) or "NULL"
    return f"WITH {ctes} SELECT pos, doc FROM e WHERE ok AND line IN ({wanted})"


def csv_sql(con: Connection, path: Path, fields: EventFields) -> str:
    raw = csv_select(con, path, str(path), {f: getattr(fields, f) for f in CANONICAL})
    return (
        f"SELECT line, line AS pos, ok, NULL::VARCHAR AS why, false AS tomb, * EXCLUDE (line, ok), "
        f"{_nulls(ENV)}, NULL::UBIGINT AS digest FROM ({raw})"
    )
