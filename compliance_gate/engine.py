"""The engine: run the registry's checks over a workspace under a policy, and decide.

`run(policy, root, ...)` is the library's API; the CLI, the Action and the hook are thin layers
over it. Each check runs in its own thread with the policy's timeout (file checks fan out to
worker processes from there); a check that raises, times out, or reports errors is `error`, and
`decide()` never passes a run with an error in it.

`open_session(policy, root, options)` is the one way into a workspace: it opens the files, the
worker pool, the content-hash cache and the fingerprint key once, and hands each check its
`CheckContext`. `run` uses it for the whole verdict; `compliance-gate baseline` uses it to run one
engine without deciding; a library caller can do either. `load_policy` and `parse_policy` read a
policy for the registry's checks.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from compliance_gate import bundled, paths
from compliance_gate import policy as policies
from compliance_gate.checks.interface import Check, CheckContext
from compliance_gate.decide import decide, merge_signoffs, settle, waiver_report
from compliance_gate.errors import UsageError
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, CheckResult, PolicyRef, Source, Status, Verdict
from compliance_gate.policy import CheckPolicy, Policy
from compliance_gate.redact import machine_paths, mask_labels, scrub
from compliance_gate.registry import REGISTRY
from compliance_gate.scanning.cache import ResultCache, state_dir
from compliance_gate.scanning.fanout import FileFanout, Progress, WorkerPool
from compliance_gate.scanning.workspace import Workspace, open_workspace
from compliance_gate.version import __version__ as GATE_VERSION

log = structlog.get_logger("compliance_gate.engine")

COMPLETE_MODES = frozenset({"tree", "since"})
LISTINGS = frozenset({"git", "schema"})
"""Input kinds that describe how a check was set up (the file listing, the record schema), not data it read."""


def load_policy(path: str | Path) -> Policy:
    """Load and validate a policy file for this gate's checks (raises `PolicyError`)."""
    return policies.load_policy(path, REGISTRY)


def parse_policy(text: str, display: str = "<policy>") -> Policy:
    """Parse and validate policy text for this gate's checks (raises `PolicyError`)."""
    return policies.parse_policy(text, REGISTRY, display)


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


class Session:
    """An opened workspace with its worker pool, cache and fingerprint key: where checks run."""

    def __init__(self, policy: Policy, workspace: Workspace, opts: RunOptions) -> None:
        self.policy = policy
        self.workspace = workspace
        self.options = opts
        secret = opts.fingerprint_secret
        self.fingerprints = Fingerprinter.from_secret(secret) if secret else Fingerprinter()
        self.cache = _open_cache(workspace.root) if opts.use_cache and policy.engine.cache else None
        self.pool = WorkerPool(opts.jobs if opts.jobs is not None else policy.engine.jobs)
        self.started = _now()

    def section(self, check_id: str) -> CheckPolicy:
        """The policy's section for the check, or its defaults when the policy has none."""
        section = self.policy.checks.get(check_id)
        return section if section is not None else policies.default_section(check_id, REGISTRY[check_id])

    def context(self, check_id: str) -> CheckContext[Any]:
        """What the check `check_id` reads: its options, its files, and a fan-out into the pool."""
        section = self.section(check_id)
        fp = self.fingerprints
        fanout = FileFanout(
            section.id, section.digest, GATE_VERSION, fp.key, fp.key_id, self.pool, self.cache, self.options.progress
        )
        return CheckContext(
            check_id=section.id,
            options=section.options,
            policy=self.policy,
            workspace=self.workspace,
            files=tuple(f for f in self.workspace.files if paths.select(f.path, section.include, section.exclude)),
            fingerprints=fp,
            scan_files=fanout,
            fail_on=section.fail_on,
            parse_policy=parse_policy,
            now=self.started,
            state_dir=state_dir(self.workspace.root) if self.cache is not None else None,
        )

    def close(self) -> None:
        self.pool.close()
        if self.cache is not None:
            self.cache.close()


@contextmanager
def open_session(policy: Policy, root: str | Path, options: RunOptions | None = None) -> Iterator[Session]:
    """Open the workspace of `root` (`options.mode`, `since`, `files`) for the policy's checks.

    Raises `UsageError` for unusable arguments (unknown check, bad ref, missing key).
    """
    opts = options or RunOptions()
    _validate(policy, opts)
    workspace = open_workspace(root, policy.paths, mode=opts.mode, since=opts.since, files=opts.files)
    try:
        session = Session(policy, workspace, opts)
        try:
            yield session
        finally:
            session.close()
    finally:
        workspace.close()


def run(policy: Policy, root: str | Path, options: RunOptions | None = None, **kwargs: Any) -> Verdict:
    """Run every enabled check of `policy` over `root` and return the verdict.

    Keyword arguments are those of `RunOptions` (`mode`, `since`, `files`, `only`...).
    Raises `UsageError` for unusable arguments (unknown check, bad ref, missing key).
    """
    opts = options or RunOptions(**kwargs)
    started = _now()
    with open_session(policy, root, opts) as session:
        return _run_in(session, started)


def _validate(policy: Policy, opts: RunOptions) -> None:
    unknown = [c for c in opts.only if c not in REGISTRY]
    if unknown:
        raise UsageError(f"--only: unknown check {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    if opts.jobs is not None and opts.jobs < 1:
        raise UsageError(f"jobs: {opts.jobs} worker processes; give 1 or more (or leave it unset: one per core)")
    if policy.fingerprints.require_key and not opts.fingerprint_secret:
        raise UsageError(
            f"{policy.path}: fingerprints.require_key is set but ${policy.fingerprints.key_env} is empty; "
            "set it to the organisation's fingerprint key"
        )


def _run_in(session: Session, started: dt.datetime) -> Verdict:
    policy, workspace, opts = session.policy, session.workspace, session.options
    selected = [
        section
        for check_id, section in policy.checks.items()
        if section.enabled and (not opts.only or check_id in opts.only)
    ]
    today = started.date()
    usage: Counter[str] = Counter()
    results: list[CheckResult] = []
    for section in selected:
        output, error, duration = _guarded_run(section, REGISTRY[section.id], session)
        if error is not None:
            results.append(_errored(section, error, duration))
            continue
        results.append(settle(section, output, policy.waivers, today, duration, usage))
        log.info("check finished", check=section.id, status=results[-1].status.value, seconds=round(duration, 2))
    outcome, reasons = decide(results, [*workspace.problems, *_nothing_scanned(workspace, results)])
    finished = _now()
    complete = workspace.mode in COMPLETE_MODES and not opts.only
    # Paths, stream names, status cells... come from inputs: mask what would be a finding in them,
    # once, here, before any report, signature or log sees the verdict.
    return mask_labels(
        Verdict(
            verdict=outcome,
            reasons=reasons,
            checks=tuple(results),
            policy=PolicyRef(
                policy_label(policy.path, workspace.root), policy.digest, policy.name, policy.legacy_digest
            ),
            source=_source(workspace),
            gate_version=GATE_VERSION,
            engines={k: v for r in results for k, v in sorted(r.engines.items())},
            started=started,
            finished=finished,
            waivers=waiver_report(policy.waivers, usage, today),
            required_signoffs=merge_signoffs(policy.signoff.required, results),
            valid_until=finished + dt.timedelta(hours=policy.verdict.validity_hours),
            fingerprint_key=session.fingerprints.key_id,
            complete=complete,
            not_run=tuple(c for c, s in policy.checks.items() if s.enabled and opts.only and c not in opts.only),
        ),
        _machine_paths(workspace),
    )


def _machine_paths(ws: Workspace) -> Callable[[str], str]:
    """Outputs carry repo-relative paths and `builtin:` names, never a folder of this machine."""
    folders = {str(ws.root): "", bundled.policies_dir().as_posix(): bundled.BUILTIN_PREFIX}
    if ws.snapshot is not None:
        folders[str(ws.snapshot)] = ""
    if ws.git is not None:
        folders[ws.git.toplevel] = ""
    return machine_paths(folders)


def policy_label(path: str, root: Path) -> str:
    """How the verdict names its policy: repo-relative inside the repository, `builtin:NAME.yaml`
    for a bundled one, else the file name alone (the digest identifies it)."""
    p = Path(path)
    if not p.is_absolute():
        p = Path.cwd() / p
    for base, prefix in ((root, ""), (bundled.policies_dir(), bundled.BUILTIN_PREFIX)):
        try:
            return prefix + p.resolve().relative_to(base.resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return p.name


def _nothing_scanned(workspace: Workspace, results: list[CheckResult]) -> list[str]:
    """A whole-tree or release-range run that read no file and no input proves nothing: never a PASS.
    (Partial runs, such as pre-commit's few files, are never deploy-valid and say so instead.)"""
    read = any(i.kind not in LISTINGS for r in results for i in r.inputs)
    if workspace.mode not in COMPLETE_MODES or workspace.files or read:
        return []
    return [f"scanned 0 files: {workspace.why_empty or 'nothing to scan'}"]


def _guarded_run(section: CheckPolicy, check: Check[Any], session: Session) -> tuple[CheckOutput, str | None, float]:
    """Run one check in a thread with its timeout; any exception or timeout is an error."""
    box: dict[str, CheckOutput | str] = {}
    check_fn = check.run
    ctx = session.context(section.id)

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
        session.pool.kill()
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


__all__ = ["RunOptions", "Session", "load_policy", "open_session", "parse_policy", "run", "run_check"]
