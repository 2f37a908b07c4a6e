"""SARIF 2.1.0: schema-valid, one run per check, what code scanning needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from render_samples import sample_verdict

from compliance_gate.model import Verdict
from compliance_gate.render import sarif


def find_schema() -> Path | None:
    here = Path(__file__).resolve()
    for base in (*here.parents, Path("/work")):
        candidate = base / "shared" / "schemas" / "sarif-2.1.0.schema.json"
        if candidate.is_file():
            return candidate
    return None


SCHEMA = find_schema()


def validate(doc: dict[str, Any]) -> None:
    if SCHEMA is None:
        pytest.skip("the SARIF 2.1.0 schema (shared/schemas) is not beside this checkout")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(doc)


def test_valid_against_the_sarif_schema(verdict: Verdict) -> None:
    """The document validates against the OASIS SARIF 2.1.0 schema."""
    validate(json.loads(sarif.render(verdict)))


def test_capped_document_is_valid_and_counts_omissions() -> None:
    """Results beyond the cap are left out, counted in properties and a notification; still valid."""
    doc = sarif.to_sarif(sample_verdict(extra_findings=300), max_results=100)
    validate(doc)
    pii = next(r for r in doc["runs"] if r["tool"]["driver"]["name"] == "compliance-gate pii")
    assert len(pii["results"]) == 100
    assert pii["properties"]["omitted_results"] == 202
    assert "202 of 302 results left out" in pii["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


def test_one_run_per_check_with_distinct_categories(verdict: Verdict) -> None:
    """Each check is its own run (tool name and automation id), engines listed as extensions."""
    runs = sarif.to_sarif(verdict)["runs"]
    assert [r["automationDetails"]["id"] for r in runs] == [
        f"compliance-gate/{c}/" for c in sorted(r.check for r in verdict.checks)
    ]
    sast = next(r for r in runs if r["automationDetails"]["id"] == "compliance-gate/sast/")
    assert sast["tool"]["extensions"] == [{"name": "bandit", "version": "1.9.4"}]


def test_rules_have_help_and_security_severity(verdict: Verdict) -> None:
    """Every rule has descriptions, help text and a numeric security-severity."""
    for run in sarif.to_sarif(verdict)["runs"]:
        for rule in run["tool"]["driver"]["rules"]:
            assert rule["help"]["text"] and rule["fullDescription"]["text"]
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
    sast = next(r for r in sarif.to_sarif(verdict)["runs"] if r["automationDetails"]["id"] == "compliance-gate/sast/")
    b105 = next(r for r in sast["tool"]["driver"]["rules"] if r["id"] == "B105")
    assert b105["properties"]["security-severity"] == "8.0"
    assert "external/cwe/cwe-259" in b105["properties"]["tags"]


def test_results_locations_and_fingerprints(verdict: Verdict) -> None:
    """Repo-relative, percent-encoded URIs; columns >= 1; our fingerprints; waived = suppressed."""
    results = [res for run in sarif.to_sarif(verdict)["runs"] for res in run["results"]]
    for res in results:
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["endColumn"] >= 1 and loc["region"]["startColumn"] >= 1
        assert len(res["partialFingerprints"]["primaryLocationLineHash"]) == 32
        assert "snippet" not in loc["region"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "src/pay%2Cments%3Acore.py" in uris
    waived = [r for r in results if r.get("suppressions")]
    assert len(waived) == 1 and waived[0]["ruleId"] == "AWSKeyDetector"


def test_levels_follow_blocking(verdict: Verdict) -> None:
    """Blocking findings are errors, below-threshold medium ones warnings, low ones notes."""
    levels = {r["ruleId"]: r["level"] for run in sarif.to_sarif(verdict)["runs"] for r in run["results"]}
    assert levels["CG-PII-PAN"] == "error"
    assert levels["B608"] == "warning"
    assert levels["CG-PII-EMAIL"] == "note"


def test_path_prefix_for_a_scanned_subfolder(verdict: Verdict) -> None:
    """With a path prefix, relative finding paths become repo-relative; the document stays valid."""
    from compliance_gate.render.context import ReportContext

    doc = sarif.to_sarif(verdict, ReportContext(path_prefix="services/pay/"))
    validate(doc)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for run in doc["runs"] for r in run["results"]
    }
    assert "services/pay/src/settings.py" in uris


def test_absolute_path_inside_root_becomes_relative() -> None:
    """An absolute finding path under the repository root is made repo-relative."""
    assert sarif._uri("/work/repo/src/a b.py", "/work/repo") == ("src/a%20b.py", True)
    assert sarif._uri("/elsewhere/x.py", "/work/repo") == ("file:///elsewhere/x.py", False)
