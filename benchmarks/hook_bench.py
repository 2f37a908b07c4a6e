"""The pre-commit hook on a small change in a large repository: wall time against the 2 s target.

Generates a git repository of N files (default 5,000: Python modules, JSON fixtures, Markdown),
commits it, then changes and stages K of them (default 10) and times:

1. the hook's command exactly as `.pre-commit-hooks.yaml` declares it, with the staged files as
   arguments (cold: no cache; warm: second run, answered from the content-hash cache);
2. the same through the real `pre-commit run` (a `repo: local`, `language: system` hook with the
   same entry, so pre-commit's own work is included but its one-off virtualenv install is not);
3. for scale, the whole-tree run of the same checks.

    python benchmarks/hook_bench.py [--files 5000] [--changed 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def module(i: int, rng: random.Random) -> str:
    funcs = "\n\n".join(
        f"def handler_{i}_{j}(amount_minor: int, currency: str) -> dict[str, object]:\n"
        f'    """Handle request {j} of module {i}."""\n'
        f"    fee = amount_minor * {rng.randint(1, 40)} // 1000\n"
        f"    return {{'amount': amount_minor - fee, 'currency': currency, 'ref': 'r{i}-{j}'}}\n"
        for j in range(rng.randint(3, 12))
    )
    return f'"""Module {i}."""\n\nfrom __future__ import annotations\n\n\n{funcs}\n'


def generate(root: Path, n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        kind = i % 10
        if kind < 7:
            rel = f"src/pkg{i % 50:02d}/mod_{i:05d}.py"
            text = module(i, rng)
        elif kind < 9:
            rel = f"fixtures/set{i % 20:02d}/case_{i:05d}.json"
            text = "{" + ", ".join(f'"k{j}": {rng.randint(0, 10**6)}' for j in range(20)) + "}\n"
        else:
            rel = f"docs/page_{i:05d}.md"
            text = f"# Page {i}\n\n" + "Lorem ipsum dolor sit amet. " * rng.randint(5, 40) + "\n"
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        paths.append(rel)
    return paths


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def hook_entry() -> list[str]:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return shlex.split(hook["entry"])


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, proc.returncode, (proc.stdout + proc.stderr)[-400:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--changed", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    exe = shutil.which("compliance-gate", path=str(Path(sys.executable).parent)) or "compliance-gate"
    entry = [exe, *hook_entry()[1:]]
    env = {**os.environ, **GIT_ENV, "COMPLIANCE_GATE_SIGNING_KEY": "", "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="hook-bench-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        t0 = time.perf_counter()
        paths = generate(root, args.files)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "init")
        print(f"repository: {args.files} files, generated and committed in {time.perf_counter() - t0:.1f} s")
        changed = [p for p in paths if p.endswith(".py")][:: max(1, args.files // (args.changed * 2))][: args.changed]
        for rel in changed:
            with open(root / rel, "a") as fh:
                fh.write("\n\ndef added() -> int:\n    return 42\n")
        git(root, "add", *changed)
        print(f"staged change: {len(changed)} files; hook entry: {' '.join(hook_entry())}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared: timings are noisy)")

        results: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            shutil.rmtree(root / ".compliance-gate", ignore_errors=True)
            for label in ("hook, cold cache", "hook, warm cache"):
                secs, rc, tail = timed([*entry, *changed], root, env)
                if rc not in (0, 1):
                    print(f"{label}: exit {rc}: {tail}")
                    return 1
                results.setdefault(label, []).append(secs)
        config = root / ".pre-commit-config.yaml"
        entry_text = " ".join(shlex.quote(a) for a in entry)
        config.write_text(
            "repos:\n  - repo: local\n    hooks:\n      - id: compliance-gate\n        name: compliance-gate\n"
            f"        entry: {entry_text}\n        language: system\n        types: [text]\n"
            "        require_serial: true\n"
        )
        for _ in range(args.repeat):
            secs, rc, tail = timed([sys.executable, "-m", "pre_commit", "run"], root, env)
            if rc not in (0, 1):
                print(f"pre-commit run: exit {rc}: {tail}")
                return 1
            results.setdefault("pre-commit run (warm)", []).append(secs)
        config.unlink()
        shutil.rmtree(root / ".compliance-gate", ignore_errors=True)
        only = hook_entry()[hook_entry().index("--only") + 1]
        secs, rc, _ = timed([exe, "run", "--only", only, "--no-cache", "."], root, env)
        results["whole tree, same checks, no cache"] = [secs]

    print(f"\n{'measurement':<36} {'median s':>9} {'min s':>7} {'vs 2 s target':>14}")
    for label, values in results.items():
        med = statistics.median(values)
        print(f"{label:<36} {med:>9.2f} {min(values):>7.2f} {med / TARGET_S:>13.2f}x")
    hook = statistics.median(results["hook, cold cache"])
    whole = results["whole tree, same checks, no cache"][0]
    print(f"\nwhole tree / staged change: {whole / hook:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
