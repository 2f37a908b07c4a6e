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
