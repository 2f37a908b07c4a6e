"""GitHub workflow-command annotations: escaped, one line each, capped."""

from __future__ import annotations

from dataclasses import replace

import pytest
from render_samples import HOSTILE, sample_verdict

from compliance_gate.model import Finding, Severity, Verdict
from compliance_gate.render import github


def hostile_verdict(verdict: Verdict) -> Verdict:
    bad = Finding(
        "pii",
        "CG-PII-PAN",
        Severity.HIGH,
        HOSTILE + "\r\n::set-output name=verdict::PASS",
        "a,b:c\n::error::x.py",
        3,
        2,
    )
    return replace(verdict, checks=(replace(verdict.checks[0], findings=(bad,)),))


def test_scanned_text_cannot_start_a_workflow_command(verdict: Verdict) -> None:
    """Newlines in messages and paths are escaped, so every output line is one of our commands."""
    text = github.render(hostile_verdict(verdict))
    lines = text.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(("::error ", "::notice ")) for line in lines)
    first = lines[0]
    assert first.startswith("::error file=a%2Cb%3Ac%0A%3A%3Aerror%3A%3Ax.py,line=3,col=2,title=high pii CG-PII-PAN::")
    assert "%0D%0A::set-output" in first and "%250A" in first


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("\r", "%0D", "%0D"),
    ],
)
def test_escaping_rules(raw: str, data: str, prop: str) -> None:
    """Message data escapes %, CR, LF; properties also escape : and ,."""
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_capped_per_level_with_a_summary_notice() -> None:
    """At most 10 errors and 10 warnings (GitHub shows no more), then one notice with totals."""
    text = github.render(sample_verdict(extra_findings=50))
    lines = text.splitlines()
    assert sum(line.startswith("::error file=") for line in lines) == 10
    assert lines[-1].startswith("::notice title=compliance-gate::compliance-gate FAIL: 53 blocking finding(s)")
    assert "annotated the 10 + 1 most severe" in lines[-1]
