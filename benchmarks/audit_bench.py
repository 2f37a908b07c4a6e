"""Benchmark: verify 1M audit records (schema + hash chain + PII/secret scan) and print records/s.

Generates a chained JSONL log (~400 bytes/record, like what `compliance_gate.audit.AuditChain`
writes) with a few planted problems (an edited record, two card numbers), then verifies it in a
child process so the peak RSS reported is that of verification alone. Also times the reference
`jsonschema` validator on a sample for the ratio.

    .venv/bin/python benchmarks/audit_bench.py [--records 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from compliance_gate.auditlog.canonical import GENESIS, record_hash

CATEGORIES = ("payment.state_change", "chd.access", "admin.action", "auth.success", "auth.failure")
PAN = "4532015112830366"  # Luhn-valid Visa shape, planted twice


def generate(path: Path, n: int) -> None:
    prev = GENESIS
    with path.open("wb") as fh:
        for seq in range(n):
            cat = "log.start" if seq == 0 else "log.stop" if seq == n - 1 else CATEGORIES[seq % 5]
            rec = {
                "event": "payment status changed" if cat == "payment.state_change" else "access",
                "level": "info", "category": cat, "actor": f"user:u{seq % 977}", "outcome": "success",
                "origin": f"10.0.{seq % 256}.{seq % 199}", "target": f"payment:pay_{seq:09d}",
                "request_id": f"{seq * 2654435761 % 2**64:016x}-{seq:08d}",
                "timestamp": f"2026-11-21T08:{seq // 60000 % 60:02d}:{seq // 1000 % 60:02d}.{seq % 1000:03d}000Z",
            }
            if cat == "payment.state_change":
                rec.update(payment_id=f"pay_{seq:09d}", source_event_id=f"evt_{seq:09d}",
                           from_status="authorized", to_status="succeeded", amount=str(100 + seq % 90000),
                           currency="EUR")
            if seq in (n // 3, 2 * n // 3):
                rec["note"] = f"card {PAN} declined"
            rec.update(stream="bench", seq=seq, prev_hash=prev, hash_alg="sha256")
            rec["hash"] = record_hash(rec, "sha256")
            prev = rec["hash"]
            if seq == n // 2:
                rec["amount"] = "1"  # edited after sealing
            fh.write(orjson.dumps(rec) + b"\n")


def verify_only(path: Path) -> None:
    from compliance_gate.auditlog.schema import RecordSchema
    from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
    from compliance_gate.bundled import policies_dir
    from compliance_gate.pii.hit import ScanOptions

    workers = max(1, (os.cpu_count() or 2) - 1)
    config = VerifyConfig(schema=RecordSchema(policies_dir() / "schemas/audit-record.schema.json"),
                          pii_options=ScanOptions(("pan", "iban", "ssn", "email", "sensitive-field")),
                          workers=workers)
    t0 = time.perf_counter()
    report = verify_logs([(path.name, path)], config)
    wall = time.perf_counter() - t0
    cpu = time.process_time()
    rules: dict[str, int] = {}
    for p in report.problems:
        rules[p.rule] = rules.get(p.rule, 0) + 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The leak workers are grandchildren (forkserver), invisible to RUSAGE_CHILDREN: time the same
    # leak scan in-process once more, as CPU seconds.
    from compliance_gate.auditlog.leaks import scan_range

    t1 = time.process_time()
    scan_range(str(path), 0, path.stat().st_size, config.pii_options, True, config.max_line_bytes)
    leak_cpu = time.process_time() - t1
    print(json.dumps({"records": report.records, "wall_s": wall, "peak_rss_mb": peak_mb, "problems": rules,
                      "main_cpu_s": cpu, "leak_cpu_s": leak_cpu,
                      "workers": workers}))


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
        print(f"generated {args.records:,} records, {path.stat().st_size / 1e6:.0f} MB in "
              f"{time.perf_counter() - t0:.1f} s")
    out = subprocess.run([sys.executable, __file__, "--verify-only", str(path)], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    res = json.loads(out.stdout.strip().splitlines()[-1])
    rate = res["records"] / res["wall_s"]
    ref = reference_rate(path)
    print(f"verified {res['records']:,} records (schema + chain + PII/secrets) in {res['wall_s']:.2f} s wall: "
          f"{rate:,.0f} records/s; peak RSS {res['peak_rss_mb']:.0f} MB main, "
          f"{res['workers']} leak worker(s)")
    print(f"cpu: main process {res['main_cpu_s']:.1f} s (read, parse, schema, chain); leak scan "
          f"{res['leak_cpu_s']:.1f} s (PII + secrets, in the worker); load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"reference jsonschema validator alone: {ref:,.0f} records/s; whole pipeline is {rate / ref:.0f}x that")
    print(f"problems found: {res['problems']}")
    print(f"target: 1M records < 15 s -> {'OK' if res['wall_s'] * 1e6 / res['records'] < 15 else 'MISSED'}")
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
