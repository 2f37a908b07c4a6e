"""What `pip install compliance-gate` pulls, and what the package ships."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_default_install_is_lean() -> None:
    """A pre-commit hook installs the default dependencies: no pandas, no DuckDB/SQLAlchemy/maxminddb."""
    default = _names(PROJECT["dependencies"])
    assert not default & {"pandas", "duckdb", "sqlalchemy", "maxminddb"}
    assert _names(PROJECT["optional-dependencies"]["replay"]) == {"duckdb", "sqlalchemy", "maxminddb"}
    assert "pandas" not in _names([r for extra in PROJECT["optional-dependencies"].values() for r in extra])


def test_engines_are_ranges_with_a_lower_bound() -> None:
    """bandit and detect-secrets are ranges (tested at both ends by .ci/run), never exact pins."""
    engines = [r for r in PROJECT["dependencies"] if r.startswith(("bandit", "detect-secrets"))]
    assert len(engines) == 2
    assert all(re.fullmatch(r"[a-z-]+>=[\d.]+,<[\d.]+", r) for r in engines), engines


def test_license_ships_and_the_version_is_written_once() -> None:
    """The Apache-2.0 text ships as LICENSE; the version lives in compliance_gate/version.py only."""
    import importlib.metadata

    from compliance_gate import __version__

    license_text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert PROJECT["license"] == "Apache-2.0" and "LICENSE" in PROJECT["license-files"]
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert importlib.metadata.version("compliance-gate") == __version__
    assert any(c.startswith("Development Status") for c in PROJECT["classifiers"])
