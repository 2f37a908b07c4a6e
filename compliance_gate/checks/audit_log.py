"""audit-log: are the audit logs complete, untampered, well-formed and free of card data?

Reads the JSON Lines audit logs the policy names (plain or gzip, as structlog's JSON renderer
writes them; `compliance_gate.audit.AuditChain` writes them ready to verify) and checks:

- **Schema**: every audit record (by default every record at `info` or above; `audit_records`
  selects by logger, key or event instead; debug lines are chained but not checked) against a
  JSON Schema (draft 2020-12; default `builtin:schemas/audit-record.schema.json`: the PCI DSS
  10.2.2 elements, UTC timestamps, amounts as minor-unit integers or decimal strings with their
  currency). The elements are found through the policy's field map (`fields`: defaults take
  `user_id`, `ip`, `payment_id`, `status`, structlog's `event` and `timestamp`; see
  `compliance_gate.auditlog.fields`). Findings name file, line and JSON path (`CG-AUDIT-SCHEMA`).
- **Tamper evidence**: per-stream hash chains (dense `seq`, `prev_hash`, `hash` over canonical
  JSON; SHA-256, or HMAC-SHA-256 with the key in the environment variable `key_env` names).
  Every link is verified; edited, deleted, reordered, duplicated and forked records are reported,
  and what follows a break is reported as unverifiable. Signed checkpoints (`checkpoints`, pinned
  public keys in `checkpoint_keys`; write them with `compliance-gate audit-checkpoint`) detect a
  cut-off tail and a re-sealed stream. With `key_env` set, plain SHA-256 records are a downgrade.
- **No PII or secrets**: full card numbers (masked forms are fine), CVV/track/PIN fields, IBANs,
  SSNs, e-mail and phone numbers via the `pii` detectors, and secrets (`CG-AUDIT-SECRET`).
- **Completeness** (when the policy has a `replay` section): every state change the replay derives
  from the recorded events has an audit record pointing at its event with the same from/to status,
  and no state-change record lacks an event. Each stream starts with `log.start` and ends with
  `log.stop` (or a signed checkpoint pins its last record): a log cut at its tail, right after
  `log.start`, or emptied (`CG-AUDIT-EMPTY`) blocks.
- **Anchoring**: a stream with neither an HMAC key nor a matched signed checkpoint is reported
  as `CG-AUDIT-UNANCHORED` (medium; `pci-dss` blocks on it): a re-sealed edit or a tail cut at a
  `log.stop` would look intact. Each stream's `anchor` is in the metrics and the reports.
- **Bad input** (broken JSON, non-objects, huge lines, mixed streams, unknown algorithms, a keyed
  chain without its key, a checkpoint signed by another key) gives findings with file and line;
  a missing log, schema or key variable is an error. Never a pass.

Rule ids and default severities: `compliance_gate/auditlog/rules.py`.

Metrics (for reports): `{"records": int, "files": int, "streams": {name: {"records",
"verified", "unverifiable", "first_seq", "last_seq", "checkpoints_matched", "started",
"stopped", "intact"}}, "chain": "intact" | "broken", "completeness": "checked" | "off" |
"not-configured", "transitions": int}`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from importlib.metadata import version

from compliance_gate.auditlog import setup
from compliance_gate.auditlog.completeness import cross_check
from compliance_gate.auditlog.options import AuditLogOptions
from compliance_gate.auditlog.report import LogReport, Problem
from compliance_gate.auditlog.rules import severity_of
from compliance_gate.auditlog.summary import AuditLogSummary
from compliance_gate.auditlog.verify import unanchored, verify_logs
from compliance_gate.checks.interface import Check, CheckContext, CheckHelp
from compliance_gate.errors import GateError
from compliance_gate.fingerprint import PUBLIC_KEY, stamp
from compliance_gate.model import CheckOutput, Finding, InputRecord, Severity
from compliance_gate.pii.hit import GUESSABLE
from compliance_gate.replay.options import ReplayOptions
from compliance_gate.replay.transitions import Transition, replay_transitions


def engines() -> Mapping[str, str]:
    return {"jsonschema-rs": version("jsonschema_rs"), "orjson": version("orjson")}


def run(ctx: CheckContext[AuditLogOptions]) -> CheckOutput:
    root = ctx.workspace.root
    replay = _replay_options(ctx)
    prepared = setup.prepare(ctx.options, root, replay is not None)
    if prepared.fatal and not prepared.files and prepared.missing and prepared.errors == prepared.missing:
        return _no_logs(ctx, prepared.missing)
    if prepared.fatal:
        return CheckOutput(errors=tuple(prepared.errors), inputs=tuple(prepared.inputs))
    try:
        report = verify_logs(prepared.files, prepared.config)
    except OSError as exc:  # unreadable or corrupt (e.g. bad gzip) input: cannot evaluate
        return CheckOutput(errors=(*prepared.errors, f"cannot read audit log: {exc}"), inputs=tuple(prepared.inputs))
    problems = [*prepared.problems, *report.problems]
    problems.extend(setup.checkpoint_coverage(ctx.options, prepared, report))
    problems.extend(unanchored(report, prepared.config))
    errors = list(prepared.errors)
    completeness, transitions = _completeness(ctx, replay if prepared.completeness else None, report, problems, errors)
    blind = ctx.fingerprints.key == PUBLIC_KEY
    findings = tuple(stamp(ctx.fingerprints, _findings(ctx.check_id, problems, blind)))
    inputs = (
        *prepared.inputs,
        *(
            InputRecord(f.path, f.sha256, rows=f.records, details={"streams": list(f.streams), "gzip": f.compressed})
            for f in report.files
        ),
    )
    counts = Counter(f.rule for f in findings)
    return CheckOutput(
        findings=findings,
        counts={"records": report.records, "streams": len(report.streams), **counts},
        metrics=AuditLogSummary.of(report, completeness, transitions, prepared.config).to_metrics(),
        inputs=tuple(inputs),
        engines=engines(),
        errors=tuple(errors),
    )


NO_LOGS = "CG-AUDIT-NO-LOGS"


def _no_logs(ctx: CheckContext[AuditLogOptions], missing: list[str]) -> CheckOutput:
    """The policy requires audit logs and the repository has none where it says: a FAIL naming the
    key to set (or the rule to waive, with a signed-off reason), not an ERROR: the gate could
    evaluate, and what it found is that a required input is absent."""
    finding = Finding(
        check=ctx.check_id,
        rule=NO_LOGS,
        severity=Severity.CRITICAL,
        message=(
            f"{'; '.join(missing)}: point checks.audit-log.logs at the service's audit logs, or disable the "
            f"check / waive {NO_LOGS} with a signed-off reason if this repository writes none"
        ),
        path=None,
    )
    return CheckOutput(findings=tuple(stamp(ctx.fingerprints, [(finding, NO_LOGS)])), counts={NO_LOGS: 1})


def _replay_options(ctx: CheckContext[AuditLogOptions]) -> ReplayOptions | None:
    section = ctx.policy.checks.get("replay")
    if section is None or not section.enabled or not isinstance(section.options, ReplayOptions):
        return None
    return section.options


def _completeness(
    ctx: CheckContext[AuditLogOptions],
    replay: ReplayOptions | None,
    report: LogReport,
    problems: list[Problem],
    errors: list[str],
) -> tuple[str, int]:
    """Cross-check with the replay when configured; returns (state, transitions seen)."""
    if ctx.options.completeness == "off":
        return "off", 0
    if replay is None:
        return "not-configured", 0
    seen = 0

    def counted() -> Iterator[Transition]:
        nonlocal seen
        for t in replay_transitions(replay, ctx.workspace.root):
            seen += 1
            yield t

    try:
        problems.extend(cross_check(counted(), report.state_changes))
    except GateError as exc:
        errors.append(f"completeness: the replay could not read the recorded events: {exc}")
        return "error", seen
    return "checked", seen


def _findings(check_id: str, problems: Iterable[Problem], blind: bool) -> Iterable[tuple[Finding, str]]:
    """Findings and what their fingerprints are computed from (`blind`: the public default key,
    under which a card number or SSN leaked into a log is fingerprinted by its masked form)."""
    for p in problems:
        props = {k: v for k, v in p.properties.items() if k != "column"}
        column = p.properties.get("column")
        finding = Finding(
            check_id,
            p.rule,
            severity_of(p.rule),
            p.message,
            p.path,
            p.line,
            column if isinstance(column, int) else None,
            excerpt=p.excerpt,
            properties=props,
        )
        yield finding, (p.excerpt or "") if blind and p.rule in GUESSABLE else p.content


CHECK = Check(
    id="audit-log",
    summary="Audit logs: schema, hash chain and checkpoints, no card data or secrets, completeness",
    run=run,
    options=AuditLogOptions,
    engines=engines,
    default_fail_on=Severity.HIGH,
    help=CheckHelp(
        "The audit trail is incomplete, malformed, broken or holds sensitive data.",
        "Restore the missing or altered records from the source, fix the emitter, and re-run.",
    ),
    read_summary=AuditLogSummary.from_metrics,
)

__all__ = ("CHECK", "AuditLogOptions")
