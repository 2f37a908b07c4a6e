"""Replay benchmark: the gate's `replay` command vs a hand-written pandas reconciliation, same files.

    .venv/bin/python benchmarks/replay_bench.py [--payments 250000 | --events 1000000]
        [--breaks 0.45] [--settlement] [--runs 3] [--data DIR] [--no-pandas] [--pandas-engine pyarrow]
    .venv/bin/python benchmarks/replay_bench.py --stripe --events 1000000 [--runs 3] [--data DIR]

`--stripe`: a Stripe-shaped recording (`compliance_gate.testing.recordings.stripe`, tiled:
webhook Events of ~1.8 KB each, the payments table, the payout reconciliation report, a few
planted faults) replayed with `--preset stripe`, side by side with the same events converted to
the gate's own flat format (`stripe_native.py`) and replayed through the same state machine,
report and settlement rules: what the preset costs over the gate's own format.

Generates a recording (`compliance_gate.replay.generate`: ~3.83 events per payment, Kafka
partitions and offsets, file order shuffled) with either a few injected faults (default) or,
with `--breaks F`, faults in about a fraction F of the payments spread over every category the
events and the report can show (the case the replay check exists for: a release whose projection
is wrong). Then it runs, alternating A B A B for `--runs` rounds, each as a fresh process measured
from outside by `proctree` (whole-process wall time including interpreter start and imports;
peak RSS summed over the process tree):
- A, the gate: `python -m compliance_gate replay --events --reported [--settlement] --as-of --out`,
  which stages, folds, reconciles and writes the JSON report;
- B, the baseline: `benchmarks/pandas_recon.py` on the same `events.jsonl` and `report.csv`.
Prints every run with the load average just before it, then medians and the ratio gate/pandas.
`--data DIR` keeps the generated files in DIR and reuses them when the same sizes are asked again.
Timings on a shared 2-core machine are noisy: note the load, and compare medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import proctree  # noqa: E402

EVENTS_PER_PAYMENT = 3.83  # what the generator writes on average
STRIPE_EVENTS_PER_PAYMENT = 3.8  # what the Stripe recording's generator writes on average (3.797 measured)
FEW_FAULTS = {
    "report_behind": 20,
    "amount_under": 20,
    "missing_in_report": 20,
    "illegal_transition": 20,
    "redelivery": 20,
    "stale": 20,
    "double_charge": 10,
    "duplicate_key": 10,
}
# what `--breaks` spreads its faults over: every category events + report can show, plus the
# counted irregularities (stale, redelivery) that also leave the set-based path
BREAK_MIX = (
    "report_behind",
    "report_ahead",
    "contradiction",
    "missing_in_report",
    "amount_under",
    "amount_over",
    "currency_mismatch",
    "precision_error",
    "duplicate_key",
    "illegal_transition",
    "money_invariant",
    "double_charge",
    "stale",
    "redelivery",
)
SETTLEMENT_MIX = ("missing_in_settlement",)


def faults_for(payments: int, breaks: float | None, settlement: bool) -> dict[str, int]:
    """Fault counts: the default few, or about `breaks` x payments spread evenly over the mix."""
    if breaks is None:
        return dict(FEW_FAULTS)
    mix = BREAK_MIX + (SETTLEMENT_MIX if settlement else ())
    share = breaks * payments / len(mix)
    out = {k: round(share / 2) if k == "double_charge" else round(share) for k in mix}
    out["missing_in_events"] = round(share)  # orphan report rows: they take no generated payment
    return out


def generate(d: Path, payments: int, faults: dict[str, int]) -> dict[str, object]:
    """Generate into `d` unless it already holds the same recording (same sizes and faults)."""
    from compliance_gate.replay import generate as gen

    manifest = d / "bench.json"
    want = {"payments": payments, "faults": faults}
    if manifest.is_file():
        have = json.loads(manifest.read_text())
        if {k: have.get(k) for k in want} == want:
            return dict(have)
    d.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    g = gen.generate(d, payments=payments, faults=faults, block=50000)
    info = {
        **want,
        "as_of": g.as_of,
        "events": g.events_written,
        "mb": round(g.events.stat().st_size / 1e6),
        "flagged": sum(len(v) for v in g.expected.values()),
        "generated_s": round(time.perf_counter() - t, 1),
    }
    manifest.write_text(json.dumps(info))
    return info


def gate_argv(d: Path, info: dict[str, object], settlement: bool, out: Path) -> list[str]:
    argv = [sys.executable, "-m", "compliance_gate", "replay", "--events", str(d / "events.jsonl")]
    argv += ["--reported", str(d / "report.csv"), "--as-of", str(info["as_of"]), "--out", str(out)]
    if settlement:
        argv += ["--settlement", str(d / "settlement.csv")]
    return argv


def gate_summary(out: Path) -> str:
    report = json.loads(out.read_text())
    m = report["metrics"]
    return f"findings {len(report['findings'])}  breaks {m['breaks_total']}  errors {len(report['errors'])}"


def pandas_summary(stdout: str) -> str:
    inner = json.loads(stdout.strip().splitlines()[-1])
    return f"flagged {inner['breaks']}  ({inner['wall']:.2f}s after imports)"


def bench(d: Path, info: dict[str, object], args: argparse.Namespace) -> None:
    events = int(str(info["events"]))
    sides: dict[str, list[proctree.Measured]] = {"gate": [], "pandas": []}
    out = d / "gate-report.json"
    for r in range(args.runs):
        plan = [("gate", gate_argv(d, info, args.settlement, out))]
        if not args.no_pandas:
            baseline = [sys.executable, str(HERE / "pandas_recon.py"), str(d), "--engine", args.pandas_engine]
            plan.append(("pandas", baseline))
        if r % 2:
            plan.reverse()  # A B, B A, ...: neither side always runs on a warmer cache
        for name, argv in plan:
            before = proctree.load()
            m = proctree.run(argv)
            if m.returncode not in ((0, 1) if name == "gate" else (0,)):  # the gate exits 1 when findings block
                raise SystemExit(f"{name} failed ({m.returncode}):\n{m.stderr[-3000:]}")
            what = gate_summary(out) if name == "gate" else pandas_summary(m.stdout)
            print(
                f"run {r + 1} {name:6s}: {m.wall_s:6.2f}s wall  {m.cpu_s:6.2f}s CPU  "
                f"{events / m.wall_s:>10,.0f} events/s  peak RSS {m.peak_rss_mb:5.0f} MB  {what}  (load {before})",
                flush=True,
            )
            sides[name].append(m)
    med = {
        n: (statistics.median(x.wall_s for x in ms), statistics.median(x.peak_rss_mb for x in ms))
        for n, ms in sides.items()
        if ms
    }
    for n, (w, rss) in med.items():
        print(f"median {n:6s}: {w:6.2f}s wall  peak RSS {rss:5.0f} MB  over {len(sides[n])} runs")
    if "pandas" in med:
        (gw, gr), (pw, pr) = med["gate"], med["pandas"]
        print(f"ratio gate/pandas: wall {gw / pw:.2f}x  peak RSS {gr / pr:.2f}x  (load {proctree.load()})")


def stripe_recording(d: Path, events: int) -> dict[str, object]:
    """A tiled Stripe recording of about `events` events and its conversion (kept for reuse)."""
    import stripe_native

    from compliance_gate.testing.recordings import stripe

    manifest = d / "bench-stripe.json"
    payments = round(events / STRIPE_EVENTS_PER_PAYMENT)
    if manifest.is_file() and json.loads(manifest.read_text()).get("payments") == payments:
        return dict(json.loads(manifest.read_text()))
    d.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    faults = {k: 3 for k in stripe.FAULTS}
    exp = stripe.generate(d, payments=payments, seed=5, faults=faults, tile=25_000)
    native = stripe_native.convert(d / exp.events, d / "native.jsonl")
    stripe_native.policy(d / "native.yaml")
    info = {
        "payments": payments,
        "as_of": exp.as_of,
        "events": exp.events_written,
        "native_events": native,
        "mb": round((d / exp.events).stat().st_size / 1e6),
        "native_mb": round((d / "native.jsonl").stat().st_size / 1e6),
        "faults": len(exp.faults),
        "generated_s": round(time.perf_counter() - t, 1),
    }
    manifest.write_text(json.dumps(info))
    return info


def bench_stripe(d: Path, info: dict[str, object], runs: int) -> None:
    """Alternate the preset on the provider's shape and the gate's own format of the same events."""
    common = ["--reported", str(d / "report.csv"), "--settlement", str(d / "settlement.csv")]
    common += ["--as-of", str(info["as_of"])]
    out = d / "gate-report.json"
    gate = [sys.executable, "-m", "compliance_gate", "replay"]
    sides = {
        "preset": [*gate, "--preset", "stripe", "--events", str(d / "events.jsonl"), *common, "--out", str(out)],
        "native": [
            *gate,
            "--policy",
            str(d / "native.yaml"),
            "--events",
            str(d / "native.jsonl"),
            *common,
            "--out",
            str(out),
        ],
    }
    measured: dict[str, list[proctree.Measured]] = {"preset": [], "native": []}
    for r in range(runs):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for name in order:
            before = proctree.load()
            m = proctree.run(sides[name])
            if m.returncode not in (0, 1):
                raise SystemExit(f"{name} failed ({m.returncode}):\n{m.stderr[-3000:]}")
            print(
                f"run {r + 1} {name:6s}: {m.wall_s:6.2f}s wall  {m.cpu_s:6.2f}s CPU  peak RSS {m.peak_rss_mb:5.0f} MB  "
                f"{gate_summary(out)}  (load {before})",
                flush=True,
            )
            measured[name].append(m)
    med = {
        n: (statistics.median(x.wall_s for x in ms), statistics.median(x.cpu_s for x in ms))
        for n, ms in measured.items()
    }
    for n, (w, c) in med.items():
        rss = statistics.median(x.peak_rss_mb for x in measured[n])
        print(f"median {n:6s}: {w:6.2f}s wall  {c:6.2f}s CPU  peak RSS {rss:5.0f} MB  over {runs} runs")
    (pw, pc), (nw, nc) = med["preset"], med["native"]
    print(f"ratio preset/native: wall {pw / nw:.2f}x  CPU {pc / nc:.2f}x  (load {proctree.load()})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--payments", type=int, default=250_000)
    size.add_argument("--events", type=int, help="size by events instead (e.g. 1000000)")
    ap.add_argument("--breaks", type=float, help="faults in about this fraction of the payments (e.g. 0.45)")
    ap.add_argument("--settlement", action="store_true", help="give the gate the settlement file too")
    ap.add_argument("--runs", type=int, default=1, help="rounds of A B (alternating order); medians reported")
    ap.add_argument("--data", type=Path, help="keep the generated files here (reused if the sizes match)")
    ap.add_argument("--no-pandas", action="store_true", help="run the gate alone (pandas needs ~2.5 GB per 1M events)")
    ap.add_argument("--pandas-engine", default="ujson", choices=("ujson", "pyarrow"))
    ap.add_argument("--stripe", action="store_true", help="the stripe preset vs the same events in the gate's format")
    args = ap.parse_args()
    if args.stripe:
        d = args.data or Path(tempfile.mkdtemp(prefix="replay-bench-stripe-"))
        try:
            info = stripe_recording(d, args.events or 1_000_000)
            print(
                f"recording: {info['events']:,} Stripe events ({info['mb']} MB), {info['payments']:,} payments, "
                f"{info['faults']} planted faults; the gate's own format: {info['native_events']:,} events "
                f"({info['native_mb']} MB) ({d})"
            )
            bench_stripe(d, info, args.runs)
        finally:
            if args.data is None:
                shutil.rmtree(d, ignore_errors=True)
        return
    payments = round(args.events / EVENTS_PER_PAYMENT) if args.events else args.payments
    faults = faults_for(payments, args.breaks, args.settlement)
    d = args.data or Path(tempfile.mkdtemp(prefix="replay-bench-"))
    try:
        info = generate(d, payments, faults)
        print(
            f"recording: {info['events']:,} events, {payments:,} payments ({info['mb']} MB), "
            f"{info['flagged']:,} payments with planted faults ({d})"
        )
        bench(d, info, args)
    finally:
        if args.data is None:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
