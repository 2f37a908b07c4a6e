"""The terminal summary: the verdict first, then one table per check that found something.

Colours and styles come from rich, which turns them off when the output is not a terminal (and
honours NO_COLOR). Scanned text is never printed: only masked excerpts, and rich markup in them is
escaped so a crafted file name or excerpt cannot restyle the output.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from compliance_gate.model import CheckResult, Outcome, Severity, Status, Verdict
from compliance_gate.render import facts, nextsteps
from compliance_gate.render.summaries import tables_of
from compliance_gate.summary import Table as SummaryTable

MAX_ROWS = 50
_OUTCOME_STYLE = {Outcome.PASS: "bold green", Outcome.FAIL: "bold red", Outcome.ERROR: "bold magenta"}
_STATUS_STYLE = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "magenta", Status.SKIPPED: "dim"}
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(verdict: Verdict, console: Console) -> None:
    console.print(summary_table(verdict))
    for result in verdict.checks:
        if result.findings:
            console.print(findings_table(result))
        for extra in tables_of(result):
            console.print(summary_rows(extra))
    src = verdict.source
    where = f"{src.commit[:12]}{' (dirty)' if src.dirty else ''}" if src.commit else "not a git repository"
    skipped = ", ".join(f"{n} {k}" for k, n in src.skipped.items()) or "none"
    console.print(f"scanned {src.files} files ({src.mode}) at {escape(where)}; skipped: {escape(skipped)}")
    console.print(f"policy {escape(verdict.policy.path)} {verdict.policy.digest[:19]}")
    for w in verdict.waivers:
        if w.state == "expired":
            console.print(f"[yellow]waiver {escape(w.id)} expired on {w.expires}: it no longer applies[/]")
    head = facts.headline(verdict)
    style = _OUTCOME_STYLE[verdict.verdict] if head.label == verdict.verdict.value else "bold yellow"
    label = head.label if head.label == verdict.verdict.value else f"{head.label} (verdict {verdict.verdict.value})"
    lines = [*verdict.reasons, *head.why]
    console.print(f"[{style}]{escape(label)}[/]" + "".join(f"\n  - {escape(r)}" for r in lines))
    steps = nextsteps.next_steps(verdict)
    if steps is not None:
        render_next_steps(steps, console)


def render_next_steps(steps: nextsteps.NextSteps, console: Console) -> None:
    """After a FAIL: the top blocking findings, then how to fix, waive or baseline them."""
    console.print("\n[bold]What to do next[/]")
    for x in steps.top:
        console.print(f"  - {escape(nextsteps.finding_line(x))}", soft_wrap=True)
    if steps.more:
        console.print(f"  ... and {steps.more} more blocking finding(s) above")
    for step in steps.steps:
        console.print(f"[bold]{escape(step.title)}[/]: {escape(step.text)}", soft_wrap=True)
        if step.code:
            console.print("\n".join(f"    {escape(line)}" for line in step.code.splitlines()), soft_wrap=True)


def summary_table(verdict: Verdict) -> Table:
    table = Table(title="compliance-gate", title_justify="left")
    for col in ("check", "status", "blocking", "findings", "waived", "seconds"):
        table.add_column(col, justify="right" if col not in ("check", "status") else "left")
    for r in verdict.checks:
        status = f"[{_STATUS_STYLE[r.status]}]{r.status.value}[/]"
        if r.error:
            status += f" [magenta]{escape(r.error[:120])}[/]"
        elif r.skipped:
            status += f" [dim]{escape(r.skipped[:160])}[/]"
        table.add_row(
            r.check, status, str(len(r.blocking)), str(len(r.findings)), str(len(r.waived)), f"{r.duration_s:.2f}"
        )
    return table


def summary_rows(extra: SummaryTable) -> Table:
    """A table a check's summary asks for (the deps check's vulnerable packages)."""
    table = Table(title=extra.title, title_justify="left")
    for col in extra.columns:
        table.add_column(col, overflow="fold")
    for row in extra.rows[:MAX_ROWS]:
        table.add_row(*(escape(cell) for cell in row))
    if len(extra.rows) > MAX_ROWS:
        table.caption = f"{len(extra.rows) - MAX_ROWS} more in verdict.json"
    return table


def findings_table(result: CheckResult) -> Table:
    table = Table(title=f"{result.check}: findings", title_justify="left")
    for col in ("severity", "rule", "location", "message", "excerpt"):
        table.add_column(col, overflow="fold")
    for f in result.findings[:MAX_ROWS]:
        loc = f"{f.path}:{f.line}" if f.line else (f.path or "")
        sev = f"[{_SEVERITY_STYLE[f.severity]}]{f.severity.value}[/]"
        table.add_row(sev, escape(f.rule), escape(loc), escape(f.message), escape(f.excerpt or ""))
    if len(result.findings) > MAX_ROWS:
        table.caption = f"{len(result.findings) - MAX_ROWS} more in verdict.json"
    return table
