"""Fixtures for the renderer tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from render_samples import sample_verdict

from compliance_gate.model import Verdict


@pytest.fixture
def verdict() -> Verdict:
    """A FAIL verdict touching every section of every report."""
    return sample_verdict()
