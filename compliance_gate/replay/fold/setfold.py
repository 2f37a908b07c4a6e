"""The fold and reconciliation of regular payments as set-based SQL; Python sees only the rest.

Most payments follow the machine, and for those the result of `fold.fold_payment` is a plain
function of a few aggregates over their events. One windowed pass over the events computes these
(`fold_payments`, table `pay`), and a join with the report and settlement rows marks a payment
*clean* when `Reconciler.payment` would find nothing to report about it and would only add it to
the replay totals (`classify`, table `recon`). Clean payments never reach Python. Every other
payment (an irregular event sequence, any difference, a geo rule broken, any doubt) goes through
the fold and the reconciler as before, in payment-id order, so what they say is unchanged.

A payment is *regular* when the fold applies each of its events and reports nothing:
- every event type is mapped; the first state event goes to the initial state, and each later one
  stays or makes an allowed move to a state of equal or higher rank (so none is stale or illegal);
- exactly one `requested` event and it is the first event with money; at most one `authorized`,
  and no capture before it; no refund or dispute before the last capture; each of these events
  has an amount > 0; one currency; captured <= authorized (or requested) and refunded + disputed
  <= captured at the end (with this order, the fold's step-by-step checks reduce to these).
Its state is then its last state event's target; its amount the requested amount; captured,
refunded and disputed are sums. A payment outside this shape may still be fine; it is folded in
Python. Clean means regular, one usable report row agreeing on status, currency, amount and
refunds, the settlement likewise (or rightly absent), and no geo rule broken.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compliance_gate.replay.fold.machine import StateMachine
from compliance_gate.replay.fold.payment import AUTHORIZED, CAPTURED, DISPUTED, REFUNDED, REQUESTED
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.read.stage_events import effect_table
from compliance_gate.replay.reconcile.geo import GeoChecker
from compliance_gate.replay.sqlutil import literal, values_table

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection


def _in(values: list[int] | list[str], expr: str) -> str:
    if not values:
        return "false"
    return f"{expr} IN ({', '.join(literal(v) if isinstance(v, str) else str(int(v)) for v in values)})"


def fold_payments(con: Connection, machine: StateMachine, split: bool) -> None:
    """Create `pay`: per payment id its number of events, the per-payment values the reconciler
    reads, `regular`, and for a regular payment its folded state and money. `split`
    runs the steps one statement at a time (for inputs much larger than the memory limit)."""
    effects = effect_table(machine)
    values_table(
        con,
        "eff",
        "code INTEGER, target INTEGER, kind INTEGER",
        [(code, target, kind) for code, (target, kind) in enumerate(effects)],
    )
    n = len(machine.states)
    forward = [a * n + b for a in range(n) for b in machine.allowed[a] if machine.ranks[b] >= machine.ranks[a]]
    step_ok = (
        f"target < 0 OR (prev IS NULL AND target = {machine.initial}) OR target = prev "
        f"OR {_in(forward, f'prev * {n} + target')}"
    )
    regular = " AND ".join(
        [
            "unmapped = 0 AND steps_ok AND moves > 0 AND money_ok",
            "n_req = 1 AND first_req = first_money AND n_auth <= 1",
            "coalesce(first_cap > first_auth, true) AND coalesce(first_refund > last_cap, true)",
            "cur_lo IS NOT DISTINCT FROM cur_hi",
            "captured <= coalesce(auth_amount, amount) AND refunded + disputed <= captured",
        ]
    )
    parts = {
        "fold_steps": """
            SELECT *, lag(CASE WHEN target >= 0 THEN target END IGNORE NULLS) OVER win AS prev,
                   row_number() OVER win AS rn
            FROM (SELECT e.payment_id, e.o1, e.o2, e.line, e.currency, e.amount, f.target, f.kind
                  FROM evs e LEFT JOIN eff f USING (code))
            WINDOW win AS (PARTITION BY payment_id ORDER BY o1, o2, line)""",
        "pay_fold": f"""
            SELECT payment_id,
                   count(*) FILTER (target IS NULL) AS unmapped,
                   coalesce(bool_and({step_ok}), false) AS steps_ok,
                   count(*) FILTER (target >= 0) AS moves,
                   coalesce(bool_and(kind = 0 OR coalesce(amount > 0, false)), false) AS money_ok,
                   count(*) FILTER (kind = {REQUESTED}) AS n_req, min(rn) FILTER (kind = {REQUESTED}) AS first_req,
                   min(rn) FILTER (kind > 0) AS first_money,
                   count(*) FILTER (kind = {AUTHORIZED}) AS n_auth, min(rn) FILTER (kind = {AUTHORIZED}) AS first_auth,
                   max(amount) FILTER (kind = {AUTHORIZED}) AS auth_amount,
                   min(rn) FILTER (kind = {CAPTURED}) AS first_cap, max(rn) FILTER (kind = {CAPTURED}) AS last_cap,
                   min(rn) FILTER (kind > {CAPTURED}) AS first_refund,
                   min(currency) AS cur_lo, max(currency) AS cur_hi,
                   arg_max(target, rn) FILTER (target >= 0) AS state,
                   max(amount) FILTER (kind = {REQUESTED}) AS amount,
                   coalesce(sum(amount) FILTER (kind = {CAPTURED}), 0) AS captured,
                   coalesce(sum(amount) FILTER (kind = {REFUNDED}), 0) AS refunded,
                   coalesce(sum(amount) FILTER (kind = {DISPUTED}), 0) AS disputed
            FROM fold_steps GROUP BY payment_id""",
        "pay_meta": """
            SELECT payment_id, count(*) AS events, max(ts) AS last_ts, min(idem) AS idem, min(country) AS country,
                   min(ip) AS ip, min(region) AS region
            FROM evs GROUP BY payment_id""",
    }
    final = f"""
        SELECT payment_id, events, last_ts, idem, country, ip, region,
               coalesce({regular}, false) AS regular, state, amount, captured, refunded, disputed,
               cur_lo AS currency
        FROM pay_fold JOIN pay_meta USING (payment_id)"""
    if not split:
        ctes = ", ".join(f"{name} AS ({query})" for name, query in parts.items())
        con.execute(f"CREATE OR REPLACE TABLE pay AS WITH {ctes} {final}")
        return
    # Large inputs: one step per statement. Window and aggregates in one statement run out of
    # memory at 10M events (their buffers are all live at once); each alone spills fine.
    for name, query in parts.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
    con.execute(f"CREATE OR REPLACE TABLE pay AS {final}")
    for name in parts:
        con.execute(f"DROP TABLE {name}")


SIDE = ("status", "currency", "amount", "refunded", "precision", "line", "copies")


def classify(con: Connection, machine: StateMachine, opts: ReplayOptions, set_based: bool) -> None:
    """Create `recon`: a row per payment id on any side, with what the reconciler reads and `clean`."""
    values_table(
        con,
        "ok_status",
        "status VARCHAR, state INTEGER",
        [(status, state) for status, states in sorted(machine.reporting.items()) for state in sorted(states)],
    )
    settled = _in(sorted(machine.settled), "p.state")
    clean = [
        "p.regular AND r.line IS NOT NULL AND r.copies = 1 AND r.amount_problem IS NULL AND o.status IS NOT NULL",
        "r.currency = coalesce(p.currency, r.currency) AND r.amount = p.amount",
        "(r.refunded IS NULL OR r.refunded = p.refunded)",
    ]
    if opts.settlement.configured:
        statuses = sorted({st.lower() for st in opts.settlement.settled_statuses})
        status = "coalesce(s.status, '')"
        # lower() agrees with Python's str.lower() on ASCII; anything else is left to Python
        clean.append(f"""CASE WHEN s.line IS NULL THEN NOT ({settled} AND p.captured > 0)
            ELSE s.copies = 1 AND s.amount_problem IS NULL AND strlen({status}) = length({status})
                 AND ({_in(statuses, f"lower({status})")}) = ({settled})
                 AND s.currency = coalesce(p.currency, r.currency) AND s.amount = p.captured END""")
    sides = ", ".join(
        f"{t}.{c} AS {t}_{c}" if c != "precision" else f"{t}.amount_problem IS NOT NULL AS {t}_precision"
        for t in ("r", "s")
        for c in SIDE
    )
    con.execute(f"""CREATE OR REPLACE TABLE recon AS
        SELECT payment_id, p.events, p.last_ts, p.idem, p.country, p.ip, p.region, {sides},
               p.state, coalesce(p.currency, r.currency, '') AS cur, p.amount, p.captured, p.refunded, p.disputed,
               coalesce({str(set_based).lower()} AND {" AND ".join(clean)}, false) AS clean
        FROM pay p FULL JOIN rep1 r USING (payment_id) FULL JOIN st1 s USING (payment_id)
        LEFT JOIN ok_status o ON o.status = r.status AND o.state = p.state""")


def screen_geo(con: Connection, geo: GeoChecker) -> int:
    """Un-clean the clean payments that break a geo rule; return how many clean ones have no known
    country (the count `GeoChecker.violations` keeps for the payments folded in Python)."""
    if not geo.rules.configured:
        return 0
    keys = con.execute("""SELECT country, gip, cur, region, count(*) FROM (
        SELECT country, CASE WHEN coalesce(country, '') = '' THEN ip END AS gip, cur, region
        FROM recon WHERE clean) GROUP BY ALL""").fetchall()
    bad: list[tuple[str | int, ...]] = []
    unknown = 0
    for country, ip, cur, region, n in keys:
        found, known = geo.judge(country, ip, cur, region)
        if found:
            bad.append((country, ip, cur, region))
        elif not known:
            unknown += n
    if bad:
        columns = [list(c) for c in zip(*bad, strict=True)]
        con.execute(
            """CREATE OR REPLACE TEMP TABLE geo_bad AS
            SELECT unnest(?::VARCHAR[]) AS country, unnest(?::VARCHAR[]) AS gip, unnest(?::VARCHAR[]) AS cur,
                   unnest(?::VARCHAR[]) AS region""",
            columns,
        )
        con.execute("""UPDATE recon SET clean = false FROM geo_bad g
            WHERE recon.clean AND recon.cur = g.cur AND recon.country IS NOT DISTINCT FROM g.country
              AND recon.region IS NOT DISTINCT FROM g.region
              AND (CASE WHEN coalesce(recon.country, '') = '' THEN recon.ip END) IS NOT DISTINCT FROM g.gip""")
    return unknown


def clean_totals(con: Connection) -> list[tuple[str, int, int, int, int, int, int]]:
    """(currency, state, payments, amount, captured, refunded, disputed) over the clean payments."""
    rows = con.execute("""SELECT cur, state, count(*), sum(amount), sum(captured), sum(refunded), sum(disputed)
        FROM recon WHERE clean GROUP BY ALL ORDER BY ALL""").fetchall()
    return [(str(c), int(s), int(n), int(a), int(cap), int(ref), int(dis)) for c, s, n, a, cap, ref, dis in rows]


def double_charges(con: Connection, machine: StateMachine, settled_elsewhere: list[str]) -> list[tuple[list[str], int]]:
    """Payment ids (sorted) of each idempotency key under which more than one payment settled:
    the clean settled payments and `settled_elsewhere` (those folded in Python)."""
    rows = con.execute(
        f"""SELECT list(payment_id ORDER BY payment_id), sum(1) FROM recon p
        WHERE idem IS NOT NULL AND ((clean AND {_in(sorted(machine.settled), "p.state")})
                                    OR payment_id IN (SELECT unnest(?::VARCHAR[])))
        GROUP BY idem HAVING count(*) > 1 ORDER BY 1""",
        [settled_elsewhere],
    ).fetchall()
    return [(list(pids), int(n)) for pids, n in rows]
