"""GitHub Actions annotations (`::error file=...::message`) for the most severe findings.

Each finding becomes exactly one workflow-command line: `%`, CR and LF are escaped in the message,
and additionally `:` and `,` in properties (file, title), so nothing from a scanned file can end
the command early or start a new one (`::add-mask::`, `::set-output`, `::stop-commands::`...).
GitHub shows at most 10 error and 10 warning annotations per step, so only the most severe of
each level are emitted, followed by one notice with the totals.
"""

from __future__ import annotations

from compliance_gate.model import Verdict
from compliance_gate.render import findings
from compliance_gate.render.context import ReportContext, prefixed

PER_LEVEL = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={int(line)}")
            if col:
                props.append(f"col={int(col)}")
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{level} " + ",".join(props) if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def render(verdict: Verdict, context: ReportContext | None = None, *, per_level: int = PER_LEVEL) -> str:
    lines: list[str] = []
    emitted = {"error": 0, "warning": 0}
    totals = {"error": 0, "warning": 0}
    for x in findings.located(verdict):
        level = findings.level(x)
        if level == "note":
            continue  # low and info findings are not annotated
        totals[level] += 1
        if emitted[level] >= per_level:
            continue
        emitted[level] += 1
        f = x.finding
        lines.append(
            annotation(
                level,
                findings.message_with_excerpt(f),
                file=prefixed(f.path, context),
                line=f.line,
                col=f.column,
                title=f"{f.severity.value} {x.result.check} {f.rule}",
            )
        )
    for r in verdict.checks:
        if r.error:
            lines.append(annotation("error", f"{r.check} could not evaluate: {r.error}", title="compliance-gate"))
    summary = (
        f"compliance-gate {verdict.verdict.value}: {totals['error']} blocking finding(s), "
        f"{totals['warning']} warning(s)"
    )
    if totals["error"] > emitted["error"] or totals["warning"] > emitted["warning"]:
        summary += f"; annotated the {emitted['error']} + {emitted['warning']} most severe (see the step summary)"
    lines.append(annotation("notice", summary, title="compliance-gate"))
    return "\n".join(lines) + "\n"
