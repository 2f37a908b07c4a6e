"""Replay the recorded events through the release's own projection code.

`projector: package.module:function` names a function in the repository under test. The gate
runs it in a separate Python process (the repository root first on `sys.path`, `TZ=UTC`,
`PYTHONHASHSEED=0`), so a projector that cannot be imported, raises, or even crashes the
interpreter is a clear error, never a crash of the gate or a pass. It is called once per payment
with that payment's events in replay order (dicts: event_id, type, occurred_at (ISO, UTC),
amount (int minor units or None), currency, partition, offset, success, idempotency_key) and,
if it accepts a `now` keyword, the snapshot's as-of time; time and ordering are therefore
deterministic. It returns a state name of the machine (or a mapping with `state`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
import tempfile
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from compliance_gate.replay.fold.machine import StateMachine
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.safety import safe_text
from compliance_gate.replay.sqlutil import fetch_rows, iso_from_us

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

RUNNER = r"""
import datetime, inspect, importlib, json, sys, traceback
root, spec, src, dst, now = sys.argv[1:6]
sys.path.insert(0, root)
mod_name, _, func_name = spec.partition(":")
try:
    func = getattr(importlib.import_module(mod_name), func_name)
except BaseException as exc:
    sys.stderr.write("IMPORT %s\n" % type(exc).__name__)
    sys.exit(3)
now_dt = datetime.datetime.fromisoformat(now)
try:
    takes_now = "now" in inspect.signature(func).parameters
except (TypeError, ValueError):
    takes_now = False
with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
    for raw in fin:
        item = json.loads(raw)
        try:
            res = func(item["events"], now=now_dt) if takes_now else func(item["events"])
            if isinstance(res, dict):
                res = res.get("state")
            out = {"p": item["p"], "state": str(res)}
        except Exception as exc:
            out = {"p": item["p"], "error": type(exc).__name__}
        fout.write(json.dumps(out) + "\n")
"""


def project_all(
    con: Connection, opts: ReplayOptions, root: Path, machine: StateMachine, as_of_us: int, errors: list[str]
) -> dict[str, int]:
    """payment id -> state index from the projector; problems are appended to `errors`."""
    now = dt.datetime.fromtimestamp(as_of_us / 1_000_000, dt.UTC).isoformat()
    with tempfile.TemporaryDirectory(prefix="cg-projector-") as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        first_line, ids = _write_inputs(con, src)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "SYSTEMROOT", "LANG")}
        env.update(TZ="UTC", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run(
            [sys.executable, "-c", RUNNER, str(root), opts.projector, str(src), str(dst), now],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            lines = proc.stderr.strip().splitlines()
            why = lines[0] if lines and lines[0].startswith("IMPORT ") else f"exit code {proc.returncode}"
            reason = f"cannot be imported ({why.removeprefix('IMPORT ')})" if why.startswith("IMPORT") else why
            errors.append(f"projector {opts.projector}: {reason}; the release's projection was not evaluated")
            return {}
        states = _read_outputs(dst, machine, opts, first_line, errors)
        return {ids[p]: state for p, state in states.items()}


def _write_inputs(con: Connection, path: Path) -> tuple[dict[int, int], list[str]]:
    """Write one line per payment (numbered in payment-id order); return each number's first
    event line and the payment ids by number."""
    cur = con.cursor()
    cur.execute("""SELECT payment_id, event_id, type, ts, amount, currency, part, o2, success, idem, line
        FROM evs ORDER BY payment_id, o1, o2, line""")
    first: dict[int, int] = {}
    ids: list[str] = []
    with open(path, "wb") as fh:
        for number, (pid, group) in enumerate(itertools.groupby(fetch_rows(cur, 10000), key=itemgetter(0))):
            rows = list(group)
            ids.append(pid)
            first[number] = rows[0][-1]
            events = [
                {
                    "event_id": eid,
                    "type": etype,
                    "occurred_at": iso_from_us(ts),
                    "amount": amount,
                    "currency": currency,
                    "partition": part,
                    "offset": off,
                    "success": success,
                    "idempotency_key": idem,
                }
                for _, eid, etype, ts, amount, currency, part, off, success, idem, _ in rows
            ]
            fh.write(orjson.dumps({"p": number, "events": events}) + b"\n")
    cur.close()
    return first, ids


def _read_outputs(
    path: Path, machine: StateMachine, opts: ReplayOptions, first_line: dict[int, int], errors: list[str]
) -> dict[int, int]:
    out: dict[int, int] = {}
    raised = 0
    with open(path, "rb") as fh:
        for raw in fh:
            item = orjson.loads(raw)
            pidx = int(item["p"])
            where = f"{opts.events.path}:{first_line.get(pidx, 0)}"
            if "error" in item:
                raised += 1
                if raised <= 20:
                    errors.append(
                        f"projector {opts.projector} raised {safe_text(item['error'])} for the payment "
                        f"whose first event is at {where}"
                    )
                continue
            state = item["state"]
            if state not in machine.states:
                errors.append(
                    f"projector {opts.projector} returned an unknown state {safe_text(state)!r} "
                    f"for the payment at {where}"
                )
                continue
            out[pidx] = machine.index(state)
    if raised > 20:
        errors.append(f"projector {opts.projector} raised for {raised - 20} more payments")
    if len(out) + raised < len(first_line) and not errors:
        errors.append(f"projector {opts.projector} returned no result for some payments")
    return out
