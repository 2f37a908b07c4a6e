"""Run `compliance-gate run` on one tree and read its verdict JSON back (real_repos.py).

Only the CLI and the verdict's documented stable keys are used (see the gate's
`serialize.py`), so this keeps working while the package's insides move. A finding blocks when
its severity is at or above its check's `fail_on`; the sum is checked against the check's own
`counts.blocking`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from real_repos_corpus import Entry

SEVERITIES = ["info", "low", "medium", "high", "critical"]

# Issue 13's proposed path tiers, applied here only to describe where the blockers sit (the gate
# has its own notion, whatever it is at the time): test first, then docs, else production.
TEST_TIER = re.compile(r"(^|/)(tests?|mocks|fixtures|testdata)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$")
DOCS_TIER = re.compile(r"^docs/|\.(md|rst)$|(^|/)examples/")


def tier_of(path: str | None) -> str:
    path = path or ""
    return "test" if TEST_TIER.search(path) else "docs" if DOCS_TIER.search(path) else "prod"


@dataclass(slots=True)
class RepoRun:
    """One gate run on one corpus repository, as read back from its verdict.json."""

    entry: Entry
    verdict: str
    files: int
    wall_s: float
    exit_code: int
    findings: list[dict[str, Any]] = field(default_factory=list)  # every finding, with a "blocking" flag
    check_errors: dict[str, str] = field(default_factory=dict)
    check_seconds: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["blocking"]]


def gate_command() -> list[str]:
    script = Path(sys.executable).with_name("compliance-gate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "compliance_gate"]


def run_gate(entry: Entry, tree: Path, policy: str, timeout: float, keep: Path | None = None) -> RepoRun:
    """`compliance-gate run` on the tree, cold: the gate's cache folder is removed first.

    `keep`: a folder to copy the verdict into as NAME.verdict.json (masked values only)."""
    shutil.rmtree(tree / ".compliance-gate", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="cg-real-") as out:
        cmd = [*gate_command(), "run", str(tree), "--policy", policy, "--format", "json", "--out", out]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return RepoRun(entry, "TIMEOUT", 0, time.perf_counter() - start, -1, reasons=[f"over {timeout:.0f} s"])
        wall = time.perf_counter() - start
        verdict_path = Path(out) / "verdict.json"
        if not verdict_path.is_file():
            # the gate prints its own (masked) message; keep its last line
            last = (proc.stderr.strip().splitlines() or ["no verdict.json written"])[-1][:300]
            return RepoRun(entry, "NO-VERDICT", 0, wall, proc.returncode, reasons=[last])
        data = json.loads(verdict_path.read_text(encoding="utf-8"))
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(verdict_path, keep / f"{entry.name}.verdict.json")
    shutil.rmtree(tree / ".compliance-gate", ignore_errors=True)
    return read_verdict(entry, data, wall, proc.returncode)


def read_verdict(entry: Entry, data: dict[str, Any], wall: float, exit_code: int) -> RepoRun:
    run = RepoRun(entry, data["verdict"], int(data["source"].get("files") or 0), wall, exit_code)
    run.reasons = list(data.get("reasons", []))
    for check in data["checks"]:
        threshold = SEVERITIES.index(check["fail_on"])
        blocking = 0
        for f in check["findings"]:
            f = {**f, "blocking": SEVERITIES.index(f["severity"]) >= threshold}
            blocking += f["blocking"]
            run.findings.append(f)
        expected = check.get("counts", {}).get("blocking")
        if expected is not None and expected != blocking:
            print(
                f"warning: {entry.name}/{check['id']}: counts.blocking={expected}, recomputed {blocking}",
                file=sys.stderr,
            )
        run.check_seconds[check["id"]] = float(check.get("duration_s") or 0.0)
        if check.get("error"):
            run.check_errors[check["id"]] = str(check["error"])[:200]
    return run
