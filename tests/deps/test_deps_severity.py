"""Severity: the CVSS vector (scored by the `cvss` library), else the database's severity, else `unrated`."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from depsutil import OSV_DIR

from compliance_gate.deps.osv import Advisory, parse_advisory
from compliance_gate.deps.severity import rate, score_vector
from compliance_gate.model import Severity


def _advisory(ident: str) -> Advisory:
    return parse_advisory(json.loads((OSV_DIR / f"{ident}.json").read_text()))


@pytest.mark.parametrize(
    ("ident", "severity", "score"),
    [
        ("GHSA-x84v-xcm2-53pg", Severity.HIGH, 7.5),
        ("GHSA-j8r2-6x86-q33q", Severity.MEDIUM, 6.1),
        ("GHSA-jfhm-5ghh-2f97", Severity.CRITICAL, 9.1),
        ("PYSEC-2023-212", Severity.MEDIUM, 4.2),
        ("GHSA-w596-4wvx-j9j6", Severity.MEDIUM, 5.3),
        ("GHSA-xqr8-7jwr-rhp7", Severity.HIGH, 7.5),
    ],
)
def test_cvss_vectors_of_real_advisories(ident: str, severity: Severity, score: float) -> None:
    """The record's CVSS v3.1 vector gives the severity and base score, and the basis names it."""
    rating = rate([_advisory(ident)], Severity.HIGH)
    assert (rating.severity, rating.score) == (severity, score)
    assert rating.basis == f"CVSS:3.1 base score {score} ({ident})"


def test_aliases_that_disagree_take_the_highest() -> None:
    """GHSA-jfhm rates CVE-2023-49083 critical (9.1), its PYSEC alias high (7.5): critical wins."""
    rating = rate([_advisory("PYSEC-2023-254"), _advisory("GHSA-jfhm-5ghh-2f97")], Severity.HIGH)
    assert rating.severity is Severity.CRITICAL and "GHSA-jfhm-5ghh-2f97" in rating.basis


def test_database_severity_when_there_is_no_vector() -> None:
    """Without a parseable vector, GitHub's own `database_specific.severity` is used (MODERATE is medium)."""
    advisory = replace(_advisory("GHSA-j8r2-6x86-q33q"), cvss=(("CVSS_V3", "CVSS:3.1/garbled"),))
    rating = rate([advisory], Severity.HIGH)
    assert (rating.severity, rating.score) == (Severity.MEDIUM, None)
    assert rating.basis == "database severity MODERATE (GHSA-j8r2-6x86-q33q)"


def test_unrated_advisory_takes_the_configured_severity() -> None:
    """A record with neither (PYSEC-2015-17) is rated `unrated` (high by default), and says so."""
    rating = rate([_advisory("PYSEC-2015-17")], Severity.HIGH)
    assert rating.severity is Severity.HIGH and rating.basis.startswith("unrated")
    assert rate([_advisory("PYSEC-2015-17")], Severity.MEDIUM).severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("kind", "vector", "expected"),
    [
        ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", (Severity.CRITICAL, 9.3)),
        ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", (Severity.HIGH, 7.5)),
        ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", (Severity.INFO, 0.0)),
        ("CVSS_V3", "CVSS:3.1/AV:Q/AC:L", None),
        ("Ubuntu", "high", None),
    ],
)
def test_score_vector(kind: str, vector: str, expected: tuple[Severity, float] | None) -> None:
    """CVSS v4.0 and v2 vectors score too; malformed vectors and other kinds are not scores."""
    assert score_vector(kind, vector) == expected
