"""Benchmark: verify 1M audit records (schema + hash chain + PII/secret scan) and print records/s.

Generates a chained JSONL log (~476 bytes/record, like what `compliance_gate.audit.AuditChain`
writes) with a few planted problems (an edited record, two card numbers), then verifies it in a
child process (workers: one per core) so the figures are those of verification alone: wall time,
records/s, CPU of the main process and of the workers, peak RSS of the main process and of all
processes together (sampled from /proc), and the load average, which matters on a shared machine.
Also times the reference `jsonschema` validator on a sample for the ratio.

    .venv/bin/python benchmarks/audit_bench.py [--records 1000000] [--keep DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from compliance_gate.auditlog.canonical import GENESIS, record_hash
from compliance_gate.pii.cards import luhn_complete

CATEGORIES = ("payment.state_change", "chd.access", "admin.action", "auth.success", "auth.failure")
PAN = luhn_complete("453201511283036")  # a Visa-shaped number, planted twice


def generate(path: Path, n: int) -> None:
    prev = GENESIS
    with path.open("wb") as fh:
        for seq in range(n):
            cat = "log.start" if seq == 0 else "log.stop" if seq == n - 1 else CATEGORIES[seq % 5]
            rec: dict[str, Any] = {
                "event": "payment status changed" if cat == "payment.state_change" else "access",
                "level": "info",
                "category": cat,
                "actor": f"user:u{seq % 977}",
                "outcome": "success",
                "origin": f"10.0.{seq % 256}.{seq % 199}",
                "target": f"payment:pay_{seq:09d}",
                "request_id": f"{seq * 2654435761 % 2**64:016x}-{seq:08d}",
                "timestamp": f"2026-11-21T08:{seq // 60000 % 60:02d}:{seq // 1000 % 60:02d}.{seq % 1000:03d}000Z",
            }
            if cat == "payment.state_change":
                rec.update(
                    payment_id=f"pay_{seq:09d}",
                    source_event_id=f"evt_{seq:09d}",
                    from_status="authorized",
                    to_status="succeeded",
                    amount=str(100 + seq % 90000),
                    currency="EUR",
                )
            if seq in (n // 3, 2 * n // 3):
                rec["note"] = f"card {PAN} declined"
            rec.update(stream="bench", seq=seq, prev_hash=prev, hash_alg="sha256")
            rec["hash"] = record_hash(rec, "sha256")
            prev = rec["hash"]
            if seq == n // 2:
                rec["amount"] = "1"  # edited after sealing
            fh.write(orjson.dumps(rec) + b"\n")


class TreeSampler(threading.Thread):
    """Samples this process and its descendants (the forkserver's workers are grandchildren,
    invisible to RUSAGE_CHILDREN) from /proc: peak RSS of the tree and CPU seconds per process."""

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak_rss_mb, self.done = interval, 0.0, threading.Event()
        self.cpu: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        me = os.getpid()
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) >= me:  # descendants were started after this process
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)], stats[int(entry)] = int(fields[1]), fields
        tree, todo = set(), [me]
        while todo:
            pid = todo.pop()
            tree.add(pid)
            todo.extend(child for child, parent in parents.items() if parent == pid and child not in tree)
        page = os.sysconf("SC_PAGE_SIZE")
        self.peak_rss_mb = max(self.peak_rss_mb, sum(int(stats[p][21]) for p in tree) * page / 2**20)
        for pid in tree - {me}:
            self.cpu[pid] = (int(stats[pid][11]) + int(stats[pid][12])) / self.tick


def verify_only(path: Path) -> None:
    from compliance_gate.auditlog.parallel import default_workers
    from compliance_gate.auditlog.schema import RecordSchema
    from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
    from compliance_gate.bundled import policies_dir
    from compliance_gate.pii.hit import ScanOptions

    config = VerifyConfig(
        schema=RecordSchema(policies_dir() / "schemas/audit-record.schema.json"),
        pii_options=ScanOptions(("pan", "iban", "ssn", "email", "sensitive-field")),
        workers=default_workers(),
    )
    sampler = TreeSampler()
    sampler.start()
    load_before = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    report = verify_logs([(path.name, path)], config)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sampler.done.set()
    rules: dict[str, int] = {}
    for p in report.problems:
        rules[p.rule] = rules.get(p.rule, 0) + 1
    print(
        json.dumps(
            {
                "records": report.records,
                "wall_s": wall,
                "problems": rules,
                "main_cpu_s": cpu,
                "main_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "tree_peak_rss_mb": sampler.peak_rss_mb,
                "worker_cpu_s": sum(sampler.cpu.values()),
                "workers": config.workers,
                "load_before": load_before,
                "load_after": os.getloadavg(),
            }
        )
    )


def reference_rate(path: Path, sample: int = 3000) -> float:
    import jsonschema

    from compliance_gate.bundled import policies_dir

    schema = json.loads((policies_dir() / "schemas/audit-record.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    with path.open("rb") as fh:
        records = [orjson.loads(next(fh)) for _ in range(sample)]
    t0 = time.perf_counter()
    for r in records:
        validator.is_valid(r)
    return sample / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="reuse/keep the generated log in this folder")
    ap.add_argument("--runs", type=int, default=1, help="verify this many times (min and median are printed)")
    ap.add_argument("--verify-only", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.verify_only:
        verify_only(args.verify_only)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="audit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{args.records}.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, args.records)
        print(
            f"generated {args.records:,} records, {path.stat().st_size / 1e6:.0f} MB in "
            f"{time.perf_counter() - t0:.1f} s"
        )
    walls = []
    for run in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, "--verify-only", str(path)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        walls.append(res["wall_s"])
        print(
            f"run {run + 1}: {res['records']:,} records (schema + chain + PII/secrets) in {res['wall_s']:.2f} s "
            f"wall = {res['records'] / res['wall_s']:,.0f} records/s; cpu main {res['main_cpu_s']:.1f} s + "
            f"{res['workers']} workers {res['worker_cpu_s']:.1f} s; peak RSS main {res['main_peak_rss_mb']:.0f} MB, "
            f"all processes {res['tree_peak_rss_mb']:.0f} MB; load average {res['load_before'][0]:.2f} before, "
            f"{res['load_after'][0]:.2f} after; /proc/loadavg now {Path('/proc/loadavg').read_text().strip()}"
        )
    best, median = min(walls), statistics.median(walls)
    ref = reference_rate(path)
    print(
        f"wall over {len(walls)} run(s): min {best:.2f} s, median {median:.2f} s on {os.cpu_count()} cores; "
        f"{res['records'] / best:,.0f} records/s at best"
    )
    print(
        f"reference jsonschema validator alone: {ref:,.0f} records/s; whole pipeline (best run) is "
        f"{res['records'] / best / ref:.0f}x that"
    )
    print(f"problems found: {res['problems']}")
    print(
        f"target: 1M records < 15 s -> {'OK' if best * 1e6 / res['records'] < 15 else 'MISSED'} (best), "
        f"{'OK' if median * 1e6 / res['records'] < 15 else 'MISSED'} (median)"
    )
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
