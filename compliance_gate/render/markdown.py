"""Markdown report: the GitHub step summary and a PR comment.

The verdict comes first, then why, then one row per check, then the findings (most severe first),
waivers, sign-offs and the commands that verify the signed verdict. `$GITHUB_STEP_SUMMARY` takes
at most 1 MiB per step, so the findings table is capped (`max_findings` rows) and the document is
kept under `max_bytes`; what is left out is counted by rule, never silently dropped.

Every piece of scanned text (messages, paths, excerpts) is entity-escaped: a finding cannot add
links, images, HTML or table cells to the summary.
"""

from __future__ import annotations

from compliance_gate.model import Outcome, Status, Verdict
from compliance_gate.render import facts, findings, nextsteps, summaries
from compliance_gate.render.context import ReportContext
from compliance_gate.render.findings import Located

MAX_BYTES = 1_000_000
"""Under GitHub's 1 MiB (1,048,576 bytes) step-summary limit, with room for other steps' lines."""
MAX_FINDINGS = 200
MAX_CELL = 300

ICON = {Outcome.PASS: "✅", Outcome.FAIL: "❌", Outcome.ERROR: "⚠️"}
HEADLINE_ICON = {facts.PARTIAL: "🟡", facts.BLOCKED: "⛔", facts.AWAITING: "🟡"}
STATUS_ICON = {Status.PASSED: "✅", Status.FAILED: "❌", Status.ERROR: "⚠️", Status.SKIPPED: "⏭️"}
_ESCAPED = {c: f"&#{ord(c)};" for c in "&<>|\\`*_[]~#!@"}


def escape(text: object, limit: int = MAX_CELL) -> str:
    """Inline-safe Markdown: one line, every syntax character an HTML entity, length capped."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return escape_block(s)


def code(text: object, limit: int = MAX_CELL) -> str:
    return f"<code>{escape(text, limit)}</code>"


def _header(verdict: Verdict, context: ReportContext | None) -> list[str]:
    s = verdict.source
    blocking = sum(len(r.blocking) for r in verdict.checks)
    head = facts.headline(verdict, context)
    title = head.label if head.label == verdict.verdict.value else f"{head.label} (verdict: {verdict.verdict.value})"
    lines = [f"## {HEADLINE_ICON.get(head.label, ICON[verdict.verdict])} compliance-gate: {title}", ""]
    if head.why:
        lines += [f"> **{escape(why, 500)}**" for why in head.why] + [""]
    if context and context.provenance:
        lines += [f"> **{escape(context.provenance)}**", ""]
    items = [
        f"**{blocking}** blocking finding(s)",
        f"policy {code(verdict.policy.name or verdict.policy.path)} ({code(facts.short(verdict.policy.digest))})",
    ]
    if s.commit:
        items.append(f"commit {code(s.commit[:12])}" + (f" on {code(s.ref)}" if s.ref else ""))
    if s.since:
        items.append(f"since {code(s.since)}")
    items += [f"{s.files} file(s), mode {code(s.mode)}", f"gate {escape(verdict.gate_version)}"]
    lines += [" · ".join(items), ""]
    note = facts.deploy_valid_note(verdict)
    if note:
        lines += [f"> {escape(note)}", ""]
    if verdict.reasons:
        shown = verdict.reasons[:50]
        lines += [f"- {escape(r, 500)}" for r in shown]
        if len(verdict.reasons) > len(shown):
            lines.append(f"- … and {len(verdict.reasons) - len(shown)} more reason(s)")
        lines.append("")
    return lines


def _checks(verdict: Verdict) -> list[str]:
    lines = ["| Check | Status | Blocking | Findings | Waived | Engines | Time |", "|---|---|--:|--:|--:|---|--:|"]
    for r in findings.ordered_checks(verdict):
        status = f"{STATUS_ICON[r.status]} {r.status.value}"
        lines.append(
            f"| {escape(r.check)} | {status} | {len(r.blocking)} | {len(r.findings)} | {len(r.waived)} "
            f"| {escape(facts.engines_text(r.engines))} | {r.duration_s:.1f} s |"
        )
    errors = [r for r in verdict.checks if r.status is Status.ERROR and r.error]
    lines.append("")
    lines += [f"- **{escape(r.check)}** could not evaluate: {escape(r.error, 500)}" for r in errors]
    skipped = [r for r in verdict.checks if r.status is Status.SKIPPED and r.skipped]
    lines += [f"- **{escape(r.check)}** skipped: {escape(r.skipped, 500)}" for r in skipped]
    return [*lines, ""] if errors or skipped else lines


def _tables(verdict: Verdict) -> list[str]:
    """The tables checks' summaries ask for (the deps check's vulnerable packages), capped."""
    out: list[str] = []
    for r in verdict.checks:
        for table in summaries.tables_of(r):
            out += [f"### {escape(table.title)}", ""]
            out.append("| " + " | ".join(escape(c) for c in table.columns) + " |")
            out.append("|" + "---|" * len(table.columns))
            out += ["| " + " | ".join(escape(c) for c in row) + " |" for row in table.rows[:MAX_FINDINGS]]
            if len(table.rows) > MAX_FINDINGS:
                out.append(f"\n… {len(table.rows) - MAX_FINDINGS} more row(s) in the JSON verdict.")
            out.append("")
    return out


def _row(x: Located) -> str:
    f = x.finding
    sev = f"**{f.severity.value}**" if x.blocking else f.severity.value
    excerpt = code(f.excerpt, 80) if f.excerpt else ""
    return (
        f"| {sev} | {escape(x.result.check)} | {escape(f.rule)} | {escape(findings.location(f))} "
        f"| {escape(f.message)} | {excerpt} |"
    )


def _findings(items: list[Located], max_findings: int, budget: int) -> list[str]:
    if not items:
        return ["No findings.", ""]
    head = ["| Severity | Check | Rule | Location | Message | Excerpt |", "|---|---|---|---|---|---|"]
    rows: list[str] = []
    used = sum(len(h) + 1 for h in head)
    for x in items[:max_findings]:
        row = _row(x)
        if used + len(row.encode()) + 1 > budget:
            break
        rows.append(row)
        used += len(row.encode()) + 1
    title = (
        f"### Findings ({len(items)})"
        if len(rows) == len(items)
        else (f"### Findings (showing {len(rows)} of {len(items)}, most severe first)")
    )
    out = [title, "", *head, *rows, ""]
    rest = items[len(rows) :]
    if rest:
        out += [
            f"<details><summary>{len(rest)} more finding(s) not shown, by rule</summary>",
            "",
            "| Check/rule | Count |",
            "|---|--:|",
        ]
        counts = findings.rule_counts(rest)
        out += [f"| {escape(rule)} | {n} |" for rule, n in counts[:100]]
        if len(counts) > 100:
            out.append(f"| … {len(counts) - 100} more rule(s) | {sum(n for _, n in counts[100:])} |")
        out += ["", "The full list is in the JSON verdict, the SARIF file and the HTML report.", "</details>", ""]
    return out


def _reconciliation(verdict: Verdict) -> list[str]:
    bridged = [t for t in summaries.reconciliation_totals(verdict) if t.bridges]
    if not bridged:
        return []
    out = [
        "### Reconciliation",
        "",
        "| Currency | Compared with | Replayed events | Counterpart | Unexplained residual |",
        "|---|---|--:|--:|--:|",
    ]
    for t in bridged:
        for b in t.bridges:
            residual = summaries.money(b.residual, t.exponent)
            out.append(
                f"| {escape(t.currency)} | {escape(b.counterpart)} | {summaries.money(b.replay, t.exponent)} "
                f"| {summaries.money(b.other, t.exponent)} | {f'**{residual}**' if b.residual else residual} |"
            )
    return [*out, ""]


def _tail(verdict: Verdict, context: ReportContext | None) -> list[str]:
    out: list[str] = _tables(verdict) + _reconciliation(verdict)
    waived = sum(len(r.waived) for r in verdict.checks)
    if verdict.waivers or waived:
        out += [
            f"### Waivers ({waived} finding(s) waived)",
            "",
            "| Waiver | State | Matched | Expires | Approver | Reason |",
            "|---|---|--:|---|---|---|",
        ]
        out += [
            f"| {escape(w.id)} | {escape(w.state)} | {w.matched} | {escape(w.expires or 'never')} "
            f"| {escape(w.approver)} | {escape(w.reason)} |"
            for w in verdict.waivers[:100]
        ]
        out.append("")
    out += _signoffs(verdict, context)
    out += _chains(verdict)
    out += _next(verdict)
    commands = "\n".join(facts.verify_commands(verdict, context))
    out += ["### Verify before deploying", "", f"<pre><code>{escape_block(commands)}</code></pre>", ""]
    return out


def _signoffs(verdict: Verdict, context: ReportContext | None) -> list[str]:
    """Required roles, then the state `verify` would compute and every counted decision."""
    out: list[str] = []
    rows = facts.signoff_rows(verdict, context)
    if rows:
        out += ["### Sign-offs required", "", "| Role | Required | Approved |", "|---|--:|--:|"]
        out += [f"| {escape(role)} | {n} | {have} |" for role, n, have in rows]
        out.append("")
    state = context.signoff if context else None
    if state is not None:
        if state.rejects:
            out.append("**BLOCKED: rejected** (a reject vetoes the release)")
        elif state.short:
            out.append(f"**BLOCKED: sign-off incomplete** ({escape('; '.join(state.short))})")
        else:
            out.append("Sign-off complete: every required role approved, no reject.")
        out.append("")
    approvals = context.approvals if context else ()
    if approvals:
        out += ["| Role | Who | Decision | When | Comment |", "|---|---|---|---|---|"]
        out += [
            f"| {escape(a.role)} | {escape(a.who)} | {'**reject**' if a.decision == 'reject' else escape(a.decision)} "
            f"| {escape(a.when)} | {escape(a.comment)} |"
            for a in approvals[:100]
        ]
        out.append("")
    if state is not None and state.ignored:
        out += [f"- not counted: {escape(i)}" for i in state.ignored[:20]] + [""]
    return out


def _chains(verdict: Verdict) -> list[str]:
    return [
        f"Audit-log chain ({escape(c.result.check)}): **{escape(c.state)}**, anchored by {escape(c.anchor_text)}"
        for c in summaries.chains(verdict)
    ] + ([""] if summaries.chains(verdict) else [])


def _next(verdict: Verdict) -> list[str]:
    steps = nextsteps.next_steps(verdict)
    if steps is None:
        return []
    out = ["### What to do next", "", "Top blocking finding(s):", ""]
    out += [f"{i}. {escape(nextsteps.finding_line(x), 500)}" for i, x in enumerate(steps.top, 1)]
    if steps.more:
        out.append(f"\n… and {steps.more} more blocking finding(s) above.")
    out.append("")
    for step in steps.steps:
        out += [f"**{escape(step.title)}**: {escape(step.text, 1000)}", ""]
        if step.code:
            out += [f"<pre><code>{escape_block(step.code)}</code></pre>", ""]
    return out


def escape_block(text: str) -> str:
    return "".join(_ESCAPED.get(c, c) for c in text)


def render(
    verdict: Verdict,
    context: ReportContext | None = None,
    *,
    max_findings: int = MAX_FINDINGS,
    max_bytes: int = MAX_BYTES,
) -> str:
    """The Markdown summary, never longer than `max_bytes` UTF-8 bytes."""
    top = _header(verdict, context) + _checks(verdict)
    tail = _tail(verdict, context)
    fixed = sum(len(line.encode()) + 1 for line in top + tail)
    # The by-rule table and section title need room too; 16 KiB covers 100 rules of long names.
    budget = max(0, max_bytes - fixed - 16_384)
    body = _findings(findings.located(verdict), max_findings, budget)
    text = "\n".join(top + body + tail)
    encoded = text.encode()
    if len(encoded) > max_bytes:  # only with pathological reasons or waivers lists
        note = "\n\n… (summary truncated to fit the step-summary limit)\n"
        cut = encoded[: max_bytes - len(note.encode())].decode(errors="ignore")
        text = cut[: cut.rfind("\n")] + note
    return text
