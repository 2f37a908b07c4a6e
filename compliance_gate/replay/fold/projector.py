"""Replay the recorded events through the release's own projection code.

`projector: package.module:function` names a function in the repository under test. The gate
runs it in a separate Python process (the repository root first on `sys.path`, `TZ=UTC`,
`PYTHONHASHSEED=0`), so a projector that cannot be imported, raises, or even crashes the
interpreter is a clear error, never a crash of the gate or a pass. It is called once per payment
with that payment's events in replay order (dicts: event_id, type, occurred_at (ISO, UTC),
amount (int minor units or None), currency, partition, offset, success, idempotency_key, and
`raw`: the event as the provider recorded it, for a provider's recordings) and, if it accepts a
`now` keyword, the snapshot's as-of time; time and ordering are therefore deterministic. It
returns a state name of the machine, or a mapping with `state` and, optionally, the money it
computes (`amount`, `captured`, `refunded`, `disputed`, minor units), which replaces the fold's.

The projector process dies with the run: it is the leader of its own process group, killed
(with anything it started) after `projector_timeout_s`, and it kills its group itself when the
gate's process goes away (a watchdog thread watches its parent), so a looping projector never
outlives the check. `project_in_process` calls a Python function directly (the pytest plugin).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import itertools
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from compliance_gate.replay.fold.machine import StateMachine
from compliance_gate.replay.fold.payment import Folded
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.read.stage_events import Staged
from compliance_gate.replay.safety import safe_text, shown_path
from compliance_gate.replay.sqlutil import fetch_rows, iso_from_us

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

RUNNER = r"""
import datetime, inspect, importlib, json, os, signal, sys, threading, time
root, spec, src, dst, now, deadline = sys.argv[1:7]
parent = os.getppid()

def watchdog():
    # the gate gone (its process exited or was killed) or the deadline passed: end the group
    end = time.monotonic() + float(deadline)
    while os.getppid() == parent and time.monotonic() < end:
        time.sleep(0.2)
    os.killpg(0, signal.SIGKILL)

threading.Thread(target=watchdog, daemon=True).start()
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
            out = {"p": item["p"], "result": res if isinstance(res, dict) else {"state": res}}
            json.dumps(out)
        except Exception as exc:
            out = {"p": item["p"], "error": type(exc).__name__}
        fout.write(json.dumps(out, default=str) + "\n")
"""
MONEY = ("amount", "captured", "refunded", "disputed")


@dataclass(frozen=True, slots=True)
class Projected:
    """What the projector said about one payment: a state and, optionally, money."""

    state: int
    money: Mapping[str, int]

    def apply(self, f: Folded) -> None:
        f.state = self.state
        for name, value in self.money.items():
            setattr(f, name, value)


ProjectorFn = Callable[..., object]


def project_all(
    con: Connection,
    opts: ReplayOptions,
    root: Path,
    machine: StateMachine,
    staged: Staged,
    as_of_us: int,
    errors: list[str],
    func: ProjectorFn | None = None,
) -> dict[str, Projected]:
    """payment id -> what the projector returned; problems are appended to `errors`. With `func`,
    the function is called in this process instead (the pytest plugin's fixture)."""
    now = dt.datetime.fromtimestamp(as_of_us / 1_000_000, dt.UTC)
    with tempfile.TemporaryDirectory(prefix="cg-projector-") as tmp:
        src, dst = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        first_line, ids = _write_inputs(con, staged, src)
        name = opts.projector or getattr(func, "__name__", "projector")
        if func is not None:
            _in_process(func, src, dst, now)
        elif not _run(opts, root, src, dst, now, errors):
            return {}
        found = _read_outputs(dst, machine, name, shown_path(opts.events.path, root), first_line, errors)
        return {ids[p]: state for p, state in found.items()}


def _run(opts: ReplayOptions, root: Path, src: Path, dst: Path, now: dt.datetime, errors: list[str]) -> bool:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "SYSTEMROOT", "LANG")}
    env.update(TZ="UTC", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    timeout = float(opts.projector_timeout_s)
    argv = [sys.executable, "-c", RUNNER, str(root), opts.projector, str(src), str(dst), now.isoformat()]
    proc = subprocess.Popen(
        [*argv, str(timeout + 5)],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: killed with everything it started
    )
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        errors.append(
            f"projector {opts.projector}: still running after {timeout:g} s (checks.replay.projector_timeout_s); "
            "stopped, and the release's projection was not evaluated"
        )
        return False
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        lines = stderr.strip().splitlines()
        why = lines[0] if lines and lines[0].startswith("IMPORT ") else f"exit code {proc.returncode}"
        reason = f"cannot be imported ({why.removeprefix('IMPORT ')})" if why.startswith("IMPORT") else why
        errors.append(f"projector {opts.projector}: {reason}; the release's projection was not evaluated")
        return False
    return True


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _in_process(func: ProjectorFn, src: Path, dst: Path, now: dt.datetime) -> None:
    try:
        takes_now = "now" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        takes_now = False
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for raw in fin:
            item = orjson.loads(raw)
            try:
                res = func(item["events"], now=now) if takes_now else func(item["events"])
                out = {"p": item["p"], "result": res if isinstance(res, dict) else {"state": res}}
                fout.write(orjson.dumps(out, default=str) + b"\n")
            except Exception as exc:
                fout.write(orjson.dumps({"p": item["p"], "error": type(exc).__name__}) + b"\n")


def _write_inputs(con: Connection, staged: Staged, path: Path) -> tuple[dict[int, int], list[str]]:
    """Write one line per payment (numbered in payment-id order); return each number's first
    event line and the payment ids by number."""
    first: dict[int, int] = {}
    ids: list[str] = []
    cur = con.cursor()
    cur.execute(f"""SELECT payment_id, event_id, type, ts, amount, currency, part, o2, success, idem, line,
        {"raw" if staged.raw else "NULL"} FROM evs ORDER BY payment_id, o1, o2, pos""")
    with open(path, "wb") as fh:
        for number, (pid, group) in enumerate(itertools.groupby(fetch_rows(cur, 10000), key=itemgetter(0))):
            rows = list(group)
            ids.append(str(pid))
            first[number] = int(rows[0][10])
            events = []
            for _, eid, etype, ts, amount, currency, part, off, success, idem, _, raw in rows:
                ev = {
                    "event_id": eid,
                    "type": etype,
                    "occurred_at": iso_from_us(int(ts)),
                    "amount": amount,
                    "currency": currency,
                    "partition": part,
                    "offset": off,
                    "success": success,
                    "idempotency_key": idem,
                }
                if raw is not None:
                    ev["raw"] = orjson.Fragment(str(raw).encode())
                events.append(ev)
            fh.write(orjson.dumps({"p": number, "events": events}) + b"\n")
    cur.close()
    return first, ids


def _read_outputs(
    path: Path, machine: StateMachine, name: str, display: str, first_line: dict[int, int], errors: list[str]
) -> dict[int, Projected]:
    out: dict[int, Projected] = {}
    raised = 0
    with open(path, "rb") as fh:
        for raw in fh:
            item = orjson.loads(raw)
            pidx = int(item["p"])
            where = f"{display}:{first_line.get(pidx, 0)}"
            if "error" in item:
                raised += 1
                if raised <= 20:
                    errors.append(
                        f"projector {name} raised {safe_text(item['error'])} for the payment whose first event is at "
                        f"{where}"
                    )
                continue
            result = item["result"]
            state = result.get("state") if isinstance(result, dict) else None
            if not isinstance(state, str) or state not in machine.states:
                errors.append(
                    f"projector {name} returned an unknown state {safe_text(state)!r} for the payment at {where}"
                )
                continue
            money = {
                k: int(v) for k, v in result.items() if k in MONEY and isinstance(v, int) and not isinstance(v, bool)
            }
            out[pidx] = Projected(machine.index(state), money)
    if raised > 20:
        errors.append(f"projector {name} raised for {raised - 20} more payments")
    if len(out) + raised < len(first_line) and not errors:
        errors.append(f"projector {name} returned no result for some payments")
    return out
