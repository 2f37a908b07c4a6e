"""Generation speed of the provider recordings (`compliance_gate.testing.recordings`).

    .venv/bin/python benchmarks/recordings_bench.py [--events 1000000] [--tile 25000] [--only stripe]

Each run is a fresh process (so peak RSS is its own) writing into a temporary folder: Stripe at
`--events` events generated payment by payment, the same with `tile` (the benchmark mode:
one generated tile repeated with new ids), then Adyen and Debezium at a tenth of the events.
Prints wall and CPU seconds, events per second, peak RSS, bytes written and the load average.
Timings on a shared machine are noisy: run it twice and note the load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

RUN = r"""
import json, resource, sys, time
from pathlib import Path
from compliance_gate.testing.recordings import PROVIDERS
name, out, payments, tile = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mod = PROVIDERS[name]
extra = {"tile": tile} if tile else {}
c0, t0 = time.process_time(), time.perf_counter()
exp = mod.generate(out, payments=payments, seed=1, faults={k: 5 for k in mod.FAULTS}, **extra)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
size = sum(p.stat().st_size for p in out.iterdir())
print(json.dumps({"wall": wall, "cpu": cpu, "events": exp.events_written, "payments": exp.payments,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "mb": size / 1e6}))
"""

EVENTS_PER_PAYMENT = {"stripe": 3.9, "adyen": 1.35, "debezium": 3.4}  # lines per payment, measured


def run(name: str, events: int, tile: int) -> None:
    payments = int(events / EVENTS_PER_PAYMENT[name])
    with tempfile.TemporaryDirectory(prefix="cg-rec-") as tmp:
        res = subprocess.run(
            [sys.executable, "-c", RUN, name, tmp, str(payments), str(tile)],
            check=True,
            capture_output=True,
            text=True,
        )
    r = json.loads(res.stdout)
    mode = f"tile={tile}" if tile else "generated"
    print(
        f"{name:9} {mode:11} {r['events']:>9} lines {r['payments']:>8} payments  wall {r['wall']:6.1f}s  "
        f"cpu {r['cpu']:6.1f}s  {r['events'] / r['wall'] / 1000:6.1f}k lines/s  rss {r['rss_mb']:5.0f} MB  "
        f"{r['mb']:6.0f} MB  load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--tile", type=int, default=25_000)
    ap.add_argument("--only", choices=("stripe", "adyen", "debezium"))
    args = ap.parse_args()
    if args.only in (None, "stripe"):
        run("stripe", args.events, args.tile)
        run("stripe", args.events, 0)
    for name in ("adyen", "debezium"):
        if args.only in (None, name):
            run(name, args.events // 10, 0)


if __name__ == "__main__":
    main()
