"""The engine: run the policy's checks over a workspace and decide.

`run(policy, root, ...)` is the library's API; the CLI, the Action and the hook are thin layers
over it. Each check runs in its own thread with the policy's timeout (file checks fan out to
worker processes from there); a check that raises, times out, or reports errors is `error`, and
`decide()` never passes a run with an error in it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from compliance_gate import __version__ as GATE_VERSION
from compliance_gate import pathglob
from compliance_gate.cache import ResultCache
from compliance_gate.checks import REGISTRY
from compliance_gate.checks.interface import CheckContext
from compliance_gate.decide import decide, merge_signoffs, settle, waiver_report
from compliance_gate.errors import UsageError
from compliance_gate.fanout import FileFanout, Progress, WorkerPool
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, CheckResult, PolicyRef, Source, Status, Verdict
from compliance_gate.policy import CheckPolicy, Policy
from compliance_gate.redact import scrub
from compliance_gate.workspace import Workspace, open_workspace

log = structlog.get_logger("compliance_gate.engine")

COMPLETE_MODES = frozenset({"tree", "since"})


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run, beyond what the policy says (these come from the command line)."""

    mode: str = "tree"
    since: str | None = None
    files: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    use_cache: bool = True
    jobs: int | None = None
    fingerprint_secret: bytes | None = None
    progress: Progress | None = None


def run(policy: Policy, root: str | Path, options: RunOptions | None = None, **kwargs: Any) -> Verdict:
    """Run every enabled check of `policy` over `root` and return the verdict.

    Keyword arguments are those of `RunOptions` (`mode`, `since`, `files`, `only`...).
    Raises `UsageError` for unusable arguments (unknown check, bad ref, missing key).
    """
    opts = options or RunOptions(**kwargs)
    _validate(policy, opts)
    started = _now()
    workspace = open_workspace(root, policy.paths, mode=opts.mode, since=opts.since, files=opts.files)
    try:
        return _run_in(policy, workspace, opts, started)
    finally:
        workspace.close()


def _validate(policy: Policy, opts: RunOptions) -> None:
    unknown = [c for c in opts.only if c not in REGISTRY]
    if unknown:
        raise UsageError(f"--only: unknown check {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    if policy.fingerprints.require_key and not opts.fingerprint_secret:
        raise UsageError(
            f"{policy.path}: fingerprints.require_key is set but ${policy.fingerprints.key_env} is empty; "
            "set it to the organisation's fingerprint key"
        )


def _run_in(policy: Policy, workspace: Workspace, opts: RunOptions, started: dt.datetime) -> Verdict:
    fp = Fingerprinter.from_secret(opts.fingerprint_secret) if opts.fingerprint_secret else Fingerprinter()
    selected = [
        section
        for check_id, section in policy.checks.items()
        if section.enabled and (not opts.only or check_id in opts.only)
    ]
    cache = _open_cache(workspace.root) if opts.use_cache and policy.engine.cache else None
    pool = WorkerPool(opts.jobs if opts.jobs is not None else policy.engine.jobs)
    today = started.date()
    usage: Counter[str] = Counter()
    results: list[CheckResult] = []
    try:
        for section in selected:
            fanout = FileFanout(section.id, section.digest, GATE_VERSION, fp.key, fp.key_id, pool, cache, opts.progress)
            ctx = CheckContext(
                check_id=section.id,
                options=section.options,
                policy=policy,
                workspace=workspace,
                files=tuple(f for f in workspace.files if pathglob.select(f.path, section.include, section.exclude)),
                fingerprints=fp,
                scan_files=fanout,
                fail_on=section.fail_on,
            )
            output, error, duration = _guarded_run(section, ctx, pool)
            if error is not None:
                results.append(_errored(section, error, duration))
                continue
            results.append(settle(section, output, policy.waivers, today, duration, usage))
            log.info("check finished", check=section.id, status=results[-1].status.value, seconds=round(duration, 2))
    finally:
        pool.close()
        if cache is not None:
            cache.close()
    outcome, reasons = decide(results, workspace.problems)
    finished = _now()
    complete = workspace.mode in COMPLETE_MODES and not opts.only
    return Verdict(
        verdict=outcome,
        reasons=reasons,
        checks=tuple(results),
        policy=PolicyRef(policy.path, policy.digest, policy.name),
        source=_source(workspace),
        gate_version=GATE_VERSION,
        engines={k: v for r in results for k, v in sorted(r.engines.items())},
        started=started,
        finished=finished,
        waivers=waiver_report(policy.waivers, usage, today),
        required_signoffs=merge_signoffs(policy.signoff.required, results),
        valid_until=finished + dt.timedelta(hours=policy.verdict.validity_hours),
        fingerprint_key=fp.key_id,
        complete=complete,
    )


def _guarded_run(
    section: CheckPolicy, ctx: CheckContext[Any], pool: WorkerPool
) -> tuple[CheckOutput, str | None, float]:
    """Run one check in a thread with its timeout; any exception or timeout is an error."""
    box: dict[str, Any] = {}
    check_fn: Callable[[CheckContext[Any]], CheckOutput] = REGISTRY[section.id].run

    def target() -> None:
        try:
            box["output"] = check_fn(ctx)
        except Exception as exc:
            box["error"] = f"{type(exc).__name__}: {scrub(str(exc))}"  # recorded first: logging itself may fail
            log.error("check raised", check=section.id, error=type(exc).__name__)

    start = time.monotonic()
    thread = threading.Thread(target=target, name=f"check-{section.id}", daemon=True)
    thread.start()
    thread.join(section.timeout_s)
    duration = time.monotonic() - start
    if thread.is_alive():
        pool.kill()
        return CheckOutput(), f"timed out after {section.timeout_s:g} s (checks.{section.id}.timeout_s)", duration
    if "error" in box:
        return CheckOutput(), str(box["error"]), duration
    output = box.get("output")
    if not isinstance(output, CheckOutput):
        return CheckOutput(), f"check returned {type(output).__name__}, not CheckOutput", duration
    return output, None, duration


def _errored(section: CheckPolicy, error: str, duration: float) -> CheckResult:
    return CheckResult(check=section.id, status=Status.ERROR, error=error, duration_s=duration, fail_on=section.fail_on)


def _open_cache(root: Path) -> ResultCache | None:
    try:
        return ResultCache(root)
    except Exception as exc:  # a read-only checkout still gets a (slower) answer
        log.warning("cache disabled", reason=str(exc))
        return None


def _source(ws: Workspace) -> Source:
    g = ws.git
    return Source(
        root=ws.root.name,
        mode=ws.mode,
        is_git=g is not None,
        commit=g.commit if g else None,
        ref=g.ref if g else None,
        dirty=g.dirty if g else False,
        since=g.since if g else None,
        since_commit=g.since_commit if g else None,
        files=len(ws.files),
        skipped=dict(sorted(ws.skipped.items())),
    )


def run_check(check_id: str, policy: Policy, root: str | Path, **kwargs: Any) -> CheckResult:
    """Run one check of `policy` (handy in tests and for `--only`)."""
    verdict = run(policy, root, only=(check_id,), **kwargs)
    return next(r for r in verdict.checks if r.check == check_id)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


__all__ = ["RunOptions", "run", "run_check"]
