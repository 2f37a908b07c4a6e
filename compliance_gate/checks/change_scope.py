"""change-scope: which sensitive areas a release touches, and whose sign-off that requires.

What it does
    Lists the files the release changes and matches them against the policy's path rules
    (payments code, migrations, the gate's own policy files, CI configuration...). Each rule that
    matches adds its roles to the verdict's `required_signoffs`; `compliance-gate verify` then
    refuses to pass the release until approvals from the verifier's roster cover them. Each
    matching rule is also reported as one `info` finding (rule id `CG-SCOPE-PATH`, or
    `CG-SCOPE-POLICY` for the policy file in use) listing the files.

Which files count as changed
    - `--since REF` (release range): every path changed between the merge base and HEAD, anywhere
      in the repository, including deleted files and both sides of a rename;
    - `--staged`: the staged paths, including deletions;
    - whole tree (no range): every tracked file counts as changed, so every rule whose globs
      match anything applies. Without a range the gate cannot know what changed and assumes
      the worst; release pipelines should pass `--since`;
    - explicit files: those files.
    Globs match the path relative to the repository top and relative to the scanned root.

Why a policy change cannot approve itself
    When the policy file in use changed in the range, the rules and `signoff.required` of the
    policy as it was at the base commit apply as well (the stricter of both), plus
    `policy_file_require`. Weakening the rules in a pull request therefore does not weaken what
    that pull request needs. Disabling this check altogether is visible only through the policy
    digest: deploy jobs should pin it (`verify --policy-digest`) or `--require` roles themselves.

Allowances added to the secrets baseline
    An entry of the secrets check's baseline (`.secrets.baseline`) marked `is_secret: false`
    (or unaudited, under `unaudited: waive`) lets a credential through like a waiver. When the
    release changes the baseline and adds such entries (compared with the baseline at the base
    of the range), the check reports them (rule `CG-SCOPE-BASELINE`) and requires
    `secrets_baseline_require` (default security: 1). Without a range every allowance counts.

Example
    checks:
      change-scope:
        rules:
          - {name: payments-code, paths: ["src/payments/**"], require: {compliance: 1}}
        policy_file_require: {security: 1}
        secrets_baseline_require: {security: 1}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from compliance_gate import bundled, paths
from compliance_gate.changescope import allowances
from compliance_gate.changescope import changes as scope_git
from compliance_gate.checks.interface import Check, CheckContext, CheckHelp
from compliance_gate.errors import PolicyError
from compliance_gate.fingerprint import stamp
from compliance_gate.model import CheckOutput, Finding, InputRecord, JSONObject, JSONValue, Severity
from compliance_gate.policy import Policy
from compliance_gate.secrets.options import SecretsOptions
from compliance_gate.summary import Plain, text

MAX_SAMPLE = 20


@dataclass(frozen=True, slots=True)
class ScopeRule:
    name: str
    paths: tuple[str, ...]
    require: Mapping[str, int] = field(default_factory=dict)
    severity: Severity = Severity.INFO


DEFAULT_RULES = (
    ScopeRule("payments-code", ("**/payments/**", "**/billing/**", "**/ledger/**"), {"compliance": 1}),
    ScopeRule("migrations", ("**/migrations/**", "**/*.sql"), {"dba": 1}),
    ScopeRule("gate-policy", ("policies/**", ".compliance-gate.yaml", ".pre-commit-config.yaml"), {"security": 1}),
    ScopeRule(
        "ci-config", (".github/workflows/**", ".github/actions/**", "action.yml", ".gitlab-ci.yml"), {"security": 1}
    ),
)


@dataclass(frozen=True, slots=True)
class ChangeScopeSummary(Plain):
    """What counted as changed (`basis`: range, staged, tree, files), the range read, and notes
    (why the policy as it was at the base could not be used, when it could not)."""

    basis: str = ""
    range: str = ""
    notes: tuple[str, ...] = ()

    def to_metrics(self) -> dict[str, JSONValue]:
        return {"basis": self.basis, "range": self.range, "notes": list(self.notes)}

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> ChangeScopeSummary:
        notes = metrics.get("notes")
        notes_text = tuple(str(n) for n in notes) if isinstance(notes, list) else ()
        return cls(text(metrics.get("basis")), text(metrics.get("range")), notes_text)


@dataclass(frozen=True, slots=True)
class ChangeScopeOptions:
    rules: tuple[ScopeRule, ...] = DEFAULT_RULES
    policy_file_require: Mapping[str, int] = field(default_factory=lambda: {"security": 1})
    secrets_baseline_require: Mapping[str, int] = field(default_factory=lambda: {"security": 1})


def run(ctx: CheckContext[ChangeScopeOptions]) -> CheckOutput:
    ws = ctx.workspace
    try:
        changes = scope_git.changed_paths(ws)
    except scope_git.GitProblem as exc:
        return CheckOutput(errors=(str(exc),))
    top = Path(ws.git.toplevel) if ws.git else ws.root
    policy_rel = scope_git.relative_path(Path(ctx.policy.path), top)
    rules = list(ctx.options.rules)
    floor: dict[str, int] = {}
    notes: list[str] = []
    if policy_rel is not None and policy_rel in changes.paths:
        rules.append(ScopeRule("policy-file", (policy_rel,), ctx.options.policy_file_require))
        if changes.base is not None:
            base, note = _base_policy(ctx, top, changes.base, policy_rel)
            notes += [note] if note else []
            if base is not None:
                floor = dict(base.signoff.required)
                section = base.checks.get("change-scope")
                if section is not None and isinstance(section.options, ChangeScopeOptions):
                    current = {(r.paths, tuple(sorted(r.require.items()))) for r in rules}
                    rules += [
                        replace(r, name="base:" + r.name)
                        for r in section.options.rules
                        if (r.paths, tuple(sorted(r.require.items()))) not in current
                    ]
    prefix = scope_git.relative_path(ws.root, top)
    findings, required = _match(rules, changes.paths, prefix or "", policy_rel)
    allowed = _baseline_allowances(ctx, changes, top)
    if allowed is not None:
        findings.append(allowed)
        for role, n in ctx.options.secrets_baseline_require.items():
            required[role] = max(required.get(role, 0), n)
    for role, n in floor.items():
        required[role] = max(required.get(role, 0), n)
    listing = "\n".join(changes.paths).encode()
    return CheckOutput(
        findings=tuple(stamp(ctx.fingerprints, findings)),
        counts={"changed_files": len(changes.paths), "rules_matched": len(findings)},
        metrics=ChangeScopeSummary(changes.basis, changes.label, tuple(notes)).to_metrics(),
        inputs=(InputRecord(changes.label, hashlib.sha256(listing).hexdigest(), "git", len(changes.paths)),),
        required_signoffs=dict(sorted(required.items())),
    )


def _base_policy(
    ctx: CheckContext[ChangeScopeOptions], top: Path, base: str, rel: str
) -> tuple[Policy | None, str | None]:
    """The policy file as it was at `base`, or None with a note saying why it is not used."""
    text = scope_git.file_at(top, base, rel)
    if text is None:
        return None, f"{rel} did not exist at {base[:12]}; its first version needs the policy-file sign-off"
    try:
        return ctx.parse_policy(text, f"{rel}@{base[:12]}"), None
    except PolicyError as exc:
        return None, f"{rel}@{base[:12]} no longer parses ({exc}); only the current rules apply"


def _match(
    rules: list[ScopeRule], changed: tuple[str, ...], prefix: str, policy_rel: str | None
) -> tuple[list[tuple[Finding, str]], dict[str, int]]:
    found: list[tuple[Finding, str]] = []
    required: dict[str, int] = {}
    for rule in rules:
        hits = [p for p in changed if paths.matches(p, rule.paths) or _root_match(p, prefix, rule.paths)]
        if not hits:
            continue
        for role, n in rule.require.items():
            required[role] = max(required.get(role, 0), n)
        roles = ", ".join(f"{r} x{n}" for r, n in sorted(rule.require.items())) or "no roles"
        is_policy = rule.name == "policy-file" and rule.paths == (policy_rel,)
        finding = Finding(
            check="change-scope",
            rule="CG-SCOPE-POLICY" if is_policy else "CG-SCOPE-PATH",
            severity=rule.severity,
            message=f"the release changes {len(hits)} file(s) under `{rule.name}`: needs sign-off by {roles}",
            path=hits[0],
            properties={
                "scope_rule": rule.name,
                "files": len(hits),
                "sample": hits[:MAX_SAMPLE],
                "require": dict(rule.require),
            },
        )
        found.append((finding, rule.name))
    return found, required


def _baseline_allowances(
    ctx: CheckContext[ChangeScopeOptions], changes: scope_git.Changes, top: Path
) -> tuple[Finding, str] | None:
    """A finding when the release adds allowances to the secrets check's baseline, else None."""
    section = ctx.policy.checks.get("secrets")
    if section is None or not section.enabled or not isinstance(section.options, SecretsOptions):
        return None
    opts = section.options
    current = bundled.resolve(opts.baseline, ctx.workspace.root) if opts.baseline else None
    rel = scope_git.relative_path(current, top) if current is not None else None
    if current is None or rel is None or rel not in changes.paths or not current.is_file():
        return None
    base = changes.base or ("HEAD" if changes.basis == "staged" else None)
    before = scope_git.file_at(top, base, rel) if base is not None else None
    found = allowances.added_allowances(before, current, rel, opts.unaudited)
    if not found.added:
        return None
    roles = ", ".join(f"{r} x{n}" for r, n in sorted(ctx.options.secrets_baseline_require.items())) or "no roles"
    finding = Finding(
        check="change-scope",
        rule="CG-SCOPE-BASELINE",
        severity=Severity.INFO,
        message=f"the release adds {len(found.added)} allowance(s) to the secrets baseline: needs sign-off by {roles}",
        path=rel,
        properties={
            "scope_rule": "secrets-baseline",
            "files": len(found.added),
            "sample": list(found.added[:MAX_SAMPLE]),
            "require": dict(ctx.options.secrets_baseline_require),
            **({"note": found.note} if found.note else {}),
        },
    )
    return finding, "secrets-baseline"


def _root_match(path: str, prefix: str, globs: tuple[str, ...]) -> bool:
    if not prefix or not path.startswith(prefix + "/"):
        return False
    return paths.matches(path[len(prefix) + 1 :], globs)


CHECK = Check(
    id="change-scope",
    summary="Sensitive paths changed by the release add required sign-off roles",
    run=run,
    options=ChangeScopeOptions,
    engines=lambda: {},
    default_fail_on=Severity.CRITICAL,
    help=CheckHelp(
        "The change touches paths that need additional sign-off.",
        "Collect the approvals of the roles listed in the verdict before deploying.",
    ),
    read_summary=ChangeScopeSummary.from_metrics,
)
