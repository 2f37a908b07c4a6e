"""CSV exports for auditors: every finding, and the reconciliation breaks.

`render` lists every finding (blocking, below threshold and waived) with its location, masked
excerpt and fingerprint. `render_breaks` lists the replay check's findings with their properties
(both sides' values, currencies, the event ids behind them) spread into columns. Rows are sorted,
so the same verdict gives byte-identical files. Cells that a spreadsheet would run as a formula
(starting with `=`, `+`, `-`, `@`, tab or CR) are prefixed with `'` unless they are plain numbers:
a file name or message from the scanned repository must not execute in an auditor's Excel.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence

from compliance_gate.model import JSONValue, Verdict
from compliance_gate.render import findings, summaries
from compliance_gate.render.context import ReportContext
from compliance_gate.render.findings import Located

FINDING_COLUMNS = (
    "check",
    "rule",
    "severity",
    "status",
    "path",
    "line",
    "column",
    "message",
    "excerpt",
    "fingerprint",
    "waived_by",
    "waiver_reason",
)
BREAK_COLUMNS = ("rule", "severity", "status", "path", "line", "message", "fingerprint")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def cell(value: object) -> str:
    """A CSV cell that spreadsheets show as text, never evaluate."""
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _status(x: Located) -> str:
    return "waived" if x.waived_by is not None else ("blocking" if x.blocking else "reported")


def _write(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


def render(verdict: Verdict, context: ReportContext | None = None) -> str:
    """All findings of all checks, one row each."""
    rows = (
        (
            x.result.check,
            x.finding.rule,
            x.finding.severity.value,
            _status(x),
            x.finding.path,
            x.finding.line,
            x.finding.column,
            x.finding.message,
            x.finding.excerpt,
            x.finding.fingerprint,
            x.waived_by,
            x.waived_reason,
        )
        for x in findings.located(verdict, include_waived=True)
    )
    return _write(FINDING_COLUMNS, rows)


def _flat(props: Mapping[str, JSONValue], prefix: str = "") -> dict[str, JSONValue]:
    """Nested properties as dotted columns (`replay.state`, `report.status`); lists joined by "; "."""
    out: dict[str, JSONValue] = {}
    for key, value in props.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flat(value, name + "."))
        elif isinstance(value, list | tuple):
            out[name] = "; ".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def render_breaks(verdict: Verdict, context: ReportContext | None = None) -> str:
    """The reconciliation breaks (the findings of the check that reconciles money: replay) with
    their properties as extra columns (sorted by name)."""
    reconciling = {r.result.check for r in summaries.reconciliations(verdict)}
    items = [x for x in findings.located(verdict, include_waived=True) if x.result.check in reconciling]
    flat = [_flat(x.finding.properties) for x in items]
    extra = sorted({k for f in flat for k in f} - set(BREAK_COLUMNS))
    rows = (
        (
            x.finding.rule,
            x.finding.severity.value,
            _status(x),
            x.finding.path,
            x.finding.line,
            x.finding.message,
            x.finding.fingerprint,
            *(f.get(k) for k in extra),
        )
        for x, f in zip(items, flat, strict=True)
    )
    return _write((*BREAK_COLUMNS, *extra), rows)
