"""The baseline: a pandas reconciliation of the kind payment teams write by hand.

    .venv/bin/python benchmarks/pandas_recon.py DIR [--engine ujson|pyarrow] [--measure]

Reads `DIR/events.jsonl` and `DIR/report.csv` (what `replay_bench.py` generates and the gate
reads), sorts the events by (partition, offset), takes each payment's last status and its amount,
sums the amounts per currency on both sides, merges with the report and flags every payment whose
status, amount or currency differs or that is missing on one side. That is all: no state machine
(a status is whatever the last mapped event type says), no settlement, no idempotency, no
de-duplication, no offset-gap check, float amounts. It is the yardstick the replay issue measures
the gate against, not something the gate should imitate.

Prints one JSON line: wall time (inside the script, after imports), peak RSS of the process, the
number of flagged payments and per-currency totals. `--measure` instead runs the script again as a
fresh process and prints what `proctree` measured from outside (whole-process wall, tree RSS).
`--engine pyarrow` reads the JSONL with pandas' pyarrow engine: the faster script a team that
knows pandas well would write (not the default, to keep the baseline what the issue measured).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STATUS = {
    "payment.created": "pending",
    "payment.processing": "pending",
    "payment.requires_action": "pending",
    "payment.authorized": "pending",
    "payment.captured": "completed",
    "payment.failed": "failed",
    "payment.canceled": "canceled",
}


def reconcile(d: Path, engine: str = "ujson") -> dict[str, object]:
    import pandas as pd

    if engine == "pyarrow":  # that engine takes no plain dtypes: convert after reading
        ev = pd.read_json(d / "events.jsonl", lines=True, engine="pyarrow")
        ev["amount"] = pd.to_numeric(ev["amount"]).astype(float)
    else:
        ev = pd.read_json(d / "events.jsonl", lines=True, dtype={"amount": float}, engine=engine)
    ev = ev.sort_values(["partition", "offset"])
    ev["status"] = ev["type"].map(STATUS)
    last = (
        ev.dropna(subset=["status"])
        .groupby("payment_id")
        .agg(status=("status", "last"), amount=("amount", "first"), currency=("currency", "first"))
        .reset_index()
    )
    rep = pd.read_csv(d / "report.csv", dtype={"amount": float})
    m = last.merge(rep, on="payment_id", how="outer", suffixes=("_ev", "_rep"), indicator=True)
    breaks = m[
        (m["_merge"] != "both")
        | (m["status_ev"] != m["status_rep"])
        | ((m["amount_ev"] - m["amount_rep"]).abs() > 0.001)
        | (m["currency_ev"] != m["currency_rep"])
    ]
    totals_ev = last.groupby("currency")["amount"].sum()
    totals_rep = rep.groupby("currency")["amount"].sum()
    breaks[["payment_id", "status_ev", "status_rep", "amount_ev", "amount_rep"]].to_csv(
        d / "pandas_breaks.csv", index=False
    )
    return {
        "breaks": len(breaks),
        "payments": len(last),
        "totals": {c: [float(totals_ev.get(c, 0.0)), float(totals_rep.get(c, 0.0))] for c in sorted(totals_rep.index)},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, help="folder with events.jsonl and report.csv")
    ap.add_argument("--engine", default="ujson", choices=("ujson", "pyarrow"))
    ap.add_argument("--measure", action="store_true", help="run again as a fresh process, measured from outside")
    args = ap.parse_args()
    if args.measure:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import proctree

        m = proctree.run([sys.executable, __file__, str(args.dir), "--engine", args.engine])
        if m.returncode:
            raise SystemExit(m.stderr[-2000:])
        inner = json.loads(m.stdout.strip().splitlines()[-1])
        print(
            f"pandas ({args.engine}): {m.wall_s:.2f}s process wall ({inner['wall']:.2f}s after imports), "
            f"{m.cpu_s:.2f}s CPU, peak RSS {m.peak_rss_mb:.0f} MB (tree), {inner['breaks']} flagged "
            f"(load {proctree.load()})"
        )
        return
    import resource

    t = time.perf_counter()
    res = reconcile(args.dir, args.engine)
    wall = time.perf_counter() - t
    use = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"wall": wall, "cpu": use.ru_utime + use.ru_stime, "rss_mb": use.ru_maxrss / 1024, **res}))


if __name__ == "__main__":
    main()
