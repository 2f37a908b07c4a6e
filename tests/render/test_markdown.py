"""The Markdown step summary: verdict first, escaped, capped under GitHub's 1 MiB."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from render_samples import HOSTILE, sample_verdict

from compliance_gate.model import Finding, Outcome, Severity, Verdict
from compliance_gate.render import markdown
from compliance_gate.render.context import ReportContext

GITHUB_LIMIT = 1024 * 1024


@pytest.mark.parametrize(
    ("outcome", "heading"),
    [
        (Outcome.PASS, "## ✅ compliance-gate: PASS"),
        (Outcome.FAIL, "## ❌ compliance-gate: FAIL"),
        (Outcome.ERROR, "## ⚠️ compliance-gate: ERROR"),
    ],
)
def test_verdict_is_the_first_line(verdict: Verdict, outcome: Outcome, heading: str) -> None:
    """The first line names the outcome (a PASS that needs no sign-off here)."""
    first = markdown.render(replace(verdict, verdict=outcome, required_signoffs={})).splitlines()[0]
    assert first == heading


def test_hostile_text_cannot_add_markup(verdict: Verdict) -> None:
    """A finding's message cannot add HTML, links, emphasis or table cells."""
    text = markdown.render(verdict)
    row = next(line for line in text.splitlines() if "CG-PII-EMAIL" in line)
    assert "<script>" not in text and "](http" not in text and "**bold**" not in text
    assert row.count("|") == 7  # six cells: the message's own `|` is an entity
    assert "&#60;script&#62;" in row


def test_ten_thousand_findings_stay_under_the_limit_and_are_counted() -> None:
    """10,000 findings: the summary is capped, under 1 MiB, and counts what it left out."""
    v = sample_verdict(extra_findings=10_000)
    text = markdown.render(v)
    size = len(text.encode())
    assert size < GITHUB_LIMIT
    total = sum(len(r.findings) for r in v.checks)
    assert f"showing {markdown.MAX_FINDINGS} of {total}" in text
    assert f"{total - markdown.MAX_FINDINGS} more finding(s) not shown, by rule" in text
    assert re.search(r"\| pii/CG-PII-PAN \| 9\d{3} \|", text)


def test_byte_budget_holds_with_huge_messages() -> None:
    """Even with rows of maximal length and a large row cap, the byte budget holds."""
    v = sample_verdict(extra_findings=5_000)
    long = replace(
        v,
        checks=tuple(
            replace(r, findings=tuple(replace(f, message="x" * 5000, path="p/" * 200) for f in r.findings))
            for r in v.checks
        ),
    )
    text = markdown.render(long, max_findings=100_000, max_bytes=200_000)
    assert len(text.encode()) <= 200_000
    assert "more finding(s) not shown" in text


def test_provenance_and_partial_run_are_said(verdict: Verdict) -> None:
    """An unverified envelope and a partial run are stated near the top."""
    ctx = ReportContext(provenance="Decoded from verdict.dsse.json: signature NOT verified")
    text = markdown.render(replace(verdict, complete=False), ctx)
    head = "\n".join(text.splitlines()[:8])
    assert "signature NOT verified" in head
    assert "never valid for a deploy" in head


def test_no_findings_says_so(verdict: Verdict) -> None:
    """A clean verdict says there are no findings rather than showing an empty table."""
    clean = replace(verdict, verdict=Outcome.PASS, checks=tuple(replace(r, findings=()) for r in verdict.checks))
    assert "No findings." in markdown.render(clean)


def test_escape_collapses_lines() -> None:
    """Escaped text is always a single line."""
    assert "\n" not in markdown.escape(HOSTILE)


def test_blocking_severity_is_bold(verdict: Verdict) -> None:
    """Blocking findings are marked; findings below the threshold are not."""
    f = Finding("sast", "B101", Severity.LOW, "assert used", "a.py", 1)
    v = replace(verdict, checks=(replace(verdict.checks[0], findings=(f,)),))
    assert "| low | pii | B101 |" in markdown.render(v)
