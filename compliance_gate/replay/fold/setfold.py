"""The fold and reconciliation of regular payments as set-based SQL; Python sees only the rest.

Most payments follow the machine, and for those the result of `payment.fold_payment` is a plain
function of a few aggregates over their events. One windowed pass over the events computes these
(`fold_payments`, table `pay`), and a join with the report and settlement rows marks a payment
*clean* when `Reconciler.payment` would find nothing to report about it and would only add it to
the replay totals (`classify`, table `recon`). Clean payments never reach Python. Every other
payment (an irregular event sequence, any difference, a geo rule broken, any doubt) goes through
the fold and the reconciler, in payment-id order, so what they say is unchanged.

A payment is *regular* when the fold applies each of its events and reports nothing: the first
state event goes to an entry state, each later one stays or makes an allowed move (with
`status: rank`, to a state of equal or higher rank: nothing is stale), no event is a delete, one
currency, and the money rules below hold.
- Legacy `amount:` machines: exactly one `requested` event and it is the first event with
  money; at most one `authorized`, and no capture before it; no refund or dispute before the last
  capture; each of these events has an amount > 0; captured <= authorized (or requested) and
  refunded + disputed <= captured at the end (with this order, the fold's step-by-step checks
  reduce to these). Money: requested and authorized amounts, summed captures, refunds, disputes.
- `amounts:` machines: per money field and movement (`ref`), the events' modes are of one family
  (set/clear: the latest value; add/subtract: the sum; cumulative: the largest), each amount
  they read is present and >= 0, and the final money keeps the invariants. Money: the sums over
  movements.
Its state is its last state event's target, then the machine's `derived` rules. The SQL here
keeps to what sqlglot transpiles to Spark: no QUALIFY, no UPDATE, no ordered list aggregates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compliance_gate.replay.fold.machine import ADD, CLEAR, CUMULATIVE, IMAGE, KINDS, SET, SUBTRACT, StateMachine
from compliance_gate.replay.fold.payment import AUTHORIZED, CAPTURED, DISPUTED, REFUNDED, REQUESTED
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.read.stage_events import Staged
from compliance_gate.replay.reconcile.geo import GeoChecker
from compliance_gate.replay.sqlutil import literal, values_table

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

SIDE = ("status", "currency", "amount", "refunded", "disputed", "precision", "line", "copies")


def _in(values: list[int] | list[str], expr: str) -> str:
    if not values:
        return "false"
    return f"{expr} IN ({', '.join(literal(v) if isinstance(v, str) else str(int(v)) for v in values)})"


def _step_ok(machine: StateMachine) -> str:
    n = len(machine.states)
    pairs = [
        a * n + b
        for a in range(n)
        for b in machine.allowed[a]
        if machine.latest or machine.ranks[b] >= machine.ranks[a]
    ]
    return (
        f"tgt < 0 OR (prev IS NULL AND ({_in(sorted(machine.entry), 'tgt')} OR entry)) OR tgt = prev "
        f"OR {_in(pairs, f'prev * {n} + tgt')}"
    )


def _derived(machine: StateMachine, money: dict[str, str]) -> str:
    """The state column after the machine's `derived` rules."""
    if not machine.derived:
        return "state"
    whens = " ".join(
        f"WHEN {_in(sorted(d.sources), 'state')} AND {money[d.field]} {'=' if d.op == '==' else d.op} "
        f"{money.get(d.other, d.other)} THEN {d.state}"
        for d in machine.derived
    )
    return f"CASE {whens} ELSE state END"


def fold_payments(con: Connection, machine: StateMachine, staged: Staged, split: bool) -> None:
    """Create `pay`: per payment id its number of events, the per-payment values the reconciler
    reads, `regular`, and for a regular payment its folded state and money. `split`
    runs the steps one statement at a time (for inputs much larger than the memory limit)."""
    parts = _modes_parts(machine, staged) if not machine.legacy_money else _legacy_parts(machine, staged)
    parts["pay_meta"] = """
            SELECT payment_id, count(*) AS events, max(ts) AS last_ts, min(country) AS country,
                   min(ip) AS ip, min(region) AS region
            FROM evs GROUP BY payment_id"""
    final = parts.pop("final")
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


def _steps(staged: Staged, money: str) -> str:
    return f"""
            SELECT *, lag(CASE WHEN tgt >= 0 THEN tgt END IGNORE NULLS) OVER win AS prev,
                   row_number() OVER win AS rn
            FROM (SELECT e.payment_id, e.o1, e.o2, e.pos, e.line, e.currency, e.idem, {money},
                         CASE WHEN f.target = {IMAGE} THEN {staged.st} ELSE f.target END AS tgt,
                         f.legacy, f.m1, f.m2, f.m3, f.m4, f.m5, f.entry, f.del, f.refused
                  FROM evs e JOIN eff f USING (code))
            WINDOW win AS (PARTITION BY payment_id ORDER BY o1, o2, pos)"""


def _legacy_parts(machine: StateMachine, staged: Staged) -> dict[str, str]:
    regular = " AND ".join(
        [
            "steps_ok AND moves > 0 AND money_ok AND special = 0",
            "n_req = 1 AND first_req = first_money AND n_auth <= 1",
            "coalesce(first_cap > first_auth, true) AND coalesce(first_refund > last_cap, true)",
            "cur_lo IS NOT DISTINCT FROM cur_hi",
            "captured <= coalesce(auth_amount, amount) AND refunded + disputed <= captured",
        ]
    )
    money = {
        "requested": "amount",
        "authorized": "coalesce(auth_amount, -1)",
        "captured": "captured",
        "refunded": "refunded",
        "disputed": "disputed",
    }
    return {
        "fold_steps": _steps(staged, _legacy_amount(staged)),
        "pay_fold": f"""
            SELECT payment_id,
                   coalesce(bool_and({_step_ok(machine)}), false) AS steps_ok,
                   count(*) FILTER (tgt >= 0) AS moves,
                   count(*) FILTER (del OR refused) AS special,
                   coalesce(bool_and(legacy = 0 OR coalesce(amount > 0, false)), false) AS money_ok,
                   count(*) FILTER (legacy = {REQUESTED}) AS n_req,
                   min(rn) FILTER (legacy = {REQUESTED}) AS first_req,
                   min(rn) FILTER (legacy > 0) AS first_money,
                   count(*) FILTER (legacy = {AUTHORIZED}) AS n_auth,
                   min(rn) FILTER (legacy = {AUTHORIZED}) AS first_auth,
                   max(amount) FILTER (legacy = {AUTHORIZED}) AS auth_amount,
                   min(rn) FILTER (legacy = {CAPTURED}) AS first_cap, max(rn) FILTER (legacy = {CAPTURED}) AS last_cap,
                   min(rn) FILTER (legacy > {CAPTURED}) AS first_refund,
                   min(currency) AS cur_lo, max(currency) AS cur_hi,
                   arg_max(tgt, rn) FILTER (tgt >= 0) AS state,
                   arg_min(idem, rn) FILTER (idem IS NOT NULL) AS idem,
                   arg_max(line, rn) FILTER (NOT refused) AS last_line,
                   max(amount) FILTER (legacy = {REQUESTED}) AS amount,
                   coalesce(sum(amount) FILTER (legacy = {CAPTURED}), 0) AS captured,
                   coalesce(sum(amount) FILTER (legacy = {REFUNDED}), 0) AS refunded,
                   coalesce(sum(amount) FILTER (legacy = {DISPUTED}), 0) AS disputed
            FROM fold_steps GROUP BY payment_id""",
        "final": f"""
            SELECT payment_id, events, last_ts, last_line, idem, country, ip, region,
                   coalesce({regular}, false) AS regular, {_derived(machine, money)} AS state,
                   amount, captured, refunded, disputed, cur_lo AS currency
            FROM pay_fold JOIN pay_meta USING (payment_id)""",
    }


def _legacy_amount(staged: Staged) -> str:
    """The one amount a legacy effect reads: the money field its kind names."""
    if len(set(staged.money)) == 1:
        return f"e.{staged.money[0]} AS amount"
    whens = " ".join(f"WHEN {k + 1} THEN e.{col}" for k, col in enumerate(staged.money))
    return f"CASE f.legacy {whens} END AS amount"


def _modes_parts(machine: StateMachine, staged: Staged) -> dict[str, str]:
    money = ", ".join(f"e.{col} AS a{k + 1}" for k, col in enumerate(staged.money))
    fam = {
        k: f"CASE WHEN m{k} IN ({SET}, {CLEAR}) THEN 1 WHEN m{k} IN ({ADD}, {SUBTRACT}) THEN 2 " for k in range(1, 6)
    }
    per_ref = ", ".join(
        f"""min({fam[k]}WHEN m{k} = {CUMULATIVE} THEN 3 END) AS flo{k},
            max({fam[k]}WHEN m{k} = {CUMULATIVE} THEN 3 END) AS fhi{k},
            arg_max(CASE WHEN m{k} = {CLEAR} THEN 0 ELSE a{k} END, rn) FILTER (m{k} IN ({SET}, {CLEAR})) AS last{k},
            sum(CASE WHEN m{k} = {ADD} THEN a{k} WHEN m{k} = {SUBTRACT} THEN -a{k} END) AS sum{k},
            max(a{k}) FILTER (m{k} = {CUMULATIVE}) AS max{k}"""
        for k in range(1, 6)
    )
    money_ok = " AND ".join(
        f"(m{k} NOT IN ({SET}, {ADD}, {SUBTRACT}, {CUMULATIVE}) OR coalesce(a{k} >= 0, false))" for k in range(1, 6)
    )
    one_family = " AND ".join(f"flo{k} IS NOT DISTINCT FROM fhi{k}" for k in range(1, 6))
    totals = ", ".join(f"coalesce(sum(coalesce(last{k}, sum{k}, max{k})), 0) AS t{k}" for k in range(1, 6))
    names = {f"t{k + 1}": kind for k, kind in enumerate(KINDS)}
    regular = " AND ".join(
        [
            "steps_ok AND moves > 0 AND deletes = 0 AND money_ok AND one_family",
            "cur_lo IS NOT DISTINCT FROM cur_hi",
            "least(t1, t3, t4, t5) >= 0 AND (NOT has_auth OR t2 >= 0)",
            "t3 <= CASE WHEN has_auth THEN t2 ELSE t1 END AND t4 + t5 <= t3",
        ]
    )
    derived_money = {kind: ("CASE WHEN has_auth THEN t2 ELSE -1 END" if t == "t2" else t) for t, kind in names.items()}
    return {
        "fold_steps": _steps(staged, f"{money}, {staged.ref_sql} AS ref"),
        "pay_fold": f"""
            SELECT payment_id,
                   coalesce(bool_and({_step_ok(machine)}), false) AS steps_ok,
                   count(*) FILTER (tgt >= 0) AS moves,
                   count(*) FILTER (del) AS deletes,
                   coalesce(bool_and({money_ok}), false) AS money_ok,
                   min(currency) AS cur_lo, max(currency) AS cur_hi,
                   arg_max(tgt, rn) FILTER (tgt >= 0) AS state,
                   arg_min(idem, rn) FILTER (idem IS NOT NULL) AS idem,
                   arg_max(line, rn) FILTER (NOT refused) AS last_line
            FROM fold_steps GROUP BY payment_id""",
        "money_ref": f"SELECT payment_id, ref, {per_ref} FROM fold_steps GROUP BY payment_id, ref",
        "pay_money": f"""
            SELECT payment_id, coalesce(bool_and({one_family}), false) AS one_family,
                   count(flo2) > 0 AS has_auth, {totals}
            FROM money_ref GROUP BY payment_id""",
        "final": f"""
            SELECT payment_id, events, last_ts, last_line, idem, country, ip, region,
                   coalesce({regular}, false) AS regular, {_derived(machine, derived_money)} AS state,
                   t1 AS amount, t3 AS captured, t4 AS refunded, t5 AS disputed, cur_lo AS currency
            FROM pay_fold JOIN pay_money USING (payment_id) JOIN pay_meta USING (payment_id)""",
    }


def classify(
    con: Connection, machine: StateMachine, opts: ReplayOptions, set_based: bool, settlement_status: bool
) -> None:
    """Create `recon`: a row per payment id on any side, with what the reconciler reads and `clean`."""
    values_table(
        con,
        "ok_status",
        "status VARCHAR, state INTEGER",
        [(status, state) for status, states in sorted(machine.reporting.items()) for state in sorted(states)],
    )
    settled = _in(sorted(machine.settled), "p.state")
    needs = f"(p.captured > 0 AND {settled if machine.settled else 'true'})"
    clean = [
        "p.regular AND r.line IS NOT NULL AND r.copies = 1 AND r.amount_problem IS NULL AND o.status IS NOT NULL",
        "r.currency = coalesce(p.currency, r.currency) AND r.amount = p.amount",
        "(r.refunded IS NULL OR r.refunded = p.refunded) AND (r.disputed IS NULL OR r.disputed = p.disputed)",
    ]
    if opts.settlement.configured:
        statuses = sorted({st.lower() for st in opts.settlement.settled_statuses})
        status = "s.status"
        # lower() agrees with Python's str.lower() on ASCII; anything else is left to Python
        status_ok = (
            f"(s.status IS NULL OR (strlen({status}) = length({status}) "
            f"AND ({_in(statuses, f'lower({status})')}) = ({settled})))"
            if settlement_status
            else "true"
        )
        clean.append(f"""CASE WHEN s.line IS NULL THEN NOT {needs}
            ELSE s.copies = 1 AND s.amount_problem IS NULL AND {status_ok}
                 AND s.currency = coalesce(p.currency, r.currency) AND s.amount = p.captured
                 AND (s.refunded IS NULL OR s.refunded = p.refunded)
                 AND (s.disputed IS NULL OR s.disputed = p.disputed) END""")
    sides = ", ".join(
        f"{t}.{c} AS {t}_{c}" if c != "precision" else f"{t}.amount_problem IS NOT NULL AS {t}_precision"
        for t in ("r", "s")
        for c in SIDE
    )
    con.execute(f"""CREATE OR REPLACE TABLE recon AS
        SELECT payment_id, p.events, p.last_ts, p.idem, p.country, p.ip, p.region, {sides},
               p.state, coalesce(p.currency, r.currency, '') AS cur, p.amount, p.captured, p.refunded, p.disputed,
               coalesce({str(set_based).lower()} AND p.regular, false) AS regular, p.last_line,
               coalesce({str(set_based).lower()} AND {" AND ".join(clean)}, false) AS clean
        FROM pay p FULL JOIN rep1 r USING (payment_id) FULL JOIN st1 s USING (payment_id)
        LEFT JOIN ok_status o ON o.status = lower(r.status) AND o.state = p.state""")


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
        # rebuilt rather than updated in place (the shared SQL has no UPDATE)
        con.execute("""CREATE OR REPLACE TABLE recon AS
            SELECT r.* EXCLUDE (clean), r.clean AND g.cur IS NULL AS clean FROM recon r
            LEFT JOIN geo_bad g ON r.clean AND r.cur = g.cur AND r.country IS NOT DISTINCT FROM g.country
              AND r.region IS NOT DISTINCT FROM g.region
              AND (CASE WHEN coalesce(r.country, '') = '' THEN r.ip END) IS NOT DISTINCT FROM g.gip""")
    return unknown


def clean_totals(con: Connection) -> list[tuple[str, int, int, int, int, int, int]]:
    """(currency, state, payments, amount, captured, refunded, disputed) over the clean payments."""
    rows = con.execute("""SELECT cur, state, count(*), sum(amount), sum(captured), sum(refunded), sum(disputed)
        FROM recon WHERE clean GROUP BY ALL ORDER BY ALL""").fetchall()
    return [(str(c), int(s), int(n), int(a), int(cap), int(ref), int(dis)) for c, s, n, a, cap, ref, dis in rows]


def double_charges(con: Connection, machine: StateMachine, charged_elsewhere: list[str]) -> list[tuple[list[str], int]]:
    """Payment ids (sorted) of each idempotency key under which more than one payment was charged
    (`StateMachine.charged`): the clean ones and `charged_elsewhere` (those folded in Python)."""
    charged = "p.captured > 0" if machine.double_charge == "captured" else _in(sorted(machine.settled), "p.state")
    rows = con.execute(
        f"""SELECT idem, payment_id FROM recon p
        WHERE idem IS NOT NULL AND ((clean AND {charged}) OR payment_id IN (SELECT unnest(?::VARCHAR[])))
          AND idem IN (SELECT idem FROM recon q WHERE idem IS NOT NULL
                       AND ((clean AND {charged.replace("p.", "q.")}) OR payment_id IN (SELECT unnest(?::VARCHAR[])))
                       GROUP BY idem HAVING count(*) > 1)
        ORDER BY idem, payment_id""",
        [charged_elsewhere, charged_elsewhere],
    ).fetchall()
    groups: dict[str, list[str]] = {}
    for idem, pid in rows:
        groups.setdefault(str(idem), []).append(str(pid))
    return sorted((pids, len(pids)) for pids in groups.values())
