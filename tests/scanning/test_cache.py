"""The cache's engine versions of our own code."""

from __future__ import annotations

from pathlib import Path

from compliance_gate.scanning.cache import code_version


def test_code_version_follows_the_source(tmp_path: Path) -> None:
    """A detector edited without a hand-bumped number still changes the engine version, so its
    cached results are not served."""
    pkg = tmp_path / "detectors"
    pkg.mkdir()
    (pkg / "cards.py").write_text("RULE = 1\n")
    before = code_version(pkg)
    (pkg / "cards.py").write_text("RULE = 2\n")
    code_version.cache_clear()  # the digest is kept per process: source does not change while it runs
    assert code_version(pkg) != before
