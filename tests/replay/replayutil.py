"""Helpers for the replay tests: build options, run the check's `run` with a hand-built context."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from compliance_gate.checks import replay as replay_check
from compliance_gate.checks.interface import CheckContext
from compliance_gate.engine import parse_policy
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, Severity
from compliance_gate.replay import presets
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.scanning.workspace import Workspace


def options(data: dict[str, Any]) -> ReplayOptions:
    """Typed options, with the preset merged under them as a policy would have it."""
    return presets.build(data)


def run_check(root: Path, data: dict[str, Any]) -> CheckOutput:
    """Run `checks.replay.run` over `root` with the policy section `data`."""
    ctx = CheckContext(
        check_id="replay",
        options=options(data),
        policy=None,
        workspace=Workspace(root, "tree", ()),  # type: ignore[arg-type]
        files=(),
        fingerprints=Fingerprinter(),
        scan_files=None,  # type: ignore[arg-type]
        fail_on=Severity.HIGH,
        parse_policy=parse_policy,
    )
    return replay_check.run(ctx)


def found(out: CheckOutput) -> dict[str, set[str]]:
    """category -> payment ids the findings name."""
    res: dict[str, set[str]] = defaultdict(set)
    for f in out.findings:
        res[f.properties["category"]].add(f.properties["payment_id"])
    return dict(res)


def dump(out: CheckOutput) -> bytes:
    """Everything the check returned, as canonical JSON bytes (for determinism and leak checks)."""
    data = {
        "findings": [
            {
                "rule": f.rule,
                "severity": str(f.severity),
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "fingerprint": f.fingerprint,
                "properties": f.properties,
            }
            for f in out.findings
        ],
        "counts": out.counts,
        "metrics": out.metrics,
        "errors": out.errors,
        "inputs": [(i.path, i.sha256, i.rows, i.details) for i in out.inputs],
    }
    return json.dumps(data, sort_keys=True).encode()


def write_jsonl(path: Path, rows: list[dict[str, Any]] | list[str]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path
