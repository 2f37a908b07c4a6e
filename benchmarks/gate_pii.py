"""Benchmark: the whole gate (`--only pii`) on a generated ~60 MB tree, cold and warm.

Issue 2's targets on this 2-core machine: cold under 3 s wall, warm (content-hash cache) under
0.5 s, memory flat in the file count. Prints wall time, MB/s, files/s and peak RSS of the engine
run (measured in-process through the library API, so interpreter start-up is reported apart),
plus the CLI's start-up time.

    .venv/bin/python benchmarks/gate_pii.py [--mb 60] [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pii_scan import generate

from compliance_gate.engine import parse_policy, run
from compliance_gate.policy import PathRules
from compliance_gate.scanning.workspace import open_workspace

POLICY = parse_policy("version: 1\nchecks:\n  pii: {}\n")


def git_tree(root: Path, mb: float) -> tuple[int, int, int]:
    files, planted = generate(root, mb)
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    env = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b"}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "tree"]):
        subprocess.run(["git", *cmd], cwd=root, check=True, env={**env, "PATH": "/usr/bin:/bin"})
    return files, size, planted


def timed(root: Path, use_cache: bool) -> tuple[float, int]:
    start = time.perf_counter()
    verdict = run(POLICY, root, use_cache=use_cache)
    wall = time.perf_counter() - start
    return wall, len(verdict.checks[0].findings)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cg-gate-pii-"))
    try:
        files, size, planted = git_tree(tmp, args.mb)
        mb = size / 1e6
        print(f"tree: {files} files, {mb:.1f} MB; load average {Path('/proc/loadavg').read_text().split()[:3]}")
        start = time.perf_counter()
        ws = open_workspace(tmp, PathRules())
        print(f"workspace (list + hash): {time.perf_counter() - start:.2f} s for {len(ws.files)} files")
        colds, warms = [], []
        for _ in range(args.runs):
            shutil.rmtree(tmp / ".compliance-gate", ignore_errors=True)
            cold, n_cold = timed(tmp, use_cache=True)
            warm, n_warm = timed(tmp, use_cache=True)
            assert n_cold == n_warm, "warm run must report the same findings"
            colds.append(cold)
            warms.append(warm)
        cold, warm = min(colds), min(warms)
        print(f"cold: {cold:.2f} s  ({mb / cold:.1f} MB/s, {files / cold:.0f} files/s)  target < 3 s")
        print(f"warm: {warm:.2f} s  ({mb / warm:.1f} MB/s)  target < 0.5 s; warm/cold = {warm / cold:.3f}")
        print(f"findings: {n_cold} (planted card numbers: {planted}; the rest are the generator's other PII)")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS: engine process {rss:.0f} MB, largest worker/child {kids:.0f} MB")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "compliance_gate", "--version"], check=True, capture_output=True)
        print(f"CLI start-up (--version): {time.perf_counter() - start:.2f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
