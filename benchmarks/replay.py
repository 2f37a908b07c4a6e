"""Replay at scale: the gate on DuckDB, the Spark prototype and a pandas reconciliation, one run.

    .venv/bin/python benchmarks/replay.py [--events 1000000] [--breaks 0.5] [--runs 3]
        [--data DIR] [--large 10000000] [--spark] [--memory-limit-mb 2048]

What it measures (issue 16's targets), each side a fresh process measured from outside by
`proctree` (whole-process wall time including interpreter start and imports, CPU of the tree,
peak RSS summed over the process tree), alternating the order of the sides between runs:
- two recordings of `--events` events (`compliance_gate.replay.generate`, as `replay_bench.py`
  makes them): *clean* (a few planted faults) and *breaks* (faults in about `--breaks` of the
  payments, spread over every category the events and the report can show);
- on each: the gate (`python -m compliance_gate replay ... --out`: stage, fold, reconcile, every
  finding masked, fingerprinted and written to the JSON report) on DuckDB, and
  `benchmarks/pandas_recon.py` (the hand-written baseline); with `--spark`, also the Spark
  local-mode prototype `spark_core.py --engine spark-arrow` (the core shape only: the gate has no
  Spark engine yet, see `docs/replay-engines.md`);
- `--large N` (default 10M; 0 skips it): the gate alone on a clean recording of N events, with its
  peak RSS against the memory budget and its throughput against the 1M run (linear growth).
Prints every run with the load average before it, then a Markdown table of medians with the ratio
gate/pandas. `--data DIR` keeps the recordings (10M events are 2.5 GB) and reuses them.
Timings on a shared machine are noisy: quote the load, compare medians, prefer CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import proctree  # noqa: E402
import replay_bench  # noqa: E402


def recording(d: Path, events: int, breaks: float | None) -> dict[str, object]:
    payments = round(events / replay_bench.EVENTS_PER_PAYMENT)
    return replay_bench.generate(d, payments, replay_bench.faults_for(payments, breaks, False))


def sides(d: Path, info: dict[str, object], args: argparse.Namespace) -> dict[str, list[str]]:
    gate = replay_bench.gate_argv(d, info, False, d / "gate-report.json")
    if args.memory_limit_mb:
        policy = d / "bench-policy.yaml"
        policy.write_text(f"version: 1\nchecks:\n  replay:\n    memory_limit_mb: {args.memory_limit_mb}\n")
        gate += ["--policy", str(policy)]
    out = {"gate": gate, "pandas": [sys.executable, str(HERE / "pandas_recon.py"), str(d)]}
    if args.spark:
        out["spark"] = [sys.executable, str(HERE / "spark_core.py"), str(d), "--engine", "spark-arrow"]
        out["spark"] += ["--conf", "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"]
    return out


def what(name: str, m: proctree.Measured, d: Path) -> str:
    if name == "gate":
        return replay_bench.gate_summary(d / "gate-report.json")
    inner = json.loads(m.stdout.strip().splitlines()[-1])
    return f"flagged {inner['breaks']}"


def measure(
    label: str, d: Path, info: dict[str, object], args: argparse.Namespace
) -> dict[str, list[proctree.Measured]]:
    plan = sides(d, info, args)
    seen: dict[str, list[proctree.Measured]] = {n: [] for n in plan}
    for r in range(args.runs):
        order = list(plan) if r % 2 == 0 else list(plan)[::-1]
        for name in order:
            before = proctree.load()
            m = proctree.run(plan[name])
            if m.returncode not in ((0, 1) if name == "gate" else (0,)):  # the gate exits 1 when findings block
                raise SystemExit(f"{label} {name} failed ({m.returncode}):\n{m.stderr[-3000:]}")
            print(
                f"{label:6s} run {r + 1} {name:6s}: {m.wall_s:7.2f}s wall {m.cpu_s:7.2f}s CPU "
                f"peak RSS {m.peak_rss_mb:5.0f} MB ({m.processes} proc)  {what(name, m, d)}  (load {before})",
                flush=True,
            )
            seen[name].append(m)
    return seen


def row(
    label: str, events: object, name: str, ms: list[proctree.Measured], base: list[proctree.Measured] | None
) -> str:
    wall = statistics.median(m.wall_s for m in ms)
    cpu = statistics.median(m.cpu_s for m in ms)
    rss = statistics.median(m.peak_rss_mb for m in ms)
    ratio = ""
    if base:
        bw = statistics.median(m.wall_s for m in base)
        bc = statistics.median(m.cpu_s for m in base)
        ratio = f"{wall / bw:.2f}x wall, {cpu / bc:.2f}x CPU"
    return f"| {label} | {events:,} | {name} | {wall:.2f} s | {cpu:.2f} s | {rss:,.0f} MB | {ratio} | {len(ms)} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument(
        "--breaks", type=float, default=0.5, help="fraction of payments with faults in the breaks recording"
    )
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", type=Path, help="keep the recordings here (reused when the sizes match)")
    ap.add_argument("--large", type=int, default=10_000_000, help="events of the gate-only large run (0: skip)")
    ap.add_argument("--spark", action="store_true", help="also run the Spark local-mode prototype (slow)")
    ap.add_argument(
        "--memory-limit-mb", type=int, default=0, help="the gate's memory budget (default: the policy default)"
    )
    args = ap.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="replay-scale-"))
    lines = [
        "| recording | events | side | wall (median) | CPU (median) | peak RSS (tree) | gate / pandas | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    loads = [proctree.load()]
    for label, breaks in (("clean", None), ("breaks", args.breaks)):
        d = data / label
        info = recording(d, args.events, breaks)
        print(f"{label}: {info['events']:,} events, {info['flagged']:,} payments with planted faults ({d})", flush=True)
        seen = measure(label, d, info, args)
        for name, ms in seen.items():
            lines.append(row(label, info["events"], name, ms, seen["pandas"] if name != "pandas" else None))
        loads.append(proctree.load())
    if args.large:
        d = data / f"clean{args.large // 1_000_000}m"
        info = recording(d, args.large, None)
        print(f"large: {info['events']:,} events ({d})", flush=True)
        before = proctree.load()
        m = proctree.run(sides(d, info, args)["gate"])
        if m.returncode not in (0, 1):
            raise SystemExit(f"large gate failed ({m.returncode}):\n{m.stderr[-3000:]}")
        print(
            f"large  gate: {m.wall_s:7.2f}s wall {m.cpu_s:7.2f}s CPU peak RSS {m.peak_rss_mb:5.0f} MB  "
            f"{what('gate', m, d)}  (load {before})",
            flush=True,
        )
        lines.append(row("clean", info["events"], "gate (large)", [m], None))
        loads.append(proctree.load())
    print("\n".join(["", *lines, "", f"load average (1/5/15 min) at each step: {' | '.join(loads)}"]))


if __name__ == "__main__":
    main()
