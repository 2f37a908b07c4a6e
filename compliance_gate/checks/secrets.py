"""The `secrets` check: credentials in the code and in the release's history, on detect-secrets.

Reports exactly what `detect-secrets scan --no-verify` reports for the same files and settings
(the set of file, line, type and hashed secret), with every plugin and every default filter,
including `pragma: allowlist secret` and `pragma: allowlist nextline secret`, and never the
engine's network verification: the gate is hermetic. It is much faster than the engine because
a prefilter derived from the plugins' own regexes sends only candidate lines through the engine's
per-line machinery (see `compliance_gate.secrets`), files are scanned on all cores, and unchanged
files are answered from the cache.

| rule | default severity |
|---|---|
| the detect-secrets plugin, e.g. `AWSKeyDetector`, `PrivateKeyDetector` | critical for private keys and provider keys |
| `KeywordDetector`, `Base64HighEntropyString`, `HexHighEntropyString`, `BasicAuthDetector`, `JwtTokenDetector` | high |
| `IPPublicDetector` | medium |

Findings show a masked excerpt (the first three characters and the length, at most) and a keyed
fingerprint; never the value. With a release range (`run --since REF`, or `history_since` in the
policy) the lines added by every commit in the range are scanned too: a secret committed and
removed later is still in the history and still blocks; the finding names the commit.

Policy section (all keys optional):

    checks:
      secrets:
        plugins: []                  # detect-secrets plugin names; empty = all built-in plugins
        disable_plugins: [IPPublicDetector]
        base64_limit: 4.5            # entropy limits, as detect-secrets' --base64-limit
        hex_limit: 3.0
        keyword_exclude: ""          # regex, as --keyword-exclude
        exclude_lines: []            # regexes, as --exclude-lines / --exclude-files / --exclude-secrets
        exclude_files: []
        exclude_secrets: []
        baseline: .secrets.baseline  # read if present; null to ignore baselines
        baseline_required: false     # a missing baseline is then an error
        unaudited: waive             # baseline entries never audited: waive or block
        allow_inline_suppressions: true
        require_suppression_reason: false   # `# pragma: allowlist secret -- why` needs the why
        history: true                # scan the commits of the release range, when there is one
        history_since: null          # a ref whose merge base with HEAD starts the range

Baselines: an entry audited as a false positive is waived; an unaudited entry is waived or blocks
per `unaudited`; an entry audited as a real secret (`is_secret: true`) still blocks. Honoured
inline suppressions are listed as waived, refused ones are findings. Invalid UTF-8 files are
scanned with the bad bytes replaced and counted (the engine skips them silently); lock files,
non-text extensions and swagger files are skipped and counted, as the engine's filters say. A
corrupt or foreign-version baseline, an unknown `history_since`, or a shallow clone missing the
range make the check an error, never a pass.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from compliance_gate import bundled, paths
from compliance_gate.checks.interface import Check, CheckContext, CheckHelp
from compliance_gate.errors import GateError
from compliance_gate.gitrepo import GitRepo
from compliance_gate.model import CheckOutput, Finding, InputRecord, JSONObject, JSONValue, Severity
from compliance_gate.scanning.cache import code_version
from compliance_gate.scanning.collect import collect
from compliance_gate.scanning.workspace import in_scope
from compliance_gate.secrets import baseline as baselines
from compliance_gate.secrets import history, ownfiles
from compliance_gate.secrets.classify import EXAMPLES_VERSION
from compliance_gate.secrets.config import check_engine, engine_config, engine_version
from compliance_gate.secrets.judge import judge
from compliance_gate.secrets.options import SecretsOptions
from compliance_gate.secrets.worker import rule_catalog, scan_batch, scan_history_batch
from compliance_gate.summary import Plain, integer

BATCH_BYTES = 256 * 1024
"""Smaller than the fan-out's default: YAML files cost far more per byte, so balance matters."""


@dataclass(frozen=True, slots=True)
class SecretsSummary(Plain):
    """The check's metrics: whether and how far the history was scanned, baseline entries no
    finding matched any more, and how much the prefilter spared the engine."""

    history: str | None = None
    """Why the release's history was not scanned (no range), if it was not."""
    history_commits: int | None = None
    baseline_stale_entries: tuple[str, ...] | None = None
    lines_scanned: int = 0
    candidate_line_ratio: float = 0.0

    def to_metrics(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {}
        if self.history is not None:
            out["history"] = self.history
        if self.history_commits is not None:
            out["history_commits"] = self.history_commits
        if self.baseline_stale_entries is not None:
            out["baseline_stale_entries"] = list(self.baseline_stale_entries)
        out["lines_scanned"] = self.lines_scanned
        out["candidate_line_ratio"] = self.candidate_line_ratio
        return out

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> SecretsSummary:
        history, commits, stale = (
            metrics.get("history"),
            metrics.get("history_commits"),
            metrics.get("baseline_stale_entries"),
        )
        ratio = metrics.get("candidate_line_ratio")
        return cls(
            history if isinstance(history, str) else None,
            integer(commits) if commits is not None else None,
            tuple(str(s) for s in stale) if isinstance(stale, list) else None,
            integer(metrics.get("lines_scanned")),
            float(ratio) if isinstance(ratio, int | float) and not isinstance(ratio, bool) else 0.0,
        )


_HERE = Path(__file__).resolve()


def engines() -> dict[str, str]:
    return {
        "detect-secrets": engine_version(),
        # our glue, prefilter and classification: results of another version are scanned again
        "compliance-gate-secrets": code_version(_HERE.parent.parent / "secrets", _HERE),
        "example-credentials": EXAMPLES_VERSION[:16],
    }


def run(ctx: CheckContext[SecretsOptions]) -> CheckOutput:
    opts = ctx.options
    check_engine()
    engine_config(opts)  # validates plugin names and regexes before any work starts
    versions = engines()
    scanned = collect(ctx.scan_files(scan_batch, ctx.files, opts, engines=versions, batch_bytes=BATCH_BYTES))
    errors = list(scanned.errors)
    counts = scanned.counts
    findings = list(scanned.findings)
    history: dict[str, str | int] = {}
    findings += _history(ctx, versions, {baselines.finding_key(f) for f in findings}, errors, counts, history)
    findings, own = ownfiles.without_checkpoints(findings, ownfiles.file_reader(_read_root(ctx), _top(ctx)))
    if own:
        counts["gate-audit-checkpoint-hits"] = own
    inputs: list[InputRecord] = []
    loaded = _baseline(ctx, errors, inputs)
    judged = judge(findings, opts, loaded)
    counts.update(judged.counts)
    lines, candidates = counts.get("lines", 0), counts.get("candidate-lines", 0)
    summary = SecretsSummary(
        history=str(history["history"]) if "history" in history else None,
        history_commits=int(history["history_commits"]) if "history_commits" in history else None,
        baseline_stale_entries=judged.stale[:20] if judged.stale else None,
        lines_scanned=lines,
        candidate_line_ratio=round(candidates / lines, 4) if lines else 0.0,
    )
    return CheckOutput(
        findings=judged.findings,
        waived=judged.waived,
        counts=dict(counts),
        metrics=summary.to_metrics(),
        inputs=tuple(inputs),
        engines=versions,
        errors=tuple(errors),
    )


def current_findings(ctx: CheckContext[SecretsOptions]) -> tuple[list[Finding], list[str]]:
    """The engine's unsuppressed findings in the work tree, with their hashed secrets, and the
    files that could not be scanned: what `compliance-gate baseline` writes down."""
    check_engine()
    engine_config(ctx.options)
    scanned = collect(ctx.scan_files(scan_batch, ctx.files, ctx.options, engines=engines()))
    findings = [f for f in scanned.findings if not f.properties.get("suppressed")]
    findings = ownfiles.without_checkpoints(findings, ownfiles.file_reader(_read_root(ctx), _top(ctx)))[0]
    return findings, [*ctx.workspace.problems, *scanned.errors]


def _read_root(ctx: CheckContext[SecretsOptions]) -> Path:
    """Where the scanned bytes are: the index snapshot under `--staged`, else the root. The
    checkpoint recogniser must read the very bytes the scan read, not the work tree's copy."""
    return ctx.workspace.snapshot or ctx.workspace.root


def _top(ctx: CheckContext[SecretsOptions]) -> str | None:
    return ctx.workspace.git.toplevel if ctx.workspace.git else None


def _history(
    ctx: CheckContext[SecretsOptions],
    versions: dict[str, str],
    in_tree: set[tuple[str, str, str]],
    errors: list[str],
    counts: Counter[str],
    metrics: dict[str, str | int],
) -> list[Finding]:
    opts, ws = ctx.options, ctx.workspace
    if not opts.history or ws.git is None or ws.mode in ("staged", "files"):
        return []
    repo = GitRepo.at(ws.git.toplevel)
    base = ws.git.since_commit or (history.resolve_base(repo, opts.history_since) if opts.history_since else None)
    if base is None:
        metrics["history"] = "not scanned: no release range (run --since REF or set history_since)"
        return []
    metrics["history_commits"] = history.check_complete(repo, base)
    prefix = Path(ws.root).resolve().relative_to(Path(ws.git.toplevel).resolve()).as_posix()
    section = ctx.policy.checks.get(ctx.check_id)

    def admit(path: str) -> bool:  # both rule sets must admit it, as for the tree's files
        own = paths.select(path, section.include, section.exclude) if section else True
        return own and in_scope(path, ctx.policy.paths)

    scanned_in_tree = {f.path: f.abspath for f in ctx.files}

    def tree_lines(path: str) -> frozenset[str]:  # the tree scan reports what is still there
        where = scanned_in_tree.get(path)
        return frozenset(_lines_of(where)) if where else frozenset()

    with tempfile.TemporaryDirectory(prefix="compliance-gate-history-") as tmp:
        jobs = history.write_jobs(
            list(history.changes(repo, base, "" if prefix == "." else prefix, counts)),
            Path(tmp),
            admit,
            ctx.policy.paths.max_file_bytes,
            counts,
            tree_lines,
        )
        scanned = collect(ctx.scan_files(scan_history_batch, jobs, opts, engines=versions))
        errors.extend(scanned.errors)
        found = scanned.findings
    counts["history-lines"] += scanned.counts.get("lines", 0)
    counts["history-files"] += len(jobs)
    out: list[Finding] = []
    seen = set(in_tree)
    rank = {j.path.split(":", 1)[0]: i for i, j in reversed(list(enumerate(jobs)))}
    for f in sorted(found, key=lambda f: (rank.get(str(f.properties.get("commit", "")), 0), f.line or 0)):
        key = baselines.finding_key(f)
        if key not in seen:
            seen.add(key)
            out.append(f)
    counts["history-findings"] = len(out)
    return out


def _lines_of(abspath: str) -> list[str]:
    try:
        return Path(abspath).read_bytes().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []  # unreadable here: the tree scan reports it; the history scans its lines


def _baseline(
    ctx: CheckContext[SecretsOptions], errors: list[str], inputs: list[InputRecord]
) -> baselines.Baseline | None:
    opts = ctx.options
    if not opts.baseline:
        return None
    path = bundled.resolve(opts.baseline, ctx.workspace.root)
    if not path.is_file():
        if opts.baseline_required:
            errors.append(
                f"{opts.baseline}: the policy requires a secrets baseline and there is none "
                "(create one with `compliance-gate baseline`)"
            )
        return None
    try:
        loaded = baselines.load(path, opts.baseline)
    except GateError as exc:
        errors.append(str(exc))
        return None
    inputs.append(
        InputRecord(opts.baseline, loaded.sha256, rows=len(loaded.entries), details={"version": loaded.version})
    )
    return loaded


CHECK: Check[SecretsOptions] = Check(
    id="secrets",
    summary="Secrets in the code and the release's history (detect-secrets, hermetic, prefiltered)",
    run=run,
    options=SecretsOptions,
    engines=engines,
    default_fail_on=Severity.HIGH,
    line_scoped=True,
    rules=rule_catalog,
    help=CheckHelp(
        "A credential committed to the repository.",
        "Revoke and rotate the credential, load it from the secret store, then remove it; a value "
        "that is not a secret can be audited into the detect-secrets baseline.",
        "compliance-gate baseline . && detect-secrets audit .secrets.baseline",
    ),
    read_summary=SecretsSummary.from_metrics,
)
