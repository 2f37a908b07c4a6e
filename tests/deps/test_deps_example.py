"""The bundled example's deps data: its lock file and offline export give exactly the planted finding."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from depsutil import LINUX

from compliance_gate.deps import DepsOptions, advisory_source, audit, read_dependencies
from compliance_gate.deps.osv import parse_time
from compliance_gate.model import Severity

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payments-service"
NOW = max(t for p in (EXAMPLE / "osv").glob("*.json") if (t := parse_time(json.loads(p.read_text())["modified"])))
OPTIONS = DepsOptions(database=Path("osv"), max_age_days=7, target=LINUX)


def test_the_planted_pin_is_the_only_finding() -> None:
    """certifi 2022.12.7 in requirements.txt: GHSA-xqr8-7jwr-rhp7, high, fixed in 2023.7.22, at line 3."""
    deps = read_dependencies(EXAMPLE, OPTIONS)
    assert (deps.kind, deps.path, len(deps.packages)) == ("requirements", "requirements.txt", 6)
    result = audit(deps, advisory_source(EXAMPLE, OPTIONS), OPTIONS, now=NOW + timedelta(days=1))
    (vuln,) = result.vulnerabilities
    assert (vuln.package, vuln.version, vuln.advisory, vuln.fixed_in) == (
        "certifi",
        "2022.12.7",
        "GHSA-xqr8-7jwr-rhp7",
        "2023.7.22",
    )
    assert (vuln.severity, vuln.path, vuln.line) == (Severity.HIGH, "requirements.txt", 3)
    assert set(vuln.aliases) == {"PYSEC-2023-135", "CVE-2023-37920"}
    assert result.errors == () and result.source.records == 9


def test_the_fixed_copy_has_no_finding(tmp_path: Path) -> None:
    """fix.py upgrades certifi as `uv pip compile -P certifi` would: nothing is affected any more."""
    dest = tmp_path / "fixed"
    subprocess.run([sys.executable, str(EXAMPLE / "fix.py"), str(dest)], check=True, capture_output=True)
    deps = read_dependencies(dest, OPTIONS)
    assert ("certifi", "2026.10.19.post1") in {(p.name, p.version) for p in deps.packages}
    result = audit(deps, advisory_source(dest, OPTIONS), OPTIONS, now=NOW + timedelta(days=1))
    assert result.vulnerabilities == () and result.errors == ()
