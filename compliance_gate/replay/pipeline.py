"""The replay, end to end: stage inputs, check integrity, fold, reconcile, total.

`replay_and_reconcile(options, root)` is what the check and the `replay` command both call, so
they give the same results. It never returns a clean result for input it could not read: such
problems are `errors` (or `bad_input` breaks, if the policy says `bad_input: finding`). So is
a configuration that does not fit the data (event types or statuses the state machine does not
know: one error listing them with counts, not a break per payment), and a reconciliation of
nothing (no usable event: it would prove nothing). Payments whose events and rows are plainly in
order are folded and reconciled set-based in DuckDB (`setfold`); every other payment goes
through the Python fold and reconciler.

The cut-off (`as_of`) is the one the policy or `--as-of` gives, else the reporting snapshot's own
time (`reported.as_of: column:NAME` or `file`), else the last recorded event; activity after it
minus `grace_s` is in flight. The outcome says which, and how many payments the window excused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from compliance_gate import bundled
from compliance_gate.errors import InputError
from compliance_gate.model import InputRecord, JSONValue
from compliance_gate.replay import presets
from compliance_gate.replay.fold import projector, setfold, stream
from compliance_gate.replay.fold.machine import IMAGE, StateMachine, load_machine
from compliance_gate.replay.fold.payment import fold_payment
from compliance_gate.replay.options import ReplayOptions, TableInput
from compliance_gate.replay.read import integrity
from compliance_gate.replay.read.stage_events import Staged, detect_format, stage_events
from compliance_gate.replay.read.stage_tables import Source, latest_time, record, stage_table
from compliance_gate.replay.reconcile.geo import GeoChecker
from compliance_gate.replay.reconcile.reconciler import Break, Reconciler
from compliance_gate.replay.safety import MAX_LEN, SAFE_RUN, safe_text, shown_path
from compliance_gate.replay.sqlutil import connect, fetch_rows, input_size, iso_from_us, literal, spill_dir

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

# above about 2,000 events per MB of memory limit, the set-based fold runs step by step
SPLIT_ROWS_PER_MB = 2000
MAX_LISTED_TYPES = 12
MAX_EVENT_REFS = 10
EventRefs: TypeAlias = tuple[int, list[str]]
"""A broken payment's number of events and its first `MAX_EVENT_REFS` as `event_id (file:line)`."""


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
    event_refs: dict[str, EventRefs] = field(default_factory=dict)
    as_of_source: str = ""
    displays: dict[str, str] = field(default_factory=dict)
    """How the report ("rep") and the settlement ("st") are shown: no path of this machine."""


def machine_for(opts: ReplayOptions, root: Path) -> StateMachine:
    """The state machine the options name, with the policy's overrides merged over it."""
    path = bundled.resolve(opts.state_machine, root)
    return load_machine(path, opts.machine, opts.state_machine)


def replay_and_reconcile(
    opts: ReplayOptions, root: Path, set_based: bool = True, projector_fn: projector.ProjectorFn | None = None
) -> Outcome:
    """Replay and reconcile; `set_based=False` folds every payment in Python (as a projector
    does anyway), which gives the same outcome, only slower. `projector_fn` is a projector
    called in this process (the pytest plugin) instead of `opts.projector`'s subprocess."""
    if not opts.events.path:
        raise InputError("checks.replay.events.path (or --events): name the recorded events file")
    if not opts.reported.configured:
        raise InputError("checks.replay.reported (or --reported): name the reporting snapshot (path or url)")
    machine = machine_for(opts, root)
    events_path = bundled.resolve(opts.events.path, root)
    if not events_path.is_file():
        raise InputError(
            f"{shown_path(opts.events.path, root)}: no such events file (checks.replay.events.path, or --events)"
        )
    out = Outcome(machine, shown_path(opts.events.path, root))
    with spill_dir(opts.temp_dir, "cg-replay-") as tmp:
        con = connect(tmp, opts.memory_limit_mb, input_size(events_path))
        try:
            _run(con, opts, root, events_path, out, set_based, projector_fn)
        finally:
            con.close()
    out.inputs += presets.records(opts, machine)
    return out


def _run(
    con: Connection,
    opts: ReplayOptions,
    root: Path,
    events_path: Path,
    out: Outcome,
    set_based: bool,
    projector_fn: projector.ProjectorFn | None,
) -> None:
    fmt = detect_format(events_path, opts.events.format)
    projecting = bool(opts.projector) or projector_fn is not None
    sides = {"rep": opts.reported}
    if opts.settlement.configured:
        sides["st"] = opts.settlement
    with ThreadPoolExecutor(max_workers=1) as pool:
        # DuckDB numbers the event lines on one thread; the report and settlement load beside it
        side_load = pool.submit(_stage_sides, con.cursor(), sides, root)
        staged = stage_events(con, events_path, opts.events, out.machine, fmt, keep_raw=projecting)
        sources = side_load.result()
    # from here on every query orders explicitly; keeping insertion order only costs memory
    con.execute("SET preserve_insertion_order = false")
    found = integrity.check_events(con, opts.events, out.events_display, events_path, fmt == "kcat")
    _bad_rows(out, opts, out.events_display, found.bad_rows, found.bad_count)
    out.errors.extend(safe_text(g) for g in found.gaps)
    unknown = _unknown(con, out, staged)
    out.errors.extend(unknown)
    for c in found.conflicts:
        out.breaks.append(
            Break(
                "duplicate_conflict",
                "events",
                c.payment_id,
                "",
                0,
                f"event {c.event_id} at {out.events_display}:{c.line} differs from its first copy at "
                f"{out.events_display}:{c.first}",
                c.line,
            )
        )
    lo, hi, rows = con.execute("SELECT min(ts), max(ts), count(*) FROM evs").fetchall()[0]
    time_range = [iso_from_us(t) if t is not None else None for t in (lo, hi)]
    details: dict[str, JSONValue] = {"format": fmt, "time_range": time_range}
    if found.skipped:
        details["skipped"] = dict(found.skipped)
    out.inputs.append(InputRecord(out.events_display, staged.sha256, "file", rows=int(rows), details=details))
    for name in sides:
        out.inputs.append(record(con, name, sources[name]))
        out.displays[name] = sources[name].display
        bad = con.execute(
            f"SELECT line, problem FROM {name} WHERE problem IS NOT NULL ORDER BY line LIMIT 20"
        ).fetchall()
        n_bad = con.execute(f"SELECT count(*) FROM {name} WHERE problem IS NOT NULL").fetchall()[0][0]
        _bad_rows(out, opts, sources[name].display, bad, n_bad)
    if not rows:
        out.errors.append(
            f"{out.events_display}: no usable events to replay; a reconciliation of nothing proves nothing"
        )
    setfold.fold_payments(con, out.machine, staged, split=rows > opts.memory_limit_mb * SPLIT_ROWS_PER_MB)
    stream.build_tables(con, "st" in sides)
    has_status = "st" in sides and sources["st"].has_status
    setfold.classify(con, out.machine, opts, set_based and not projecting, has_status)
    as_of, out.as_of_source = _as_of(con, opts, root, hi)
    cutoff = as_of - int(opts.grace_s * 1_000_000)
    geo = GeoChecker(opts.geo, root)
    recon = Reconciler(out.machine, opts, cutoff, geo)
    clean_unknown = setfold.screen_geo(con, geo)
    projected = (
        projector.project_all(con, opts, root, out.machine, staged, as_of, out.errors, projector_fn)
        if projecting
        else None
    )
    charged = _fold_and_reconcile(con, out, recon, staged, projected)
    geo.close()
    geo.unknown += clean_unknown
    _double_charges(con, out, charged)
    if unknown:  # a configuration that does not fit the data: one error, not a break per payment
        touched = con.execute(
            "SELECT DISTINCT payment_id FROM ev WHERE problem IS NULL AND skip IS NULL AND code < 0"
        ).fetchall()
        misfit = {str(r[0]) for r in touched}
        out.breaks = [b for b in out.breaks if b.payment_id not in misfit]
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


def _unknown(con: Connection, out: Outcome, staged: Staged) -> list[str]:
    """One error per kind of configuration mismatch: event types the machine does not know, and
    statuses shown by events whose state comes from the event, with counts."""
    errors = []
    types = con.execute(
        "SELECT type, count(*) FROM ev WHERE problem IS NULL AND skip IS NULL AND code < 0 "
        "GROUP BY type ORDER BY 2 DESC, 1"
    ).fetchall()
    if types:
        errors.append(
            f"{out.events_display}: {sum(n for _, n in types)} events of {len(types)} types the state machine "
            f"({out.machine.name}) does not map: {_listing(types)}; map them under the machine's `events` "
            "(or `ignore`), or filter them with `events.skip_types`; they were not replayed"
        )
    if staged.status:
        statuses = con.execute(
            f"""SELECT e.status, count(*) FROM ev e JOIN eff f ON f.code = e.code
            WHERE e.problem IS NULL AND e.skip IS NULL AND f.target = {IMAGE} AND e.st = -3
            GROUP BY 1 ORDER BY 2 DESC, 1"""
        ).fetchall()
        if statuses:
            errors.append(
                f"{out.events_display}: {sum(n for _, n in statuses)} events show a status the state machine "
                f"({out.machine.name}) does not know: {_listing(statuses)}; add it to the machine's `states` "
                "or `status_values`"
            )
    return errors


def _listing(rows: Sequence[tuple[str, int]]) -> str:
    shown = ", ".join(f"{safe_text(t)} ({n})" for t, n in rows[:MAX_LISTED_TYPES])
    return shown + (f" and {len(rows) - MAX_LISTED_TYPES} more" if len(rows) > MAX_LISTED_TYPES else "")


def _fold_and_reconcile(
    con: Connection, out: Outcome, recon: Reconciler, staged: Staged, projected: dict[str, projector.Projected] | None
) -> list[str]:
    """Add the clean payments' totals, then fold and reconcile the others one by one in Python.
    Returns the ids of those that count towards a double charge."""
    payments = 0
    for currency, state, n, amount, captured, refunded, disputed in setfold.clean_totals(con):
        recon.add_clean(currency, out.machine.states[state], n, (amount, captured, refunded, disputed))
        payments += n
    currencies = stream.currencies(con)
    groups = stream.event_groups(con, staged)
    charged: list[str] = []
    stale = deleted = 0
    for row in stream.recon_rows(con):
        pid = row.payment_id  # raw here; results.py masks anything that reaches output
        if row.events is None:
            for side_name, side in (("report", row.report), ("settlement", row.settlement)):
                if side is not None:
                    recon.orphan(pid, side, side_name)
            continue
        if row.folded is not None:  # regular events, a difference with the report: no Python fold needed
            f = row.folded
            currency = row.currency
        else:
            group, events = next(groups)
            assert group == pid, "event stream and payment rows out of step"
            f = fold_payment(events, out.machine)
            stale += f.stale
            if projected is not None and pid in projected:
                projected[pid].apply(f)
            currency = currencies[f.currency] if f.currency >= 0 else (row.report.currency if row.report else "") or ""
            for category, line, detail in f.issues:
                out.breaks.append(Break(category, "events", pid, currency if f.currency >= 0 else "", 0, detail, line))
        if f.deleted:
            deleted += 1
        else:
            payments += 1
        recon.payment(pid, f, currency, row.last_ts, row.report, row.settlement, row.geo)
        if not f.deleted and out.machine.charged(f.state, f.captured):
            charged.append(pid)
    out.counters.update(payments=payments, stale_ignored=stale, deleted=deleted)
    out.breaks.extend(recon.breaks)
    recon.breaks = []
    return charged


def _double_charges(con: Connection, out: Outcome, charged: list[str]) -> None:
    for pids, n in setfold.double_charges(con, out.machine, charged):
        shown = ", ".join(pids)
        for pid in pids[1:]:
            out.breaks.append(
                Break("double_charge", "events", pid, "", 0, f"{n} charged payments share one idempotency key: {shown}")
            )


def _event_refs(con: Connection, out: Outcome) -> dict[str, EventRefs]:
    """Per payment that has a break: how many events it has and the first `MAX_EVENT_REFS` as
    `event_id (file:line)` in replay order. Set-based: one grouped query renders the references;
    Python only masks the ids that could hold a card number (a run of 12 digits, or too long)."""
    pids = sorted({b.payment_id for b in out.breaks})
    if not pids:
        return {}
    con.execute("CREATE OR REPLACE TABLE broken AS SELECT DISTINCT unnest(?::VARCHAR[]) AS payment_id", [pids])
    order = "ORDER BY o1, o2, pos"
    unsafe = f"length(event_id) > {MAX_LEN} OR regexp_matches(event_id, {literal(SAFE_RUN)})"
    rendered = f"event_id || ' (' || {literal(out.events_display)} || ':' || line || ')'"
    cur = con.cursor()
    cur.execute(f"""SELECT payment_id, count(*), bool_or({unsafe}), list({rendered} {order})[1:{MAX_EVENT_REFS}]
        FROM evs SEMI JOIN broken USING (payment_id) GROUP BY payment_id""")
    refs: dict[str, EventRefs] = {}
    masked: list[str] = []
    for pid, n, bad, shown in fetch_rows(cur):
        refs[pid] = (int(n), shown)
        if bad:
            masked.append(pid)
    cur.close()
    if masked:  # rare: an id that could hold a card number, or a very long one; masked in Python
        rows = con.execute(
            f"""SELECT payment_id, list(event_id {order})[1:{MAX_EVENT_REFS}], list(line {order})[1:{MAX_EVENT_REFS}]
            FROM evs WHERE payment_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY payment_id""",
            [masked],
        ).fetchall()
        for pid, ids, lines in rows:
            shown = [f"{safe_text(e)} ({out.events_display}:{line})" for e, line in zip(ids, lines, strict=True)]
            refs[pid] = (refs[pid][0], shown)
    con.execute("DROP TABLE broken")
    return refs


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


def _as_of(con: Connection, opts: ReplayOptions, root: Path, max_ts: int | None) -> tuple[int, str]:
    """The cut-off in epoch microseconds and where it came from."""
    given = opts.reported.as_of
    if given and not given.startswith("column:") and given != "file":
        try:
            when = dt.datetime.fromisoformat(given.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                f"checks.replay.reported.as_of (or --as-of): {given!r} is not ISO 8601, column:NAME or file"
            ) from None
        if when.tzinfo is None:
            raise InputError("checks.replay.reported.as_of (or --as-of): add a time zone (Z or an offset)")
        return int(when.timestamp() * 1_000_000), "given"
    snapshot, how = latest_time(con, "rep", opts.reported, root)
    if snapshot is not None:
        return snapshot, how
    return int(max_ts or 0), "last event"
