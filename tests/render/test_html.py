"""The HTML sign-off report: self-contained, escaped, complete."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import FLAGS, require_browser
from render_samples import sample_verdict

from compliance_gate.model import Verdict
from compliance_gate.render import html
from compliance_gate.render.context import Approval, ReportContext

URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background"}


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in URL_ATTRS]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> Collector:
    c = Collector()
    c.feed(text)
    c.close()
    return c


def test_self_contained_and_no_script(verdict: Verdict) -> None:
    """No scripts, no external resources: only in-page anchors; a CSP forbids loading anything."""
    doc = html.render(verdict)
    c = parse(doc)
    assert "script" not in c.tags and "iframe" not in c.tags and "img" not in c.tags and "link" not in c.tags
    assert all(u.startswith("#") for u in c.urls), c.urls
    assert "url(" not in doc and "@import" not in doc
    assert "default-src 'none'" in doc


def test_hostile_text_is_escaped(verdict: Verdict) -> None:
    """A message full of markup shows as text."""
    doc = html.render(verdict)
    assert "<script>alert(1)</script>" in "".join(parse(doc).text)
    assert "<script>" not in doc


@pytest.mark.parametrize(
    "needle",
    [
        "Verdict: FAIL",
        "c0ffee" * 10 + "abcd",
        "bandit 1.9.4",
        "detect-secrets 1.5.0",
        "9f" * 20,
        "453971******0006",
        "W-3",
        "2024-12-31",
        "expired",
        "payments-lead",
        "security",
        "compliance-gate verify verdict.dsse.json",
        "Audit-log chain",
        "intact",
        "Reconciliation",
        "12,345.00",
        "9,975.00",
        "99,000",
        "git diff failed",
        "ab" * 32,
    ],
)
def test_sections_present(verdict: Verdict, needle: str) -> None:
    """Verdict, policy digest, engines, masked excerpts, waivers, totals, audit, sign-offs, verify."""
    assert needle in "".join(parse(html.render(verdict)).text)


@pytest.mark.parametrize(
    ("metrics", "state"), [({"chain": "intact"}, "intact"), ({"chain": "broken"}, "broken"), ({}, "not reported")]
)
def test_audit_chain_state_comes_from_the_check(verdict: Verdict, metrics: dict[str, str], state: str) -> None:
    """The audit-chain line shows what the audit-log check measured, never a guess."""
    audit = next(r for r in verdict.checks if r.check == "audit-log")
    doc = html.render(replace(verdict, checks=(replace(audit, metrics=metrics),)))
    assert "hash chain: <strong" in doc and f">{state}</strong>" in doc


def test_svg_chart_per_currency(verdict: Verdict) -> None:
    """Reconciliation totals get an inline SVG with one group per currency and a bar per total."""
    c = parse(html.render(verdict))
    assert c.tags.count("svg") == 1
    assert c.tags.count("rect") == 6
    assert "EUR" in c.text and "JPY" in c.text


def test_unexplained_residual_is_flagged(verdict: Verdict) -> None:
    """A bridge with an unexplained residual shows it in red; a zero residual does not."""
    doc = html.render(verdict)
    assert '<span class="st-failed">25.00</span>' in doc
    assert '<span class="st-failed">0.00</span>' not in doc


def test_generic_totals_shape(verdict: Verdict) -> None:
    """Totals in an unknown shape (currency -> {name: amount}) are still tabled and drawn."""
    replay = next(r for r in verdict.checks if r.check == "replay")
    other = replace(replay, metrics={"totals": {"USD": {"gross": 500, "net": "-200"}}})
    doc = html.render(replace(verdict, checks=(other,)))
    assert "gross" in doc and "-200" in doc and doc.count("<rect") == 2


def test_no_replay_no_reconciliation_section(verdict: Verdict) -> None:
    """Without a replay check there is no reconciliation section (rather than an empty one)."""
    v = replace(verdict, checks=tuple(r for r in verdict.checks if r.check != "replay"))
    assert "Reconciliation" not in html.render(v)


def test_approvals_and_provenance(verdict: Verdict) -> None:
    """Supplied approvals are listed and counted; an unverified envelope is flagged."""
    ctx = ReportContext(
        provenance="signature NOT verified", approvals=(Approval("security", "ann", "approve", "2025-03-02", "ok"),)
    )
    cells = parse(html.render(verdict, ctx)).text
    assert "signature NOT verified" in "".join(cells)
    assert "ann" in cells  # a cell of its own: "ann" alone is a substring of "Files scanned"


def test_large_verdict_caps_rows() -> None:
    """A check with thousands of findings lists a capped number and counts the rest."""
    doc = html.render(sample_verdict(extra_findings=2_000))
    assert "more finding(s): see the JSON verdict" in doc
    assert doc.count("<tr>") < 2_000


def test_renders_in_headless_chromium(verdict: Verdict, tmp_path: Path) -> None:
    """The report opens in a real browser and produces a screenshot (under CI it never skips)."""
    chromium = require_browser()
    page = tmp_path / "report.html"
    page.write_text(html.render(verdict), encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
