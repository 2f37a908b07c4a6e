"""Per-side tables and the two sorted streams the Python fold and the reconciler merge.

`rep1`/`st1` hold the first usable report/settlement row per payment with its copy count. The
streams cover the payments `setfold.classify` did not find clean: their `recon` rows in
payment-id order, and their events as `payment.Event` tuples sorted by (payment id, partition,
offset | sequence | time, position), so memory stays bounded by one payment's events however
large the recording is; DuckDB spills the sorts to disk.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from compliance_gate.replay.fold.payment import NO_AMOUNT, Event, Folded
from compliance_gate.replay.fold.setfold import SIDE
from compliance_gate.replay.read.stage_events import Staged
from compliance_gate.replay.reconcile.reconciler import Side
from compliance_gate.replay.sqlutil import fetch_rows

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

EMPTY_SIDE = (
    "CREATE OR REPLACE TABLE {name} (line BIGINT, payment_id VARCHAR, status VARCHAR, currency VARCHAR, "
    "amount BIGINT, refunded BIGINT, disputed BIGINT, problem VARCHAR, amount_problem VARCHAR)"
)
ROWS = 20000


def build_tables(con: Connection, has_settlement: bool) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE curs AS SELECT currency, row_number() OVER (ORDER BY currency) - 1 AS ci "
        "FROM (SELECT DISTINCT currency FROM evs WHERE currency IS NOT NULL)"
    )
    if not has_settlement:
        con.execute(EMPTY_SIDE.format(name="st"))
    for name in ("rep", "st"):
        # the first row per payment id by line, and how many there are (a window, then a filter:
        # the shared SQL has no QUALIFY)
        con.execute(f"""CREATE OR REPLACE TABLE {name}1 AS
            SELECT * EXCLUDE (rn) FROM (
              SELECT r.*, count(*) OVER (PARTITION BY payment_id) AS copies,
                     row_number() OVER (PARTITION BY payment_id ORDER BY line) AS rn
              FROM {name} r WHERE problem IS NULL) WHERE rn = 1""")


def currencies(con: Connection) -> list[str]:
    return [c for (c,) in con.execute("SELECT currency FROM curs ORDER BY ci").fetchall()]


def event_groups(con: Connection, staged: Staged) -> Iterator[tuple[str, list[Event]]]:
    """(payment id, its events) in id order, for the payments that were neither clean nor regular
    (a regular payment's fold is the set-based one: `ReconRow.folded`)."""
    money = ", ".join(f"coalesce(e.{c}, {NO_AMOUNT})" for c in staged.money)
    cur = con.cursor()
    st = "e.st" if staged.status else "-1"
    ref = "e.ref" if staged.ref else "NULL::VARCHAR"
    cur.execute(f"""SELECT e.payment_id, e.code, {st}, {money}, {ref}, coalesce(c.ci, -1) AS ci, e.line
                   FROM evs e JOIN recon r USING (payment_id) LEFT JOIN curs c USING (currency)
                   WHERE NOT r.clean AND NOT r.regular ORDER BY e.payment_id, e.o1, e.o2, e.pos""")
    for pid, rows in itertools.groupby(fetch_rows(cur, ROWS), key=itemgetter(0)):
        yield pid, [row[1:] for row in rows]
    cur.close()


SIDES = ", ".join(f"{t}_{c}" for t in ("r", "s") for c in SIDE)


@dataclass(frozen=True, slots=True)
class ReconRow:
    """A `recon` row of a payment that was not clean (the replayed values come from the fold)."""

    payment_id: str
    events: int | None  # None: no recorded events
    last_ts: int
    geo: tuple[str | None, str | None, str | None]  # country, ip, region
    report: Side | None
    settlement: Side | None
    folded: Folded | None  # a regular payment: the set-based fold's result (else fold its events)
    currency: str  # its events' currency, else its report row's, else ''


def recon_rows(con: Connection) -> Iterator[ReconRow]:
    """The payments that were not clean, in id order."""
    cur = con.cursor()
    cur.execute(
        f"SELECT payment_id, events, last_ts, country, ip, region, {SIDES}, regular, state, amount, captured, "
        "refunded, disputed, last_line, cur FROM recon WHERE NOT clean ORDER BY payment_id"
    )
    n = len(SIDE)
    line = SIDE.index("line")
    for row in fetch_rows(cur, ROWS):
        rep, st = row[6 : 6 + n], row[6 + n : 6 + 2 * n]
        regular, state, amount, captured, refunded, disputed, last_line, currency = row[6 + 2 * n :]
        yield ReconRow(
            row[0],
            row[1],
            row[2],
            (row[3], row[4], row[5]),
            Side(*rep) if rep[line] is not None else None,
            Side(*st) if st[line] is not None else None,
            Folded(state, amount, -1, captured, refunded, disputed, last_line=last_line) if regular else None,
            currency,
        )
    cur.close()


def extra_copies(con: Connection, name: str) -> list[tuple[str, int]]:
    """Per currency, the amounts of report/settlement rows beyond the first for one payment id."""
    rows = con.execute(f"""SELECT currency, sum(coalesce(amount, 0)) FROM {name}
        WHERE problem IS NULL AND line NOT IN (SELECT line FROM {name}1) GROUP BY currency""").fetchall()
    return [(str(c), int(a)) for c, a in rows]


def side_totals(con: Connection, name: str) -> list[tuple[str, str, int, int, int]]:
    """(currency, status, rows, net, gross) of the usable rows of a side."""
    rows = con.execute(f"""SELECT currency, coalesce(status, ''), count(*), sum(coalesce(amount, 0)),
        sum(abs(coalesce(amount, 0))) FROM {name} WHERE problem IS NULL GROUP BY ALL ORDER BY ALL""").fetchall()
    return [(str(c), str(s), int(n), int(net), int(gross)) for c, s, n, net, gross in rows]
