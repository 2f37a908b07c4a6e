"""Helpers for the sast tests: policies, engine runs, the real bandit CLI, sensitive samples."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from compliance_gate.engine import parse_policy, run_check
from compliance_gate.model import CheckResult
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.policy import Policy

BANDIT = str(Path(sys.executable).with_name("bandit"))


def sast_policy(**options: Any) -> Policy:
    """A policy with only the sast check; `options` are its keys (JSON is valid YAML)."""
    section = json.dumps({"fail_on": "high", **options})
    return parse_policy(f"version: 1\nchecks:\n  sast: {section}\n")


def scan(root: Path, use_cache: bool = False, **options: Any) -> CheckResult:
    return run_check("sast", sast_policy(**options), root, use_cache=use_cache)


def triples(result: CheckResult) -> set[tuple[str, int, str]]:
    """(path, line, rule) of bandit's findings (the gate's CG-SAST-UNPARSED stands for bandit's
    skipped files, compared apart)."""
    return {(f.path or "", f.line or 0, f.rule) for f in result.findings if f.rule != "CG-SAST-UNPARSED"}


def unparsed(result: CheckResult) -> set[str]:
    return {f.path or "" for f in result.findings if f.rule == "CG-SAST-UNPARSED"}


def bandit_cli(root: Path, *args: str) -> set[tuple[str, int, str]]:
    """(path, line, test id) of the real `bandit -r` over `root`, paths relative to it."""
    proc = subprocess.run(
        [BANDIT, "-r", str(root), "-f", "json", "-q", *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return {
        (Path(r["filename"]).resolve().relative_to(root.resolve()).as_posix(), r["line_number"], r["test_id"])
        for r in report["results"]
    }


def bandit_skipped(root: Path) -> list[str]:
    proc = subprocess.run([BANDIT, "-r", str(root), "-f", "json", "-q"], capture_output=True, text=True, check=False)
    return [e["filename"] for e in json.loads(proc.stdout)["errors"]]


def luhn_pan(prefix: str = "4", length: int = 16, seed: int = 7) -> str:
    """A Luhn-valid card number built at run time, so no real-looking PAN sits in the source."""
    rng = random.Random(seed)
    return luhn_complete(prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1)))
