"""JUnit XML (one test case per check) and the auditors' CSV exports."""

from __future__ import annotations

import csv as stdcsv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from compliance_gate.model import Finding, Severity, Status, Verdict
from compliance_gate.render import csv, junit


def parse_xml(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own renderer's output, not untrusted input


def test_junit_one_testcase_per_check(verdict: Verdict) -> None:
    """Each check is one test case; failed, error and passed map to failure, error and nothing."""
    root = parse_xml(junit.render(verdict))
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {r.check for r in verdict.checks}
    assert cases["pii"].find("failure") is not None
    assert cases["change-scope"].find("error") is not None
    assert list(cases["secrets"]) == []
    assert root.get("failures") == "3" and root.get("errors") == "1" and root.get("tests") == "6"


def test_junit_survives_control_characters(verdict: Verdict) -> None:
    """A path with control characters still yields well-formed XML."""
    bad = Finding("pii", "CG-PII-PAN", Severity.HIGH, "msg \x00\x1b[31m", "a\x07b.py", 1)
    v = replace(verdict, checks=(replace(verdict.checks[0], status=Status.FAILED, findings=(bad,)),))
    failure = parse_xml(junit.render(v)).find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None and "\ufffd" in failure.text


def test_junit_skipped(verdict: Verdict) -> None:
    """A skipped check is a skipped test case."""
    v = replace(verdict, checks=(replace(verdict.checks[1], status=Status.SKIPPED),))
    assert parse_xml(junit.render(v)).find("testsuite/testcase/skipped") is not None


def rows(text: str) -> list[dict[str, str]]:
    return list(stdcsv.DictReader(io.StringIO(text, newline="")))


def test_findings_csv_has_every_finding(verdict: Verdict) -> None:
    """Blocking, reported and waived findings each get one row with their status."""
    table = rows(csv.render(verdict))
    assert len(table) == sum(len(r.findings) + len(r.waived) for r in verdict.checks)
    assert {r["status"] for r in table} == {"blocking", "reported", "waived"}
    waived = next(r for r in table if r["status"] == "waived")
    assert waived["waived_by"] == "W-7" and waived["excerpt"].startswith("sk_***")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1+2", "'+1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("-2500", "-2500"),
        ("-12.50", "-12.50"),
        ("plain", "plain"),
        (None, ""),
        (12, "12"),
    ],
)
def test_formula_injection_is_neutralised(value: object, expected: str) -> None:
    """Cells a spreadsheet would evaluate are prefixed with a quote; plain numbers stay numbers."""
    assert csv.cell(value) == expected


def test_breaks_csv_spreads_properties(verdict: Verdict) -> None:
    """Reconciliation breaks carry both sides' values and event ids as columns."""
    (row,) = rows(csv.render_breaks(verdict))
    assert row["rule"] == "CG-REC-REPORT-BEHIND"
    assert row["payment_id"] == "pay_0042" and row["report.status"] == "pending"
    assert row["replay.state"] == "succeeded" and row["amount_minor"] == "12999"
    assert row["events"] == "evt_1 (data/events.jsonl:10); evt_2 (data/events.jsonl:1042)"


@pytest.mark.parametrize(
    ("amount", "exponent", "text"),
    [
        (1003816, 2, "10,038.16"),
        (-2500, 2, "-25.00"),
        (493481, 0, "493,481"),
        (5, 3, "0.005"),
        (7, None, "7"),
    ],
)
def test_money_formatting(amount: int, exponent: int | None, text: str) -> None:
    """Minor units are shown as exact decimal amounts with the currency's exponent."""
    from compliance_gate.render.summaries import money

    assert money(amount, exponent) == text
