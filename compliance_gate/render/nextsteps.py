"""What to do after a FAIL: the top blocking findings, then how to fix, waive or baseline them.

Every report that shows a FAIL ends with this (console, Markdown, HTML), so the person who
reads it knows the next command to run: fix the code (each failing check's own advice) and run
again; or accept one finding for a while with a waiver whose stanza is filled in (check, rule,
the finding's fingerprint, an expiry 30 days out: the reason and the approver are left to a
person); or, for a check that has one (secrets, deps), adopt today's findings in a baseline so
only new ones block.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance_gate.model import Outcome, Verdict
from compliance_gate.render import summaries
from compliance_gate.render.findings import Located, located, location, message_with_excerpt

TOP = 5
WAIVER_DAYS = 30


@dataclass(frozen=True, slots=True)
class Step:
    """One way forward: a title, a sentence, and what to paste (a command or YAML), if any."""

    title: str
    text: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class NextSteps:
    top: tuple[Located, ...]
    more: int
    steps: tuple[Step, ...]


def next_steps(verdict: Verdict, top: int = TOP) -> NextSteps | None:
    """The way forward from a FAIL (None for any other outcome, or a FAIL without blocking findings)."""
    if verdict.verdict is not Outcome.FAIL:
        return None
    blocking = [x for x in located(verdict) if x.blocking]
    if not blocking:
        return None
    failed = sorted({x.result.check for x in blocking})
    fixes = " ".join(f"{check}: {summaries.help_of(check).fix}" for check in failed)
    steps = [Step("Fix", f"{fixes} Then run the gate again.", "compliance-gate run .")]
    steps.append(Step("Waive one finding", _waive_text(verdict), waiver_stanza(verdict, blocking[0])))
    for check in failed:
        if adopt := summaries.help_of(check).adopt:
            steps.append(
                Step(
                    f"Baseline ({check})",
                    "Adopt the findings that exist today so that only new ones block; review what it "
                    "accepts (allowances added to the secrets baseline need a security sign-off).",
                    adopt,
                )
            )
    return NextSteps(tuple(blocking[:top]), max(0, len(blocking) - top), tuple(steps))


def _waive_text(verdict: Verdict) -> str:
    where = verdict.policy.path
    if where.startswith("builtin:"):
        where = "your own policy (`compliance-gate init` writes policies/compliance-gate.yaml from the bundled one)"
    return (
        f"Accept the top finding until it expires: add this under `waivers:` in {where}, "
        "with the reason and the approver filled in."
    )


def waiver_stanza(verdict: Verdict, x: Located) -> str:
    """A waiver for exactly this finding (by fingerprint), prefilled but for reason and approver."""
    f = x.finding
    expires = (verdict.finished.date() + dt.timedelta(days=WAIVER_DAYS)).isoformat()
    scope = f"    fingerprint: {f.fingerprint}" if len(f.fingerprint) == 32 else f"    path: {_quoted(f.path or '')}"
    return "\n".join(
        [
            "waivers:",
            f"  - id: W-{f.fingerprint[:8] or 'new'}",
            f"    check: {x.result.check}",
            f"    rule: {_quoted(f.rule)}",
            scope + f"   # {location(f) or 'this finding'}",
            '    reason: "<why this is acceptable, and what will fix it>"',
            '    approver: "<who accepts the risk>"',
            f"    expires: {expires}",
        ]
    )


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def finding_line(x: Located) -> str:
    """One line per top finding: severity, check/rule, where, what (masked)."""
    f = x.finding
    where = location(f) or "-"
    return f"{f.severity.value} {x.result.check}/{f.rule} at {where}: {message_with_excerpt(f)}"
