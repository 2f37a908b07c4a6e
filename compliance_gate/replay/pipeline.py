"""The replay, end to end: stage inputs, check integrity, fold, reconcile, total.

`replay_and_reconcile(options, root)` is what the check and the `replay` command both call, so
they give the same results. It never returns a clean result for input it could not read: such
problems are `errors` (or `bad_input` breaks, if the policy says `bad_input: finding`).
Payments whose events and rows are plainly in order are folded and reconciled set-based in
DuckDB (`setfold`); every other payment goes through the Python fold and reconciler.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate import bundled
from compliance_gate.errors import InputError
from compliance_gate.model import InputRecord
from compliance_gate.replay.fold import projector, setfold, stream
from compliance_gate.replay.fold.machine import StateMachine, load_machine
from compliance_gate.replay.fold.payment import fold_payment
from compliance_gate.replay.options import ReplayOptions, TableInput
from compliance_gate.replay.read import integrity
from compliance_gate.replay.read.stage_events import detect_format, effect_table, stage_events
from compliance_gate.replay.read.stage_tables import Source, record, stage_table
from compliance_gate.replay.reconcile.geo import GeoChecker
from compliance_gate.replay.reconcile.reconciler import Break, Reconciler, Side
from compliance_gate.replay.safety import safe_text
from compliance_gate.replay.sqlutil import connect, iso_from_us

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

# above about 2,000 events per MB of memory limit, the set-based fold runs step by step
SPLIT_ROWS_PER_MB = 2000


@dataclass(slots=True)
class Outcome:
    """What the pipeline found; `results.build` turns it into findings and metrics."""

    machine: StateMachine
    events_display: str
    breaks: list[Break] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    inputs: list[InputRecord] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    recon: Reconciler | None = None
    side_totals: dict[str, list[tuple[str, str, int, int, int]]] = field(default_factory=dict)
    event_refs: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def replay_and_reconcile(opts: ReplayOptions, root: Path, set_based: bool = True) -> Outcome:
    """Replay and reconcile; `set_based=False` folds every payment in Python (as a projector
    does anyway), which gives the same outcome, only slower."""
    machine = load_machine(bundled.resolve(opts.state_machine, root))
    if not opts.events.path:
        raise InputError("checks.replay.events.path: name the recorded events file")
    if not opts.reported.configured:
        raise InputError("checks.replay.reported: name the reporting snapshot (path or url)")
    events_path = bundled.resolve(opts.events.path, root)
    if not events_path.is_file():
        raise InputError(f"{opts.events.path}: no such events file")
    out = Outcome(machine, opts.events.path)
    with tempfile.TemporaryDirectory(prefix="cg-replay-") as tmp:
        con = connect(Path(tmp), opts.memory_limit_mb)
        try:
            _run(con, opts, root, events_path, out, set_based and not opts.projector)
        finally:
            con.close()
    return out


def _run(con: Connection, opts: ReplayOptions, root: Path, events_path: Path, out: Outcome, set_based: bool) -> None:
    fmt = detect_format(events_path, opts.events.format)
    sides = {"rep": opts.reported}
    if opts.settlement.configured:
        sides["st"] = opts.settlement
    with ThreadPoolExecutor(max_workers=1) as pool:
        # DuckDB numbers the event lines on one thread; the report and settlement load beside it
        side_load = pool.submit(_stage_sides, con.cursor(), sides, root)
        staged = stage_events(con, events_path, opts.events, out.machine, fmt)
        sources = side_load.result()
    # from here on every query orders explicitly; keeping insertion order only costs memory
    con.execute("SET preserve_insertion_order = false")
    found = integrity.check_events(con, opts.events, out.events_display)
    _bad_rows(out, opts, out.events_display, found.bad_rows, found.bad_count)
    out.errors.extend(safe_text(g) for g in found.gaps)
    for c in found.conflicts:
        where = ", ".join(f"{out.events_display}:{n}" for n in c.lines)
        out.breaks.append(
            Break(
                "duplicate_conflict",
                "events",
                c.payment_ids[0],
                "",
                0,
                f"event {c.event_id} recorded with different payloads at {where}",
                c.lines[0],
            )
        )
    lo, hi, rows = con.execute("SELECT min(ts), max(ts), count(*) FROM ev").fetchall()[0]
    time_range = [iso_from_us(t) if t is not None else None for t in (lo, hi)]
    out.inputs.append(
        InputRecord(
            out.events_display, staged.sha256, "file", rows=int(rows), details={"format": fmt, "time_range": time_range}
        )
    )
    for name in sides:
        out.inputs.append(record(con, name, sources[name]))
        bad = con.execute(
            f"SELECT line, problem FROM {name} WHERE problem IS NOT NULL ORDER BY line LIMIT 20"
        ).fetchall()
        n_bad = con.execute(f"SELECT count(*) FROM {name} WHERE problem IS NOT NULL").fetchall()[0][0]
        _bad_rows(out, opts, sources[name].display, bad, n_bad)
    setfold.fold_payments(con, out.machine, split=rows > opts.memory_limit_mb * SPLIT_ROWS_PER_MB)
    stream.build_tables(con, "st" in sides)
    setfold.classify(con, out.machine, opts, set_based)
    as_of = _as_of(opts, hi)
    cutoff = as_of - int(opts.grace_s * 1_000_000)
    geo = GeoChecker(opts.geo, root)
    recon = Reconciler(out.machine, opts, cutoff, geo)
    clean_unknown = setfold.screen_geo(con, geo)
    projected = projector.project_all(con, opts, root, out.machine, as_of, out.errors) if opts.projector else None
    settled = _fold_and_reconcile(con, out, recon, projected)
    geo.close()
    geo.unknown += clean_unknown
    _double_charges(con, out, settled)
    for name, side in (("rep", "report"), ("st", "settlement")):
        if name in sides:
            for cur, amount in stream.extra_copies(con, name):
                recon.bridges[side].add(cur, "duplicate_key", -int(amount))
            out.side_totals[side] = stream.side_totals(con, name)
    out.recon = recon
    out.counters.update(
        redeliveries=found.redeliveries,
        events_rejected=found.bad_count,
        geo_unknown=geo.unknown,
        as_of_us=as_of,
        cutoff_us=cutoff,
    )
    out.event_refs = _event_refs(con, out)


def _stage_sides(cur: Connection, sides: dict[str, TableInput], root: Path) -> dict[str, Source]:
    try:
        return {name: stage_table(cur, name, table, root) for name, table in sides.items()}
    finally:
        cur.close()


def _fold_and_reconcile(
    con: Connection, out: Outcome, recon: Reconciler, projected: dict[str, int] | None
) -> list[str]:
    """Add the clean payments' totals, then fold and reconcile the others one by one in Python.
    Returns the ids of those that settled."""
    payments = 0
    for currency, state, n, amount, captured, refunded, disputed in setfold.clean_totals(con):
        recon.add_clean(currency, out.machine.states[state], n, (amount, captured, refunded, disputed))
        payments += n
    effects = effect_table(out.machine)
    currencies = stream.currencies(con)
    groups = stream.event_groups(con)
    settled: list[str] = []
    stale = 0
    for row in stream.recon_rows(con):
        pid = row[0]  # raw here; results.py masks anything that reaches output
        report = Side(*row[6:13]) if row[11] is not None else None
        settlement = Side(*row[13:20]) if row[18] is not None else None
        if row[1] is None:
            for side_name, side in (("report", report), ("settlement", settlement)):
                if side is not None:
                    recon.orphan(pid, side, side_name)
            continue
        group, events = next(groups)
        assert group == pid, "event stream and payment rows out of step"
        f = fold_payment(events, out.machine, effects)
        payments += 1
        stale += f.stale
        if projected is not None:
            f.state = projected.get(pid, f.state)
        for category, line, detail in f.issues:
            out.breaks.append(
                Break(category, "events", pid, currencies[f.currency] if f.currency >= 0 else "", 0, detail, line)
            )
        currency = currencies[f.currency] if f.currency >= 0 else (report.currency if report else "") or ""
        recon.payment(pid, f, currency, row[2], report, settlement, (row[3], row[4], row[5]))
        if f.state in out.machine.settled:
            settled.append(pid)
    out.counters.update(payments=payments, stale_ignored=stale)
    out.breaks.extend(recon.breaks)
    recon.breaks = []
    return settled


def _double_charges(con: Connection, out: Outcome, settled: list[str]) -> None:
    for pids, n in setfold.double_charges(con, out.machine, settled):
        shown = ", ".join(pids)
        for pid in pids[1:]:
            out.breaks.append(
                Break(
                    "double_charge", "events", pid, "", 0, f"{n} succeeded payments share one idempotency key: {shown}"
                )
            )


def _event_refs(con: Connection, out: Outcome) -> dict[str, list[tuple[str, int]]]:
    """Event ids and lines behind each payment that has a break (breaks are the rare case)."""
    pids = sorted({b.payment_id for b in out.breaks})
    if not pids:
        return {}
    rows = con.execute(
        """SELECT payment_id, list(event_id ORDER BY o1, o2, line), list(line ORDER BY o1, o2, line)
        FROM evs WHERE payment_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY payment_id""",
        [pids],
    ).fetchall()
    return {p: [(safe_text(e), n) for e, n in zip(eids, lines, strict=True)] for p, eids, lines in rows}


def _bad_rows(out: Outcome, opts: ReplayOptions, display: str, rows: Sequence[tuple[int, str]], total: int) -> None:
    for line, problem in rows:
        if opts.bad_input == "finding":
            out.breaks.append(Break("bad_input", "input", display, "", 0, safe_text(problem), line))
        else:
            out.errors.append(f"{display}:{line}: {safe_text(problem)}")
    if total > len(rows):
        more = f"{display}: {total - len(rows)} more unreadable rows"
        if opts.bad_input == "finding":
            out.breaks.append(Break("bad_input", "input", display, "", 0, more))
        else:
            out.errors.append(more)


def _as_of(opts: ReplayOptions, max_ts: int | None) -> int:
    if opts.reported.as_of:
        try:
            when = dt.datetime.fromisoformat(opts.reported.as_of.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"checks.replay.reported.as_of: {opts.reported.as_of!r} is not ISO 8601") from None
        if when.tzinfo is None:
            raise InputError("checks.replay.reported.as_of: add a time zone (Z or an offset)")
        return int(when.timestamp() * 1_000_000)
    return int(max_ts or 0)
