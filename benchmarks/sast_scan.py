"""Benchmark: the gate's sast check against `bandit -r` on a generated payment code base.

    .venv/bin/python benchmarks/sast_scan.py [--files 5000] [--parts 3] [--repeat 1] [--keep DIR]

Generates a git repository of realistic-looking payment modules (tests/sast/sast_codebase.py),
then in the same run times, on the same files and profile:

- `bandit -r ROOT -f json` (the real CLI, one process, as CI would run it);
- the gate's sast check through the library (`engine.run_check`), cold: no cache, worker
  processes on every core; this includes listing and hashing the workspace;
- the same, warm: every file answered from the content-hash cache.

Prints wall times, ratios against bandit (targets: cold <= 0.6, warm <= 0.05) and whether the
(file, line, test id) sets are identical. Timings on a shared machine are noisy: run it more
than once (`--repeat`) and read the minimum.

    .venv/bin/python benchmarks/sast_scan.py --real DIR [DIR ...]

instead runs only the payment rules over existing code (e.g. site-packages folders) and lists
every finding, for reviewing false positives by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "sast")]

from gitutil import commit, init_repo  # noqa: E402
from sast_codebase import generate  # noqa: E402

from compliance_gate.engine import parse_policy, run_check  # noqa: E402
from compliance_gate.sast.plugins import RULE_IDS  # noqa: E402

BANDIT = str(Path(sys.executable).with_name("bandit"))
POLICY = parse_policy("version: 1\nchecks:\n  sast: {fail_on: high}\n")


def bandit_run(root: Path) -> tuple[float, set[tuple[str, int, str]]]:
    out = root.parent / "bandit.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [BANDIT, "-r", str(root), "-f", "json", "-q", "-o", str(out)], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"bandit failed: {proc.stderr[-400:]}")
    results = json.loads(out.read_text())["results"]
    return wall, {(Path(r["filename"]).relative_to(root).as_posix(), r["line_number"], r["test_id"]) for r in results}


def gate_run(root: Path) -> tuple[float, set[tuple[str, int, str]]]:
    start = time.perf_counter()
    result = run_check("sast", POLICY, root, use_cache=True)
    wall = time.perf_counter() - start
    if result.error:
        raise SystemExit(f"sast check error: {result.error}")
    return wall, {(f.path or "", f.line or 0, f.rule) for f in result.findings}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--parts", type=int, default=3, help="templates per module (3 = ~110 lines)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", help="generate into this folder and keep it")
    ap.add_argument("--real", nargs="+", metavar="DIR", help="list payment-rule findings in existing code")
    args = ap.parse_args()
    if args.real:
        return real_code(args.real)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sast-bench-"))
    root = base / "repo"
    if root.exists():
        shutil.rmtree(root)
    codebase = generate(args.files, bug_rate=0.1, seed=5, parts=args.parts)
    init_repo(root)
    commit(root, dict(codebase.files))
    lines = sum(t.count("\n") for t in codebase.files.values())
    size = sum(len(t) for t in codebase.files.values())
    print(
        f"corpus: {len(codebase.files)} files, {lines} lines, {size / 1e6:.1f} MB; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )

    rows = []
    for rep in range(args.repeat):
        shutil.rmtree(root / ".compliance-gate", ignore_errors=True)
        b_wall, b_found = bandit_run(root)
        c_wall, c_found = gate_run(root)
        w_wall, w_found = gate_run(root)
        same = b_found == c_found == w_found
        rows.append((b_wall, c_wall, w_wall))
        print(
            f"run {rep + 1}: bandit -r {b_wall:.2f} s | gate cold {c_wall:.2f} s ({c_wall / b_wall:.3f}x) | "
            f"gate warm {w_wall:.3f} s ({w_wall / b_wall:.4f}x) | findings {len(b_found)} "
            f"identical={same} | load {os.getloadavg()[0]:.1f}"
        )
        if not same:
            print("  only bandit:", sorted(b_found - c_found)[:5], " only gate:", sorted(c_found - b_found)[:5])
    b, c, w = (min(col) for col in zip(*rows, strict=True))
    print(
        f"best: bandit {b:.2f} s ({lines / b:,.0f} lines/s), cold ratio {c / b:.3f} (target <= 0.6), "
        f"warm ratio {w / b:.4f} (target <= 0.05)"
    )
    ours = {f for f in b_found if f[2] in RULE_IDS}
    fp = {f for f in ours if f not in codebase.expected}
    print(
        f"payment rules: {len(ours)} findings, {len(codebase.expected)} planted, "
        f"{len(codebase.expected - ours)} missed, {len(fp)} not planted"
    )
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


def real_code(dirs: list[str]) -> int:
    from collections import Counter

    from compliance_gate.sast.bandit_run import run_bandit

    files = sorted(str(p) for d in dirs for p in Path(d).rglob("*.py"))
    lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
    start = time.perf_counter()
    mgr = run_bandit(files, {"include": list(RULE_IDS), "exclude": []})
    print(
        f"{len(files)} files, {lines} lines, {time.perf_counter() - start:.1f} s, {len(mgr.get_skipped())} unparseable"
    )
    print(dict(Counter((i.test_id, i.confidence) for i in mgr.results)))
    for issue in sorted(mgr.results, key=lambda i: (i.test_id, i.fname, i.lineno)):
        print(f"{issue.test_id} {issue.confidence:<6} {issue.fname}:{issue.lineno}")
    print(f"{len(mgr.results) / max(lines, 1) * 1000:.3f} findings per kLOC")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
