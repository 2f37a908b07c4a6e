"""The state changes the built-in machine derives from the recorded events, one by one.

This is the contract the audit-log check's completeness cross-check reads: every applied
transition (stale events and illegal transitions are not applied, so they are not here), in
(partition, offset) or sequence order per payment, payments in id order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from compliance_gate import bundled
from compliance_gate.errors import InputError
from compliance_gate.replay.fold.payment import NO_AMOUNT, fold_payment
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.pipeline import machine_for
from compliance_gate.replay.read import integrity
from compliance_gate.replay.read.stage_events import detect_format, stage_events
from compliance_gate.replay.safety import safe_text
from compliance_gate.replay.sqlutil import connect, fetch_rows, input_size, spill_dir


@dataclass(frozen=True, slots=True)
class Transition:
    payment_id: str
    event_id: str
    from_state: str | None  # None for the first state
    to_state: str
    source: str  # "path:line" of the event


def replay_transitions(options: ReplayOptions, root: Path) -> Iterator[Transition]:
    """Yield each applied transition; raise `InputError` if the events are unreadable or incomplete."""
    machine = machine_for(options, root)
    path = bundled.resolve(options.events.path, root)
    if not options.events.path or not path.is_file():
        raise InputError(f"{options.events.path or 'checks.replay.events.path'}: no such events file")
    display = options.events.path
    with spill_dir(options.temp_dir, "cg-transitions-") as tmp:
        con = connect(tmp, options.memory_limit_mb, input_size(path))
        try:
            fmt = detect_format(path, options.events.format)
            staged = stage_events(con, path, options.events, machine, fmt)
            found = integrity.check_events(con, options.events, display, path, fmt == "kcat")
            if found.bad_rows:
                line, problem = found.bad_rows[0]
                raise InputError(f"{display}:{line}: {safe_text(problem)} ({found.bad_count} unreadable rows)")
            if found.gaps:
                raise InputError(safe_text(found.gaps[0]))
            money = ", ".join(f"coalesce(e.{c}, {NO_AMOUNT})" for c in staged.money)
            st = "e.st" if staged.status else "-1"
            ref = "e.ref" if staged.ref else "NULL::VARCHAR"
            cur = con.execute(f"""SELECT e.payment_id, e.event_id, e.code, {st}, {money}, {ref},
                coalesce(c.ci, -1), e.line
                FROM evs e LEFT JOIN (SELECT currency, row_number() OVER (ORDER BY currency) AS ci
                  FROM (SELECT DISTINCT currency FROM evs WHERE currency IS NOT NULL)) c USING (currency)
                ORDER BY e.payment_id, e.o1, e.o2, e.pos""")
            for pid, group in itertools.groupby(fetch_rows(cur, 10000), key=itemgetter(0)):
                rows = list(group)
                event_ids = {row[-1]: row[1] for row in rows}
                folded = fold_payment([row[2:] for row in rows], machine, record=True)
                for src, dst, line in folded.transitions:
                    yield Transition(
                        safe_text(pid),
                        safe_text(event_ids[line]),
                        machine.states[src] if src >= 0 else None,
                        machine.states[dst],
                        f"{display}:{line}",
                    )
        finally:
            con.close()
