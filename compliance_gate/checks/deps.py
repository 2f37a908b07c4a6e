"""deps: the release's pinned dependencies against published advisories (OSV).

PCI DSS 6.3.3: every component is protected from known vulnerabilities. The check reads the
resolved dependency set from the most precise source in the repository root: `uv.lock`,
`poetry.lock`, `Pipfile.lock`, `pylock.toml`, pinned `requirements*.txt` (with `-r`/`-c`
includes, hashes and markers), then `pyproject.toml`; or, with `environment`, the installed
distributions of the environment the release is built in. Markers are evaluated for `target`
(the platform the release runs on): a package that is not installed there is not audited. Each
pinned version is matched against the OSV records of the PyPA and GitHub advisory databases by
evaluating the records' own ranges, online (OSV's batch API, the default: CI runners have
network) or offline (an export, `database`), with the same answer from both.

Policy (`checks.deps`, all optional):

    checks:
      deps:
        fail_on: high            # advisories at or above this severity block
        database: osv-export/    # an offline export (folder or zip of OSV JSON, e.g. osv.dev's
                                 # PyPI/all.zip), relative to the repository; absent: the OSV API
        max_age_days: 7          # an export older than this (its newest `modified`) is an ERROR
        api_url: https://api.osv.dev
        api_timeout_s: 10
        api_retries: 3           # connection failures, timeouts, 429 and 5xx are retried
        unrated: high            # an advisory with no CVSS vector and no database severity
        target: {sys_platform: linux, python_version: "3.12"}   # PEP 508 marker values
        environment: false       # true: the interpreter running the gate; PATH: a virtual
                                 # environment or site-packages folder (nothing in it is run)
        require_manifest: false  # true: a repository without a dependency manifest FAILs
        baseline: .deps-baseline.json   # accepted advisories, read if present; null: none
        severity: {CG-DEPS-NOT-PINNED: high}   # per-rule overrides, as for every check

Findings: one per (package, advisory), rule = the advisory id (a GHSA id where there is one, else
PYSEC, else the record's own), located at the package's line in the lock file, with the
installed version, the first fixed version (or "no fixed version published"), the aliases
(CVE, GHSA, PYSEC), the severity and where it came from (the highest CVSS base score among the
records, else the database's severity, else `unrated`) and the advisory's link. Records that
describe one vulnerability (a GHSA and the PYSEC and CVE it aliases) are one finding. A waiver,
a baseline entry or a severity override naming any alias applies. Withdrawn advisories are
ignored (and counted). A range (`requests>=2.31` in `pyproject.toml` or a requirements file)
cannot be audited: `CG-DEPS-NOT-PINNED`, medium by default.

Adopting the check on a code base with known advisories: `compliance-gate baseline --check deps`
writes today's advisories to the baseline file (`compliance_gate/deps/baseline.py`); the check
then reports them as waived (`by: baseline:<file>`, counted in the metrics) and only new
advisories block. An entry covers its package's advisory under any of its ids; entries that no
longer match anything are listed as stale.

No manifest at all: nothing to audit. The check is `skipped` with that reason (shown in every
report), never a pass; with `require_manifest: true` (pci-dss) it is a `CG-DEPS-NO-MANIFEST`
finding that blocks and names the keys to set. Everything that prevents an answer is an ERROR
naming the file, line, export or URL: an unreadable lock file, a version that is not PEP 440, a
stale or broken export, an unreachable API (with the offline alternative).

`environment: true` audits the interpreter running the gate: in the GitHub Action that is the
gate's own virtual environment, not the application's; name the application's environment by
path instead (e.g. `environment: .venv` after the build step installed it).

With the engine cache on, advisories are kept in `.compliance-gate/deps.sqlite3` (an export's
index per digest; API records per id and `modified`), which never changes an answer. The
manifests are read from the scanned folder's root whatever the run's file selection (`--since`,
`paths`): a release ships its whole dependency set, not the part a change touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from compliance_gate.checks.interface import Check, CheckContext, CheckHelp
from compliance_gate.deps import (
    DEFAULT_API_URL,
    AuditResult,
    DependencySet,
    DepsError,
    DepsOptions,
    NoDependencySourceError,
    SourceInfo,
    Unpinned,
    Vulnerability,
    advisory_source,
    audit,
    read_dependencies,
)
from compliance_gate.deps.baseline import DEFAULT_PATH, Baseline, BaselineEntry, load_baseline
from compliance_gate.deps.readers import SEARCHED, site_directories
from compliance_gate.deps.summary import NO_FIX, DepsSummary
from compliance_gate.fingerprint import stamp
from compliance_gate.model import CheckOutput, Finding, InputRecord, Severity, Waived

NOT_PINNED = "CG-DEPS-NOT-PINNED"
NO_MANIFEST = "CG-DEPS-NO-MANIFEST"
CACHE_FILE = "deps.sqlite3"


@dataclass(frozen=True, slots=True)
class DepsCheckOptions:
    """The keys of `checks.deps` (see the module docstring)."""

    environment: bool | str = False
    database: str | None = None
    max_age_days: int = 7
    api_url: str = DEFAULT_API_URL
    api_timeout_s: float = 10.0
    api_retries: int = 3
    unrated: Severity = Severity.HIGH
    target: Mapping[str, str] = field(default_factory=dict)
    require_manifest: bool = False
    baseline: str | None = DEFAULT_PATH

    def engine(self, root: Path, state_dir: Path | None) -> DepsOptions:
        """The engine's options for a repository (`environment: PATH` resolved to its site directories)."""
        site_paths: tuple[str, ...] | None = None
        label: str | None = None
        if isinstance(self.environment, str):
            site_paths = site_directories(root / self.environment, self.environment)
            label = f"environment:{self.environment}"
        return DepsOptions(
            environment=self.environment is not False,
            database=Path(self.database) if self.database else None,
            max_age_days=self.max_age_days,
            api_url=self.api_url,
            api_timeout_s=self.api_timeout_s,
            api_retries=self.api_retries,
            unrated=self.unrated,
            target=dict(self.target),
            cache=state_dir / CACHE_FILE if state_dir else None,
            site_paths=site_paths,
            environment_label=label,
        )


def engines() -> dict[str, str]:
    return {"packaging": version("packaging"), "cvss": version("cvss")}


def run(ctx: CheckContext[DepsCheckOptions]) -> CheckOutput:
    return audit_repository(ctx, use_baseline=True)


def audit_repository(ctx: CheckContext[DepsCheckOptions], *, use_baseline: bool) -> CheckOutput:
    """The check's output; without the baseline, every advisory found today is a finding (what
    `compliance-gate baseline --check deps` writes down)."""
    root = ctx.workspace.root
    try:
        options = ctx.options.engine(root, ctx.state_dir)
        deps = read_dependencies(root, options)
    except NoDependencySourceError:
        return _no_manifest(ctx)
    except DepsError as exc:
        return CheckOutput(errors=(str(exc),), engines=engines())
    inputs = [InputRecord(f.path, f.sha256, kind="dependencies", rows=len(deps.packages)) for f in deps.files]
    unpinned = list(stamp(ctx.fingerprints, ((_not_pinned(ctx.check_id, u), u.name) for u in deps.unpinned)))
    if not deps.packages:
        why = _nothing_pinned(deps)
        return CheckOutput(
            findings=tuple(unpinned),
            counts={"packages": 0, "not_pinned": len(unpinned)},
            metrics=DepsSummary.read_only(deps, why).to_metrics(),
            inputs=tuple(inputs),
            engines=engines(),
            skipped=None if unpinned else why,
        )
    source = advisory_source(root, options)
    try:
        result = audit(deps, source, options, now=ctx.now or datetime.now(UTC))
    except DepsError as exc:
        return CheckOutput(errors=(str(exc),), inputs=tuple(inputs), engines=engines())
    finally:
        source.close()
    found = list(stamp(ctx.fingerprints, ((_finding(ctx.check_id, v), v.package) for v in result.vulnerabilities)))
    inputs.append(_database_input(result.source))
    try:
        baseline = _baseline(ctx, root) if use_baseline else None
    except DepsError as exc:
        return CheckOutput(errors=(str(exc),), inputs=tuple(inputs), engines=engines())
    kept, waived, stale = _apply(found, baseline)
    if baseline is not None:
        inputs.append(InputRecord(baseline.path, baseline.sha256, "baseline", len(baseline.entries)))
    return CheckOutput(
        findings=(*kept, *unpinned),
        waived=tuple(waived),
        counts=_counts(result, len(unpinned), len(waived)),
        metrics=DepsSummary.of(result, baseline.path if baseline else None, len(waived), stale).to_metrics(),
        inputs=tuple(inputs),
        engines={**engines(), **_source_engine(result.source)},
        errors=result.errors,
    )


def _counts(result: AuditResult, unpinned: int, baselined: int) -> dict[str, int]:
    return {
        "packages": len(result.dependencies.packages),
        "scanned": result.scanned,
        "vulnerable_packages": len({(v.package, v.version) for v in result.vulnerabilities}),
        "not_pinned": unpinned,
        "withdrawn_ignored": len(result.withdrawn),
        "baselined": baselined,
    }


def _baseline(ctx: CheckContext[DepsCheckOptions], root: Path) -> Baseline | None:
    name = ctx.options.baseline
    path = root / name if name else None
    return load_baseline(path, name) if path is not None and name and path.is_file() else None


def _ids(f: Finding) -> list[str]:
    aliases = f.properties.get("aliases")
    return [f.rule, *(a for a in aliases if isinstance(a, str))] if isinstance(aliases, list) else [f.rule]


def baseline_entries(findings: Sequence[Finding]) -> list[BaselineEntry]:
    """The advisories among `findings` as deps baseline entries (what `compliance-gate baseline` writes)."""
    return [
        BaselineEntry(
            str(f.properties.get("package", "")), f.rule, tuple(_ids(f)[1:]), str(f.properties.get("installed", ""))
        )
        for f in findings
        if f.rule not in (NOT_PINNED, NO_MANIFEST)
    ]


def _apply(found: list[Finding], baseline: Baseline | None) -> tuple[list[Finding], list[Waived], tuple[str, ...]]:
    """Findings the baseline does not cover, those it does (waived), and its entries nothing matched."""
    if baseline is None:
        return found, [], ()
    kept: list[Finding] = []
    waived: list[Waived] = []
    used: set[tuple[str, str]] = set()
    for f in found:
        entry = baseline.covering(str(f.properties.get("package", "")), _ids(f))
        if entry is None:
            kept.append(f)
            continue
        used.add((entry.package, entry.advisory))
        waived.append(Waived(f, f"baseline:{baseline.path}", f"accepted in the deps baseline as {entry.advisory}"))
    stale = tuple(f"{e.package} {e.advisory}" for e in baseline.entries if (e.package, e.advisory) not in used)
    return kept, waived, stale


def _finding(check: str, v: Vulnerability) -> Finding:
    aliases = f" ({', '.join(v.aliases)})" if v.aliases else ""
    fixed = f"fixed in {v.fixed_in}" if v.fixed_in else NO_FIX
    summary = f": {v.summary}" if v.summary else ""
    return Finding(
        check=check,
        rule=v.advisory,
        severity=v.severity,
        message=f"{v.package} {v.version} is affected by {v.advisory}{aliases}{summary}; {fixed}",
        path=v.path if not v.path.startswith("environment:") else None,
        line=v.line,
        properties={
            "package": v.package,
            "installed": v.version,
            "fixed_in": v.fixed_in,
            "aliases": list(v.aliases),
            "severity_basis": v.severity_basis,
            "score": v.score,
            "more_info": v.link,
            **({"environment": v.path} if v.path.startswith("environment:") else {}),
        },
    )


def _not_pinned(check: str, u: Unpinned) -> Finding:
    return Finding(
        check=check,
        rule=NOT_PINNED,
        severity=Severity.MEDIUM,
        message=(
            f"{u.name} {u.specifier} is a range, not a pin: which release ships is not fixed, so it cannot be "
            "audited; commit a lock file (uv lock, poetry lock, pip-compile) or pin it with =="
        ),
        path=u.path,
        line=u.line,
        properties={"package": u.name, "specifier": u.specifier},
    )


def _no_manifest(ctx: CheckContext[DepsCheckOptions]) -> CheckOutput:
    found = f"no dependency manifest found in the repository root (looked for {SEARCHED})"
    summary = DepsSummary(skipped=f"{found}; nothing to audit")
    if not ctx.options.require_manifest:
        return CheckOutput(metrics=summary.to_metrics(), engines=engines(), skipped=summary.skipped)
    finding = Finding(
        check=ctx.check_id,
        rule=NO_MANIFEST,
        severity=Severity.HIGH,
        message=(
            f"{found}, and the policy requires one (checks.{ctx.check_id}.require_manifest: true): commit the "
            f"release's lock file, or set checks.{ctx.check_id}.environment to the environment the release "
            f"is built in, or set checks.{ctx.check_id}.require_manifest: false if it ships no Python packages"
        ),
    )
    (stamped,) = stamp(ctx.fingerprints, [(finding, "")])
    return CheckOutput(findings=(stamped,), metrics=summary.to_metrics(), engines=engines())


def _nothing_pinned(deps: DependencySet) -> str:
    if deps.unpinned:
        return f"{deps.path}: no pinned package to audit ({len(deps.unpinned)} not pinned)"
    skipped = f" ({len(deps.skipped)} entries skipped: other platform or the team's own code)" if deps.skipped else ""
    return f"{deps.path}: no PyPI package to audit{skipped}"


def _database_input(info: SourceInfo) -> InputRecord:
    if info.kind == "offline":
        details = {"newest_modified": info.newest.isoformat() if info.newest else None, "cache": info.cache}
        return InputRecord(info.location, info.digest or "", "osv-export", info.records, details)
    return InputRecord(info.location, "", "osv-api", details={"cache": info.cache})


def _source_engine(info: SourceInfo) -> dict[str, str]:
    if info.kind == "offline":
        newest = info.newest.date().isoformat() if info.newest else "unknown"
        return {"osv-export": f"sha256:{(info.digest or '')[:12]} ({info.records} records, newest {newest})"}
    return {"osv-api": info.location}


CHECK: Check[DepsCheckOptions] = Check(
    id="deps",
    summary="pinned dependencies against OSV advisories (PyPA, GitHub), online or from an offline export",
    run=run,
    options=DepsCheckOptions,
    engines=engines,
    default_fail_on=Severity.HIGH,
    read_summary=DepsSummary.from_metrics,
    help=CheckHelp(
        "A dependency of the release is pinned at a version that a published advisory (OSV: PyPA, GitHub) "
        "says is vulnerable.",
        "Upgrade the package to the fixed version named in the finding (regenerate the lock file), or, where "
        "no fix is published or the code path is not used, waive the advisory by id with a reason, an approver "
        "and an expiry.",
        "compliance-gate baseline . --check deps",
    ),
)
