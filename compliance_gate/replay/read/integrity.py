"""Input integrity on the staged events: unreadable rows, duplicate event ids, offset gaps.

A duplicate event id whose copy has the same payload as the first copy (in replay order) is a
redelivery: counted, and only the first copy replays. A copy with a different payload is a
conflict, which blocks; every conflicting copy is reported with its line. "Same payload" is,
for the gate's own format, every mapped field but the Kafka position; for a provider's records
(`digest` staged), the event's JSON, except the paths `events.identity_ignore` names (Stripe
recomputes `pending_webhooks` for each delivery; a Debezium connector restart re-sends a change
with a new envelope `ts_ms`). Copies whose JSON text is identical need no parsing; the others
are read again from the file and compared as JSON, key order and spacing aside.

A gap in a Kafka partition's offsets (or in a payment's sequence numbers) means events are
missing from the recording: the input is incomplete and the check cannot pass. Offsets come
from the kcat envelope when there is one, so tombstones and filtered records count too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from compliance_gate.replay.options import EventsInput
from compliance_gate.replay.read import event_readers, mapping
from compliance_gate.replay.sqlutil import literal, values_table

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

MAX_LISTED = 20
PAYLOAD = (
    "md5(concat_ws(chr(31), payment_id, type, CAST(code AS VARCHAR), coalesce(CAST(ts AS VARCHAR), '~'), "
    "coalesce(amount_text, '~'), coalesce(currency, '~'), coalesce(idem, '~'), coalesce(country, '~'), "
    "coalesce(region, '~'), coalesce(ip, '~')))"
)
USABLE = "problem IS NULL AND skip IS NULL"


@dataclass(frozen=True, slots=True)
class Conflict:
    """A later copy of `event_id` (at `line`) whose payload differs from the first (at `first`)."""

    event_id: str
    payment_id: str
    line: int
    first: int


@dataclass(frozen=True, slots=True)
class Integrity:
    bad_rows: tuple[tuple[int, str], ...]
    bad_count: int
    redeliveries: int
    conflicts: tuple[Conflict, ...]
    gaps: tuple[str, ...]
    skipped: tuple[tuple[str, int], ...] = ()


def check_events(
    con: Connection, opts: EventsInput, display: str, path: Path | None = None, kcat: bool = False
) -> Integrity:
    """Inspect table `ev`; create `evs`, the usable, de-duplicated events of known types."""
    bad = con.execute(
        f"SELECT line, problem FROM ev WHERE problem IS NOT NULL ORDER BY line LIMIT {MAX_LISTED}"
    ).fetchall()
    bad_count = con.execute("SELECT count(*) FROM ev WHERE problem IS NOT NULL").fetchall()[0][0]
    skipped = con.execute("SELECT skip, count(*) FROM ev WHERE skip IS NOT NULL GROUP BY ALL ORDER BY ALL").fetchall()
    digest = "coalesce(CAST(digest AS VARCHAR), " + PAYLOAD + ")"
    # hashes first: grouping 8-byte keys instead of the ids themselves halves the work on large inputs
    con.execute(f"""CREATE OR REPLACE TABLE dupc AS
        WITH h AS (SELECT hash(event_id) AS h FROM ev WHERE {USABLE} GROUP BY 1 HAVING count(*) > 1),
        ids AS (SELECT event_id FROM ev WHERE {USABLE} AND hash(event_id) IN (SELECT h FROM h)
                GROUP BY event_id HAVING count(*) > 1)
        SELECT event_id, payment_id, line, pos, {digest} AS d,
               row_number() OVER (PARTITION BY event_id ORDER BY o1, o2, pos) AS copy
        FROM ev WHERE {USABLE} AND event_id IN (SELECT event_id FROM ids)""")
    if opts.identity == "payload" and opts.identity_ignore and path is not None:
        _compare_as_json(con, opts, path, kcat)
    con.execute("""CREATE OR REPLACE TABLE dupk AS
        SELECT c.event_id, c.payment_id, c.line, c.pos, c.copy, c.d = f.d AS same, f.line AS first
        FROM dupc c JOIN dupc f ON f.event_id = c.event_id AND f.copy = 1 WHERE c.copy > 1""")
    redeliveries = con.execute("SELECT count(*) FROM dupk WHERE same").fetchall()[0][0]
    conflicts = tuple(
        Conflict(eid, pid, int(line), int(first))
        for eid, pid, line, first in con.execute(
            "SELECT event_id, payment_id, line, first FROM dupk WHERE NOT same ORDER BY line, pos"
        ).fetchall()
    )
    # later copies of a duplicated id leave the replay (an anti-join: the shared SQL has no UPDATE)
    con.execute(f"""CREATE OR REPLACE VIEW evs AS SELECT * FROM ev
        WHERE {USABLE} AND code >= 0 AND pos NOT IN (SELECT pos FROM dupk)""")
    gaps = _sequence_gaps(con, opts) if opts.order_by == "sequence" and opts.sequence_gaps else []
    gaps += _offset_gaps(con, display)
    return Integrity(
        tuple(bad),
        int(bad_count),
        int(redeliveries),
        conflicts,
        tuple(gaps),
        tuple((str(s), int(n)) for s, n in skipped),
    )


def _compare_as_json(con: Connection, opts: EventsInput, path: Path, kcat: bool) -> None:
    """Replace the text hash of copies whose text differs by a digest of their JSON without the
    ignored paths. One re-read of the file keeps the raw JSON of those copies; DuckDB drops the
    ignored top-level members (a merge patch) and hashes what is left, so a redelivery that
    differs only there (Stripe's `pending_webhooks`) never reaches Python. Copies that still
    differ, nested ignored paths and numbers too long for a double (which the merge could round)
    are compared in Python as canonical JSON."""
    rows = con.execute("""SELECT DISTINCT line FROM dupc WHERE event_id IN
        (SELECT event_id FROM dupc GROUP BY event_id HAVING count(DISTINCT d) > 1)""").fetchall()
    if not rows:
        return
    ignore = [mapping.parse(p, "events.identity_ignore") for p in opts.identity_ignore]
    steps = [p.steps for p in ignore if isinstance(p, mapping.JsonPath) and p.steps]
    con.execute(
        "CREATE OR REPLACE TABLE dupdoc AS " + event_readers.records_sql(path, opts, kcat, [int(r[0]) for r in rows])
    )
    top = sorted({s[0] for s in steps if len(s) == 1 and isinstance(s[0], str)})
    if top:
        patch = literal(orjson.dumps(dict.fromkeys(top)).decode())
        con.execute(f"""CREATE OR REPLACE TABLE dupc AS
            WITH j AS (SELECT pos, CASE WHEN NOT regexp_matches(doc, '[0-9]{{16}}')
                              THEN 'j' || md5(coalesce(try(json_merge_patch(doc, {patch})), doc)) END AS d
                       FROM dupdoc)
            SELECT c.* EXCLUDE (d), coalesce(j.d, c.d) AS d FROM dupc c LEFT JOIN j USING (pos)""")
    docs = con.execute("""SELECT pos, doc FROM dupdoc WHERE pos IN (SELECT pos FROM dupc WHERE event_id IN
        (SELECT event_id FROM dupc GROUP BY event_id HAVING count(DISTINCT d) > 1))""").fetchall()
    if not docs:
        return
    values_table(con, "dupj", "pos BIGINT, d VARCHAR", [(int(pos), json_digest(doc, steps)) for pos, doc in docs])
    con.execute("""CREATE OR REPLACE TABLE dupc AS
        SELECT c.* EXCLUDE (d), coalesce(j.d, c.d) AS d FROM dupc c LEFT JOIN dupj j USING (pos)""")


def json_digest(doc: str, ignore: Sequence[tuple[str | int, ...]]) -> str:
    """sha256 of the canonical JSON of `doc` without the `ignore` paths."""
    try:
        value = orjson.loads(doc)
    except orjson.JSONDecodeError:
        return hashlib.sha256(doc.encode()).hexdigest()
    for steps in ignore:
        _drop(value, steps)
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _drop(value: object, steps: tuple[str | int, ...]) -> None:
    for step in steps[:-1]:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return
    last = steps[-1]
    if isinstance(value, dict) and isinstance(last, str):
        value.pop(last, None)


def _offset_gaps(con: Connection, display: str) -> list[str]:
    parts = con.execute(
        "SELECT topic, coalesce(gpart, 0), min(goff), max(goff), count(DISTINCT goff) FROM ev WHERE goff IS NOT NULL "
        "GROUP BY ALL HAVING max(goff) - min(goff) + 1 <> count(DISTINCT goff) ORDER BY ALL"
    ).fetchall()
    out = []
    for topic, part, lo, hi, n in parts:
        holes = con.execute(
            "SELECT goff + 1, nxt - 1 FROM (SELECT goff, lead(goff) OVER (ORDER BY goff) AS nxt FROM "
            "(SELECT DISTINCT goff FROM ev WHERE topic = ? AND coalesce(gpart, 0) = ? AND goff IS NOT NULL)) "
            "WHERE nxt > goff + 1 ORDER BY goff LIMIT 3",
            [topic, part],
        ).fetchall()
        where = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in holes)
        name = f"{topic}/{part}" if topic else f"partition {part}"
        out.append(
            f"{display}: {name} is missing {hi - lo + 1 - n} offsets between {lo} and {hi} "
            f"(first: {where}); the recording is incomplete"
        )
    return out


def _sequence_gaps(con: Connection, opts: EventsInput) -> list[str]:
    rows = con.execute(
        "SELECT payment_id, min(o1), max(o1), count(DISTINCT o1) FROM evs GROUP BY payment_id "
        f"HAVING min(o1) <> {int(opts.sequence_start)} OR max(o1) - min(o1) + 1 <> count(DISTINCT o1) "
        f"ORDER BY payment_id LIMIT {MAX_LISTED + 1}"
    ).fetchall()
    return [
        f"payment {pid}: sequence numbers {lo}..{hi} with {n} distinct (expected a dense run from "
        f"{opts.sequence_start}); the recording is incomplete"
        for pid, lo, hi, n in rows
    ]
