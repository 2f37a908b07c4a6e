"""Benchmark: the gate's `secrets` check against `detect-secrets scan` on the same files.

    .venv/bin/python benchmarks/secrets_scan.py [--mb 60] [--commits 1000] [--jobs 2] [--skip-engine]

1. Generates a mixed source tree of about `--mb` MB (Python, JS, YAML, JSON, Markdown, .env,
   with secrets sprinkled in) as a git repository.
2. Times `detect-secrets scan --no-verify --all-files .` (the engine's CLI, all cores) and the
   gate's check cold (empty cache) and warm (cache filled), prints the ratios and whether the
   (file, line, type, hashed secret) sets are identical.
3. Generates a repository with `--commits` commits and times the check's history scan.

Timings on a shared machine are noisy; the script prints what it measured, nothing else.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "secrets"))
sys.path.insert(0, str(HERE.parent / "tests"))

from corpus import bulk_tree, plugin_lines  # noqa: E402
from gitutil import commit, git, init_repo  # noqa: E402
from secretsutil import engine_scan  # noqa: E402

from compliance_gate.checks.secrets import current_findings  # noqa: E402
from compliance_gate.engine import (  # noqa: E402
    RunOptions,
    open_session,
    parse_policy,
    run_check,
)
from compliance_gate.model import CheckResult  # noqa: E402
from compliance_gate.secrets.worker import engine_hits  # noqa: E402

POLICY = "version: 1\nengine: {{jobs: {jobs}}}\nchecks:\n  secrets: {{history: {history}, baseline: null}}\n"


def gate_check(root: Path, jobs: int, history: bool, since: str | None = None) -> tuple[float, CheckResult]:
    policy = parse_policy(POLICY.format(jobs=jobs, history=str(history).lower()))
    start = time.perf_counter()
    kwargs = {"mode": "since", "since": since} if since else {}
    result = run_check("secrets", policy, root, **kwargs)
    return time.perf_counter() - start, result


def tree_benchmark(work: Path, mb: float, jobs: int, skip_engine: bool) -> None:
    root = init_repo(work / "tree")
    t0 = time.perf_counter()
    files = bulk_tree(root, int(mb * 1_000_000), seed=3)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "generated")
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    lines = sum(p.read_text().count("\n") for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    print(f"tree: {files} files, {size / 1e6:.1f} MB, {lines} lines (generated in {time.perf_counter() - t0:.0f} s)")
    shutil.rmtree(root / ".compliance-gate", ignore_errors=True)
    cold, result = gate_check(root, jobs, history=False)
    print(f"gate cold ({jobs} workers): {cold:.1f} s  status={result.status.value} findings={len(result.findings)}")
    warm, _ = gate_check(root, jobs, history=False)
    print(f"gate warm (cache):       {warm:.2f} s")
    policy = parse_policy(POLICY.format(jobs=jobs, history="false"))
    with open_session(policy, root, RunOptions(jobs=jobs)) as session:
        found, errors = current_findings(session.context("secrets"))
    gate_hits = engine_hits(found)
    if skip_engine:
        print(f"gate findings: {len(gate_hits)} (engine skipped)")
        return
    start = time.perf_counter()
    ds_hits = engine_scan(root)
    ds_time = time.perf_counter() - start
    print(
        f"detect-secrets scan ({os.cpu_count()} cores): {ds_time:.1f} s, {len(ds_hits)} findings "
        f"({lines / ds_time:.0f} lines/s)"
    )
    print(f"speed-up cold: {ds_time / cold:.1f}x   warm: {ds_time / warm:.0f}x")
    same = gate_hits == ds_hits and not errors
    print(
        f"identical findings: {same} (gate {len(gate_hits)}, engine {len(ds_hits)}, "
        f"only gate {len(gate_hits - ds_hits)}, only engine {len(ds_hits - gate_hits)})"
    )


def history_benchmark(work: Path, commits: int, jobs: int) -> None:
    root = init_repo(work / "history")
    rng = random.Random(5)
    samples = [line for lines in plugin_lines(rng).values() for line in lines]
    base = commit(root, {"README.md": "history benchmark\n"}, "base")
    t0 = time.perf_counter()
    stream = []
    for i in range(commits):
        files: dict[str, str | bytes] = {}
        for _ in range(rng.randint(1, 3)):
            name = f"svc{rng.randint(0, 40)}/mod{rng.randint(0, 30)}.py"
            body = [f"def f_{i}_{k}(x):\n    return x * {k}\n" for k in range(rng.randint(5, 15))]
            if rng.random() < 0.05:
                body.append(f"    {rng.choice(samples)}\n")
            files[name] = "".join(body)
        stream.append(files)
    for i, files in enumerate(stream):
        commit(root, files, f"change {i}")
    print(f"history: {commits} commits generated in {time.perf_counter() - t0:.0f} s")
    shutil.rmtree(root / ".compliance-gate", ignore_errors=True)
    elapsed, result = gate_check(root, jobs, history=True, since=base)
    counts = result.counts
    print(
        f"history scan of {result.metrics.get('history_commits')} commits: {elapsed:.1f} s "
        f"(cold cache; {counts.get('history-files', 0)} file changes, {counts.get('history-lines', 0)} added lines, "
        f"{counts.get('history-findings', 0)} findings only in history)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=60.0)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-engine", action="store_true", help="do not time detect-secrets (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secrets-bench-") as tmp:
        if args.mb > 0:
            tree_benchmark(Path(tmp), args.mb, args.jobs, args.skip_engine)
        if args.commits > 0:
            history_benchmark(Path(tmp), args.commits, args.jobs)


if __name__ == "__main__":
    main()
