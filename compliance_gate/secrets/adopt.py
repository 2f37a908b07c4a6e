"""Library side of `compliance-gate baseline`: the current findings, as a detect-secrets baseline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from compliance_gate import __version__ as GATE_VERSION
from compliance_gate import bundled, pathglob
from compliance_gate.cache import ResultCache
from compliance_gate.errors import UsageError
from compliance_gate.fanout import FileFanout, WorkerPool
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import Finding
from compliance_gate.policy import Policy
from compliance_gate.secrets import baseline as baselines
from compliance_gate.secrets.config import check_engine, engine_config
from compliance_gate.secrets.options import SecretsOptions
from compliance_gate.secrets.worker import scan_batch
from compliance_gate.workspace import open_workspace


def options_of(policy: Policy) -> SecretsOptions:
    section = policy.checks.get("secrets")
    return section.options if section is not None else SecretsOptions()


def current_findings(policy: Policy, root: Path, jobs: int | None = None) -> tuple[list[Finding], list[str]]:
    """Unwaived, unsuppressed engine findings of the work tree (with their hashed secrets)."""
    from compliance_gate.checks.secrets import engines

    check_engine()
    opts = options_of(policy)
    engine_config(opts)
    section = policy.checks.get("secrets")
    include = section.include if section else ()
    exclude = section.exclude if section else ()
    ws = open_workspace(root, policy.paths)
    pool = WorkerPool(jobs if jobs is not None else policy.engine.jobs)
    cache = ResultCache(ws.root) if policy.engine.cache else None
    try:
        files = tuple(f for f in ws.files if pathglob.select(f.path, include, exclude))
        fp = Fingerprinter()
        digest = section.digest if section else "default"
        fanout = FileFanout("secrets", digest, GATE_VERSION, fp.key, fp.key_id, pool, cache)
        findings: list[Finding] = []
        errors: list[str] = [*ws.problems]
        for outcome in fanout(scan_batch, files, opts, engines=engines()):
            if outcome.error:
                errors.append(f"{outcome.path}: {outcome.error}")
            findings += [f for f in outcome.findings if not f.properties.get("suppressed")]
        return findings, errors
    finally:
        pool.close()
        if cache is not None:
            cache.close()
        ws.close()


def baseline_settings(opts: SecretsOptions) -> dict[str, Any]:
    """`plugins_used` / `filters_used` as the engine writes them (no verification filter)."""
    from detect_secrets.settings import get_settings, transient_settings

    with transient_settings(engine_config(opts)):
        data: dict[str, Any] = get_settings().json()
    return data


def write_baseline(policy: Policy, root: Path, output: Path | None, slim: bool, jobs: int | None) -> tuple[Path, int]:
    opts = options_of(policy)
    target = output or (bundled.resolve(opts.baseline, root) if opts.baseline else root / ".secrets.baseline")
    findings, errors = current_findings(policy, root, jobs)
    if errors:
        raise UsageError(f"cannot write a baseline: {len(errors)} file(s) could not be scanned, first: {errors[0]}")
    previous = baselines.load(target, str(target)) if target.is_file() else None
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    text = baselines.render(findings, baseline_settings(opts), previous, slim, stamp)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the baseline ({exc.strerror})") from None
    return target, len(findings)
