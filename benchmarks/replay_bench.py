"""Replay benchmark: 1M recorded events (~250k payments) vs a 250k-row snapshot, and a pandas baseline.

    .venv/bin/python benchmarks/replay_bench.py [--payments 250000 | --events 10000000] [--no-pandas]

Generates the data (with a few injected faults), then runs, each in a fresh process so peak RSS
is its own: the gate's replay (`compliance_gate.replay.report.results.evaluate`) and a straightforward
pandas reconciliation of the same data (read, sort, last status per payment, merge, compare),
printing wall time, CPU time, events/s, peak RSS, the load average and the ratio. `--events N`
sizes the run by events (about 3.83 per payment); pandas needs ~2.5 GB per 1M events, so skip it
with `--no-pandas` for 10M. Timings on a shared machine are noisy: run it twice, note the load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GATE = r"""
import json, resource, sys, time
from pathlib import Path
from compliance_gate import typed
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.report.results import evaluate
d = Path(sys.argv[1]); as_of = sys.argv[2]
opts = typed.build(ReplayOptions, {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv",
    "as_of": as_of}, "max_findings": 1000})
def cpu(u):
    return u.ru_utime + u.ru_stime
c0 = cpu(resource.getrusage(resource.RUSAGE_SELF))
t = time.perf_counter()
out = evaluate(opts, d, Fingerprinter(), {})
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "cpu": cpu(use) - c0, "rss_mb": use.ru_maxrss / 1024,
                  "findings": len(out.findings), "errors": len(out.errors), "payments": out.counts.get("payments", 0)}))
"""

PANDAS = r"""
import json, resource, sys, time
import pandas as pd
d = sys.argv[1]
c0 = resource.getrusage(resource.RUSAGE_SELF)
c0 = c0.ru_utime + c0.ru_stime
t = time.perf_counter()
ev = pd.read_json(d + "/events.jsonl", lines=True, dtype={"amount": float})
ev = ev.sort_values(["payment_id", "partition", "offset"])
status_map = {"payment.created": "pending", "payment.processing": "pending", "payment.requires_action": "pending",
              "payment.authorized": "pending", "payment.captured": "completed", "payment.failed": "failed",
              "payment.canceled": "canceled"}
ev["status"] = ev["type"].map(status_map)
ev = ev.dropna(subset=["status"])
last = ev.groupby("payment_id").agg(status=("status", "last"), amount=("amount", "first"),
                                    currency=("currency", "first")).reset_index()
rep = pd.read_csv(d + "/report.csv")
m = last.merge(rep, on="payment_id", how="outer", suffixes=("_ev", "_rep"), indicator=True)
breaks = m[(m["_merge"] != "both") | (m["status_ev"] != m["status_rep"])
           | ((m["amount_ev"] - m["amount_rep"]).abs() > 0.001) | (m["currency_ev"] != m["currency_rep"])]
totals = m.groupby("currency_ev")["amount_ev"].sum()
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": wall, "cpu": use.ru_utime + use.ru_stime - c0, "rss_mb": use.ru_maxrss / 1024,
                  "breaks": int(len(breaks))}))
"""

EVENTS_PER_PAYMENT = 3.83  # what the generator writes on average
FAULTS = {
    "report_behind": 20,
    "amount_under": 20,
    "missing_in_report": 20,
    "illegal_transition": 20,
    "redelivery": 20,
    "stale": 20,
    "double_charge": 10,
    "duplicate_key": 10,
}


def _child(code: str, *args: str) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(res.stderr[-2000:])
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def _load() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _line(name: str, r: dict[str, float], events: int, extra: str) -> str:
    return (
        f"{name}: {r['wall']:.2f}s wall  {r['cpu']:.2f}s CPU  {events / r['wall']:,.0f} events/s  "
        f"peak RSS {r['rss_mb']:.0f} MB  {extra}  ({_load()})"
    )


def bench(payments: int, with_pandas: bool) -> None:
    from compliance_gate.replay import generate as gen

    with tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        g = gen.generate(d, payments=payments, faults=FAULTS, block=50000)
        size = g.events.stat().st_size / 1e6
        print(
            f"generated {g.events_written:,} events for {payments:,} payments ({size:.0f} MB) "
            f"in {time.perf_counter() - t:.1f}s"
        )
        print(f"before the gate: {_load()}")
        gate = _child(GATE, str(d), g.as_of)
        print(_line("gate", gate, g.events_written, f"findings {gate['findings']:.0f}  errors {gate['errors']:.0f}"))
        if with_pandas:
            pdr = _child(PANDAS, str(d))
            print(
                _line(
                    "pandas",
                    pdr,
                    g.events_written,
                    f"breaks {pdr['breaks']:.0f} (no dedup, no ordering checks, float amounts)",
                )
            )
            ratio = f"wall {pdr['wall'] / gate['wall']:.2f}x, RSS {pdr['rss_mb'] / gate['rss_mb']:.2f}x"
            print(f"ratio pandas/gate: {ratio}")


def main() -> None:
    ap = argparse.ArgumentParser()
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--payments", type=int, default=250_000)
    size.add_argument("--events", type=int, help="size by events instead (e.g. 10000000)")
    ap.add_argument("--no-pandas", action="store_true", help="run the gate alone")
    args = ap.parse_args()
    payments = round(args.events / EVENTS_PER_PAYMENT) if args.events else args.payments
    bench(payments, with_pandas=not args.no_pandas)


if __name__ == "__main__":
    main()
