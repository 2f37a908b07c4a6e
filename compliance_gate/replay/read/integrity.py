"""Input integrity on the staged events: unreadable rows, duplicate event ids, offset gaps.

A duplicate event id with an identical payload (every mapped field but the Kafka position) is a
redelivery: counted, the first copy in order is kept. With a different payload it is a conflict,
which blocks. A gap in a partition's offsets (or in a payment's sequence numbers) means events
are missing from the recording: the input is incomplete and the check cannot pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from compliance_gate.replay.options import EventsInput

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

MAX_LISTED = 20
PAYLOAD = (
    "md5(concat_ws(chr(31), payment_id, type, CAST(code AS VARCHAR), coalesce(CAST(ts AS VARCHAR), '~'), "
    "coalesce(amount_text, '~'), coalesce(currency, '~'), coalesce(idem, '~'), coalesce(country, '~'), "
    "coalesce(region, '~'), coalesce(ip, '~')))"
)


@dataclass(frozen=True, slots=True)
class Conflict:
    event_id: str
    payment_ids: tuple[str, ...]
    lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Integrity:
    bad_rows: tuple[tuple[int, str], ...]
    bad_count: int
    redeliveries: int
    conflicts: tuple[Conflict, ...]
    gaps: tuple[str, ...]


def check_events(con: Connection, opts: EventsInput, display: str) -> Integrity:
    """Inspect table `ev`; create `evs`, the usable, de-duplicated events."""
    bad = con.execute(
        f"SELECT line, problem FROM ev WHERE problem IS NOT NULL ORDER BY line LIMIT {MAX_LISTED}"
    ).fetchall()
    bad_count = con.execute("SELECT count(*) FROM ev WHERE problem IS NOT NULL").fetchall()[0][0]
    # hashes first: grouping 8-byte keys instead of the ids themselves halves the work on large inputs
    con.execute(f"""CREATE OR REPLACE TABLE dup AS
        WITH h AS (SELECT hash(event_id) AS h FROM ev WHERE problem IS NULL GROUP BY 1 HAVING count(*) > 1),
        ids AS (SELECT event_id FROM ev WHERE problem IS NULL AND hash(event_id) IN (SELECT h FROM h)
                GROUP BY event_id HAVING count(*) > 1)
        SELECT event_id, count(*) AS n, count(DISTINCT {PAYLOAD}) AS variants,
               list(line ORDER BY o1, o2, line) AS lines, list(DISTINCT payment_id ORDER BY payment_id) AS pids
        FROM ev WHERE problem IS NULL AND event_id IN (SELECT event_id FROM ids) GROUP BY event_id""")
    redeliveries = con.execute("SELECT coalesce(sum(n - 1), 0) FROM dup WHERE variants = 1").fetchall()[0][0]
    conflicts = tuple(
        Conflict(eid, tuple(pids), tuple(lines))
        for eid, pids, lines in con.execute(
            "SELECT event_id, pids, lines FROM dup WHERE variants > 1 ORDER BY lines[1]"
        ).fetchall()
    )
    # later copies of a duplicated id leave the replay; the bad rows were listed above
    con.execute("UPDATE ev SET problem = 'duplicate' WHERE line IN (SELECT unnest(lines[2:]) FROM dup)")
    con.execute("CREATE OR REPLACE VIEW evs AS SELECT * FROM ev WHERE problem IS NULL")
    gaps = _sequence_gaps(con, opts) if opts.order_by == "sequence" else _offset_gaps(con, display)
    return Integrity(tuple(bad), int(bad_count), int(redeliveries), conflicts, tuple(gaps))


def _offset_gaps(con: Connection, display: str) -> list[str]:
    parts = con.execute(
        "SELECT topic, o1, min(o2), max(o2), count(DISTINCT o2) FROM ev WHERE o2 IS NOT NULL "
        "GROUP BY topic, o1 HAVING max(o2) - min(o2) + 1 <> count(DISTINCT o2) ORDER BY topic, o1"
    ).fetchall()
    out = []
    for topic, part, lo, hi, n in parts:
        holes = con.execute(
            "SELECT o2 + 1, nxt - 1 FROM (SELECT o2, lead(o2) OVER (ORDER BY o2) AS nxt FROM "
            "(SELECT DISTINCT o2 FROM ev WHERE topic = ? AND o1 = ? AND o2 IS NOT NULL)) "
            "WHERE nxt > o2 + 1 ORDER BY o2 LIMIT 3",
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
