"""Golden files: each renderer's output for the sample verdict, byte for byte.

Regenerate after an intended change with `UPDATE_GOLDEN=1 pytest tests/render/test_golden_reports.py`
and review the diff like code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from render_samples import raw_values

from compliance_gate.model import Verdict
from compliance_gate.render import csv, github, html, junit, markdown, sarif

GOLDEN = Path(__file__).parent / "golden"
RENDERERS: dict[str, Callable[[Verdict], str]] = {
    "verdict.md": markdown.render,
    "verdict.html": html.render,
    "verdict.sarif": sarif.render,
    "verdict.junit.xml": junit.render,
    "findings.csv": csv.render,
    "breaks.csv": csv.render_breaks,
    "annotations.txt": github.render,
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_matches_golden_file(verdict: Verdict, name: str) -> None:
    """Each renderer reproduces its reviewed golden file exactly."""
    text = RENDERERS[name](verdict)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(text.encode())
    assert text.encode() == path.read_bytes()


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_no_raw_sensitive_value(verdict: Verdict, name: str) -> None:
    """No output holds the raw card number or secret whose masked forms the findings carry."""
    text = RENDERERS[name](verdict)
    for raw in raw_values():
        assert raw not in text
        assert raw[6:-4] not in text


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_deterministic(verdict: Verdict, name: str) -> None:
    """The same verdict renders to the same bytes."""
    assert RENDERERS[name](verdict) == RENDERERS[name](verdict)
