"""The sign-off report for release managers: one self-contained HTML file.

It opens with the verdict and why, then says what was checked (policy and digest, commit, engine
versions, inputs with digests), what was found (by check, masked excerpts only), which waivers
applied and when they expire, the reconciliation totals per currency (with a small inline SVG
chart), the audit-chain status, the sign-offs required and present, and the commands that verify
the signed verdict. It loads nothing: no scripts, no external styles, fonts or images; a
Content-Security-Policy forbids them anyway, so even an escaping mistake could not run code.

The markup is a Jinja template (`templates/report.html.j2`) with autoescaping on: this module
only gathers values, and every value is escaped where the template writes it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from compliance_gate.model import CheckResult, Status, Verdict
from compliance_gate.render import facts, findings, nextsteps, summaries
from compliance_gate.render.context import ReportContext
from compliance_gate.render.findings import Located
from compliance_gate.render.svg import Chart, totals_chart

MAX_FINDINGS_PER_CHECK = 500
_BETWEEN_TAGS = re.compile(r">\s*\n\s*<")


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell the template marks up: `code`, `muted`, `severity`, `status`, `failed`, `anchor`."""

    kind: str
    value: object


def spaceless(text: str) -> Markup:
    """Join tags that the template put on separate lines (like Django's `spaceless`)."""
    return Markup(_BETWEEN_TAGS.sub("><", str(text)))  # noqa: S704 - the template's own markup, values escaped


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compliance_gate.render", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=lambda value: "" if value is None else value,
    )
    env.filters["spaceless"] = spaceless
    return env.get_template("report.html.j2")


def _facts(verdict: Verdict) -> list[list[object]]:
    s = verdict.source
    rows: list[tuple[str, object]] = [
        ("Repository", s.root),
        ("Commit", s.commit or "(not a git commit)"),
        ("Ref", s.ref or ""),
        ("Uncommitted changes", "yes" if s.dirty else "no"),
        ("Mode", s.mode),
        ("Release range since", f"{s.since or ''} {s.since_commit or ''}".strip()),
        ("Files scanned", s.files),
        ("Policy", f"{verdict.policy.name} ({verdict.policy.path})"),
        ("Policy digest", verdict.policy.digest),
        ("Gate version", verdict.gate_version),
        ("Engines", facts.engines_text(verdict.engines)),
        ("Fingerprint key", verdict.fingerprint_key),
        ("Started", verdict.started.isoformat()),
        ("Finished", verdict.finished.isoformat()),
        ("Valid until", verdict.valid_until.isoformat() if verdict.valid_until else "set when signed"),
    ]
    if s.skipped:
        rows.append(("Skipped files", ", ".join(f"{k}: {v}" for k, v in sorted(s.skipped.items()))))
    return [[k, Cell("code", v)] for k, v in rows]


def _checks(verdict: Verdict) -> list[list[object]]:
    return [
        [
            Cell("anchor", r.check),
            Cell("status", r.status.value),
            len(r.blocking),
            len(r.findings),
            len(r.waived),
            r.fail_on.value,
            facts.engines_text(r.engines),
            f"{r.duration_s:.2f} s",
        ]
        for r in findings.ordered_checks(verdict)
    ]


def _finding_row(x: Located) -> list[object]:
    f = x.finding
    waived = f"waived by {x.waived_by}: {x.waived_reason}" if x.waived_by else ("blocks" if x.blocking else "")
    return [
        Cell("severity", f.severity.value),
        f.rule,
        Cell("code", findings.location(f)),
        f.message,
        Cell("code", f.excerpt) if f.excerpt else "",
        waived,
        Cell("muted", f.fingerprint[:16]),
    ]


@dataclass(frozen=True, slots=True)
class _Section:
    check: str
    status: Cell
    error: str | None
    skipped: str | None
    tables: list[tuple[str, list[str], list[list[object]]]]
    inputs: list[list[object]]
    findings: list[list[object]]
    more: int


def _section(r: CheckResult, items: list[Located]) -> _Section:
    shown = items[:MAX_FINDINGS_PER_CHECK]
    return _Section(
        check=r.check,
        status=Cell("status", r.status.value),
        error=r.error if r.status is Status.ERROR and r.error else None,
        skipped=r.skipped if r.status is Status.SKIPPED else None,
        tables=[(t.title, list(t.columns), [list(row) for row in t.rows]) for t in summaries.tables_of(r)],
        inputs=[[Cell("code", i.path), i.kind, i.rows, Cell("code", i.sha256)] for i in r.inputs],
        findings=[_finding_row(x) for x in shown],
        more=len(items) - len(shown),
    )


def _sections(verdict: Verdict) -> list[_Section]:
    by_check: dict[str, list[Located]] = {}
    for x in findings.located(verdict, include_waived=True):
        by_check.setdefault(x.result.check, []).append(x)
    return [_section(r, by_check.get(r.check, [])) for r in findings.ordered_checks(verdict)]


@dataclass(frozen=True, slots=True)
class _Reconciliation:
    bridges: Sequence[Sequence[object]]
    totals: Sequence[Sequence[object]]
    chart: Chart | None
    metrics: list[list[list[str]]]


@dataclass(frozen=True, slots=True)
class _Audit:
    status: Cell
    chain: str
    css: str
    completeness: str
    metrics: list[list[str]]
    anchor: str
    anchor_css: str


def _reconciliation(verdict: Verdict) -> _Reconciliation | None:
    reconciled = summaries.reconciliations(verdict)
    if not reconciled:
        return None
    totals = [t for r in reconciled for t in r.totals]
    bridges = [
        [
            t.currency,
            b.counterpart,
            summaries.money(b.replay, t.exponent),
            summaries.money(b.other, t.exponent),
            summaries.money(b.difference, t.exponent),
            summaries.money(b.explained, t.exponent),
            Cell("failed", residual) if b.residual else residual,
        ]
        for t in totals
        for b in t.bridges
        for residual in [summaries.money(b.residual, t.exponent)]
    ]
    generic = [[t.currency, name, summaries.money(value, t.exponent)] for t in totals for name, value in t.values]
    metrics = [summaries.metric_rows(r.result.metrics, skip=summaries.SHOWN_ELSEWHERE) for r in reconciled]
    rows = [[list(row) for row in table] for table in metrics if table]
    return _Reconciliation(bridges, generic, totals_chart(totals), rows)


def _audits(verdict: Verdict) -> list[_Audit]:
    return [
        _Audit(
            Cell("status", c.result.status.value),
            c.state,
            "st-passed" if c.state == "intact" else "st-failed",
            c.completeness,
            [list(row) for row in summaries.metric_rows(c.result.metrics)],
            c.anchor_text,
            "st-failed" if c.unanchored else "",
        )
        for c in summaries.chains(verdict)
    ]


@dataclass(frozen=True, slots=True)
class _SignoffState:
    text: str
    css: str


def _signoff_state(verdict: Verdict, context: ReportContext | None) -> _SignoffState | None:
    state = context.signoff if context else None
    if state is None:
        return None
    if state.rejects:
        who = "; ".join(f"{a.who} ({a.role}){': ' + a.comment if a.comment else ''}" for a in state.rejects)
        return _SignoffState(f"BLOCKED: rejected by {who}. A reject vetoes the release.", "st-failed")
    if state.short:
        return _SignoffState(f"BLOCKED: sign-off incomplete ({'; '.join(state.short)}).", "st-failed")
    return _SignoffState("Sign-off complete: every required role approved, no reject.", "st-passed")


def render(verdict: Verdict, context: ReportContext | None = None) -> str:
    """The complete HTML document."""
    signoffs = facts.signoff_rows(verdict, context)
    approvals = context.approvals if context else ()
    steps = nextsteps.next_steps(verdict)
    return _template().render(
        headline=facts.headline(verdict, context),
        signoff_state=_signoff_state(verdict, context),
        ignored=context.signoff.ignored if context and context.signoff else (),
        next=None
        if steps is None
        else {"top": [nextsteps.finding_line(x) for x in steps.top], "more": steps.more, "steps": steps.steps},
        title=f"compliance-gate {verdict.verdict.value}: {verdict.source.commit or verdict.source.root}",
        verdict=verdict.verdict.value,
        blocking=sum(len(r.blocking) for r in verdict.checks),
        check_count=len(verdict.checks),
        provenance=context.provenance if context else None,
        deploy_note=facts.deploy_valid_note(verdict),
        reasons=verdict.reasons,
        facts=_facts(verdict),
        checks=_checks(verdict),
        sections=_sections(verdict),
        waivers=[[w.id, w.state, w.matched, w.expires or "never", w.approver, w.reason] for w in verdict.waivers],
        reconciliation=_reconciliation(verdict),
        audits=_audits(verdict),
        signoffs=[[role, n, have] for role, n, have in signoffs],
        approvals=[[a.role, a.who, a.decision, a.when, a.comment] for a in approvals],
        commands="\n".join(facts.verify_commands(verdict, context)),
        gate_version=verdict.gate_version,
    )
