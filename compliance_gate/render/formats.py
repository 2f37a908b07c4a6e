"""The report formats by name (a literal dict), with the file name each is written to.

`run --format` and `report --format` both read this table, so a format added here is available
in both places, and the Action finds its files under the same names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from compliance_gate.errors import UsageError
from compliance_gate.model import Verdict
from compliance_gate.render import csv, github, html, junit, markdown, sarif
from compliance_gate.render import json as json_render
from compliance_gate.render.context import ReportContext

Renderer = Callable[[Verdict, ReportContext | None], str]


@dataclass(frozen=True, slots=True)
class Format:
    filename: str
    render: Renderer
    summary: str


def _json(verdict: Verdict, context: ReportContext | None = None) -> str:
    return json_render.render(verdict)


FORMATS: dict[str, Format] = {
    "json": Format("verdict.json", _json, "the verdict's stable JSON form"),
    "markdown": Format("summary.md", markdown.render, "Markdown summary (GitHub step summary, PR comment)"),
    "html": Format("report.html", html.render, "self-contained HTML sign-off report"),
    "sarif": Format("verdict.sarif", sarif.render, "SARIF 2.1.0 for code scanning"),
    "junit": Format("junit.xml", junit.render, "JUnit XML, one test case per check"),
    "csv": Format("findings.csv", csv.render, "CSV of every finding"),
    "csv-breaks": Format("breaks.csv", csv.render_breaks, "CSV of the reconciliation breaks"),
    "github": Format("annotations.txt", github.render, "GitHub Actions ::error/::warning annotations"),
}


def parse_formats(text: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """`"html,sarif"` -> ("html", "sarif"); unknown names are usage errors listing the known ones."""
    allowed = {*FORMATS, *extra}
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise UsageError(f"--format {text!r}: expected a comma-separated list of {', '.join(sorted(allowed))}")
    return names


def write_reports(
    verdict: Verdict, out_dir: Path, names: Iterable[str], context: ReportContext | None = None
) -> dict[str, Path]:
    """Write each named report into `out_dir` under its file name; return name -> path."""
    written: dict[str, Path] = {}
    for name in names:
        fmt = FORMATS[name]
        path = out_dir / fmt.filename
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(fmt.render(verdict, context), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write the {name} report ({exc.strerror})") from None
        written[name] = path
    return written
