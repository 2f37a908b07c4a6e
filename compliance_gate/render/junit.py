"""JUnit XML: one test case per check, so any CI's test view shows the gate.

A failed check is a `<failure>` listing its blocking findings (masked excerpts only); a check that
could not evaluate is an `<error>`; a skipped check is `<skipped>`. Characters that XML 1.0 cannot
carry (control characters) are replaced, so a hostile file name cannot make the report unparsable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from compliance_gate.model import Status, Verdict
from compliance_gate.render import findings
from compliance_gate.render.context import ReportContext

MAX_LISTED = 200
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: object) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _failure_text(lines: list[str], total: int) -> str:
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more")
    return "\n".join(lines)


def render(verdict: Verdict, context: ReportContext | None = None) -> str:
    """The JUnit XML document (`<testsuites>` with one `<testsuite>`)."""
    checks = sorted(verdict.checks, key=lambda r: r.check)
    counts = {s: sum(1 for r in checks if r.status is s) for s in Status}
    total_time = f"{sum(r.duration_s for r in checks):.3f}"
    attrs = {
        "name": "compliance-gate",
        "tests": str(len(checks)),
        "failures": str(counts[Status.FAILED]),
        "errors": str(counts[Status.ERROR]),
        "skipped": str(counts[Status.SKIPPED]),
        "time": total_time,
    }
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {**attrs, "timestamp": verdict.started.isoformat()})
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", verdict.verdict.value),
        ("policy", verdict.policy.path),
        ("policy_digest", verdict.policy.digest),
        ("commit", verdict.source.commit or ""),
        ("gate_version", verdict.gate_version),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
    for r in checks:
        case = ET.SubElement(
            suite, "testcase", {"classname": "compliance-gate", "name": _clean(r.check), "time": f"{r.duration_s:.3f}"}
        )
        if r.status is Status.FAILED:
            blocking = sorted(r.blocking, key=findings.finding_key)
            lines = [
                _clean(f"{f.severity.value} {f.rule} {findings.location(f)}: {findings.message_with_excerpt(f)}")
                for f in blocking[:MAX_LISTED]
            ]
            el = ET.SubElement(case, "failure", {"message": f"{len(blocking)} blocking finding(s)", "type": "policy"})
            el.text = _failure_text(lines, len(blocking))
        elif r.status is Status.ERROR:
            el = ET.SubElement(case, "error", {"message": _clean(r.error or "could not evaluate"), "type": "error"})
            el.text = _clean(r.error or "")
        elif r.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", {"message": _clean(r.skipped or r.error or "disabled by policy")})
        if r.findings and r.status is not Status.FAILED:
            out = ET.SubElement(case, "system-out")
            out.text = f"{len(r.findings)} finding(s) below the fail_on threshold ({r.fail_on.value})"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
