"""Replay benchmark: 1M recorded events (~250k payments) vs a 250k-row snapshot, and a pandas baseline.

    .venv/bin/python benchmarks/replay_bench.py [--payments 250000] [--large]

Generates the data (with a few injected faults), then runs, each in a fresh process so peak RSS
is its own: the gate's replay (`compliance_gate.replay.results.evaluate`) and a straightforward
pandas reconciliation of the same data (read, sort, last status per payment, merge, compare),
printing wall time, events/s, peak RSS and the ratio. `--large` adds a 10M-event run (2.5M
payments) of the gate alone. Timings on a shared machine are noisy: run it twice.
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
from compliance_gate.replay.results import evaluate
d = Path(sys.argv[1]); as_of = sys.argv[2]
opts = typed.build(ReplayOptions, {"events": {"path": "events.jsonl"}, "reported": {"path": "report.csv",
    "as_of": as_of}, "max_findings": 1000})
t = time.perf_counter()
out = evaluate(opts, d, Fingerprinter(), {})
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rss_mb": rss, "findings": len(out.findings), "errors": len(out.errors),
                  "payments": out.counts.get("payments", 0)}))
"""

PANDAS = r"""
import json, resource, sys, time
import pandas as pd
d = sys.argv[1]
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
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rss_mb": rss, "breaks": int(len(breaks))}))
"""

FAULTS = {"report_behind": 20, "amount_under": 20, "missing_in_report": 20, "illegal_transition": 20,
          "redelivery": 20, "stale": 20, "double_charge": 10, "duplicate_key": 10}


def _child(code: str, *args: str) -> dict[str, float]:
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(res.stderr[-2000:])
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def bench(payments: int, with_pandas: bool) -> None:
    from compliance_gate.replay import generate as gen

    with tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        g = gen.generate(d, payments=payments, faults=FAULTS, block=50000)
        size = g.events.stat().st_size / 1e6
        print(f"generated {g.events_written:,} events for {payments:,} payments ({size:.0f} MB) "
              f"in {time.perf_counter() - t:.1f}s")
        gate = _child(GATE, str(d), g.as_of)
        print(f"gate:   {gate['wall']:.2f}s  {g.events_written / gate['wall']:,.0f} events/s  "
              f"peak RSS {gate['rss_mb']:.0f} MB  findings {gate['findings']:.0f}  errors {gate['errors']:.0f}")
        if with_pandas:
            pdr = _child(PANDAS, str(d))
            print(f"pandas: {pdr['wall']:.2f}s  {g.events_written / pdr['wall']:,.0f} events/s  "
                  f"peak RSS {pdr['rss_mb']:.0f} MB  breaks {pdr['breaks']:.0f} (no dedup, no ordering checks, "
                  "float amounts)")
            ratio = f"wall {pdr['wall'] / gate['wall']:.2f}x, RSS {pdr['rss_mb'] / gate['rss_mb']:.2f}x"
            print(f"ratio pandas/gate: {ratio}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--payments", type=int, default=250_000)
    ap.add_argument("--large", action="store_true", help="also 10M events (2.5M payments), gate only")
    args = ap.parse_args()
    bench(args.payments, with_pandas=True)
    if args.large:
        bench(2_500_000, with_pandas=False)


if __name__ == "__main__":
    main()
