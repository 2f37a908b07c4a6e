"""Helpers for the secrets tests: the real engine's CLI, the gate's scanner, hand-built contexts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from checkutil import in_process

from compliance_gate.checks.interface import CheckContext
from compliance_gate.engine import parse_policy
from compliance_gate.fingerprint import PUBLIC_KEY, Fingerprinter
from compliance_gate.model import Severity
from compliance_gate.policy import PathRules
from compliance_gate.scanning.jobs import FileJob, FileOutcome
from compliance_gate.scanning.workspace import open_workspace
from compliance_gate.secrets.options import SecretsOptions
from compliance_gate.secrets.worker import engine_hits, scan_batch

DETECT_SECRETS = str(Path(sys.executable).parent / "detect-secrets")
Hits = set[tuple[str, int, str, str]]


def engine_scan(root: Path, *flags: str) -> Hits:
    """`detect-secrets scan --no-verify --all-files .` in `root`: (file, line, type, hashed_secret)."""
    out = subprocess.run(
        [DETECT_SECRETS, "scan", "--no-verify", "--all-files", *flags, "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        (name, entry["line_number"], entry["type"], entry["hashed_secret"])
        for name, entries in json.loads(out)["results"].items()
        for entry in entries
    }


def engine_library_scan(root: Path, config: dict[str, Any]) -> Hits:
    """The engine's library path (`SecretsCollection.scan_file` under `transient_settings`)."""
    import os

    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import transient_settings

    here = os.getcwd()
    os.chdir(root)
    try:
        with transient_settings(config):
            found = SecretsCollection()
            for rel in all_files(root):
                found.scan_file(rel)
    finally:
        os.chdir(here)
    return {(name, s.line_number, s.type, s.secret_hash) for name, s in found}


def all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def gate_scan(root: Path, options: SecretsOptions | None = None) -> tuple[Hits, list[FileOutcome]]:
    """The gate's batch scanner over every file under `root`, in this process."""
    jobs = [FileJob(rel, str(root / rel), "", 0) for rel in all_files(root)]
    outcomes = scan_batch(jobs, options or SecretsOptions(baseline=None), PUBLIC_KEY)
    return engine_hits(f for o in outcomes for f in o.findings), outcomes


def context(root: Path, section: str = "{}", mode: str = "tree", since: str | None = None) -> CheckContext[Any]:
    """A hand-built context for `secrets.run` with the policy section `section` (YAML flow)."""
    policy = parse_policy(f"version: 1\nchecks:\n  secrets: {section}\n")
    ws = open_workspace(root, PathRules(), mode=mode, since=since)
    check = policy.checks["secrets"]
    return CheckContext(
        check_id="secrets",
        options=check.options,
        policy=policy,
        workspace=ws,
        files=ws.files,
        fingerprints=Fingerprinter(),
        scan_files=in_process,
        fail_on=Severity.HIGH,
        parse_policy=parse_policy,
    )
