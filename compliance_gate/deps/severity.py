"""How bad an advisory is: its CVSS vector, else the database's own severity, else `unrated`.

Vectors are parsed and scored by the `cvss` library (CVSS v2, v3.x and v4.0). When the records of
one vulnerability (a GHSA and its PYSEC alias) or one record's several vectors disagree, the
highest severity wins: the gate errs towards blocking. The basis of the rating is kept so a
reader can see where it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from compliance_gate.deps.osv import Advisory
from compliance_gate.model import Severity

_NAMES = {
    "NONE": Severity.INFO,
    "LOW": Severity.LOW,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "HIGH": Severity.HIGH,
    "IMPORTANT": Severity.HIGH,
    "CRITICAL": Severity.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class Rating:
    severity: Severity
    score: float | None
    basis: str
    """e.g. `CVSS:3.1 base score 7.5 (GHSA-x84v-xcm2-53pg)` or `database severity MODERATE (GHSA-...)`."""


def score_vector(kind: str, vector: str) -> tuple[Severity, float] | None:
    """Severity and base score of one OSV `severity[]` entry; None when it is not a CVSS vector we can parse."""
    try:
        if kind == "CVSS_V4":
            v4 = CVSS4(vector)
            return _NAMES[str(v4.severity).upper()], float(v4.base_score)
        if kind == "CVSS_V3":
            v3 = CVSS3(vector)
            return _NAMES[str(v3.severities()[0]).upper()], float(v3.scores()[0])
        if kind == "CVSS_V2":
            v2 = CVSS2(vector.removeprefix("CVSS:2.0/"))
            return _NAMES[str(v2.severities()[0]).upper()], float(v2.scores()[0])
    except (CVSSError, KeyError, ValueError, IndexError):
        return None
    return None


def rate(advisories: Iterable[Advisory], unrated: Severity) -> Rating:
    """The rating of one vulnerability from all the records that describe it."""
    records = sorted(advisories, key=lambda a: a.id)
    scored: list[Rating] = []
    for advisory in records:
        for kind, vector in advisory.cvss:
            found = score_vector(kind, vector)
            if found:
                version = vector.split("/", 1)[0] if vector.startswith("CVSS:") else "CVSS:2.0"
                scored.append(Rating(found[0], found[1], f"{version} base score {found[1]} ({advisory.id})"))
    if scored:
        return max(scored, key=lambda r: (r.severity.rank, r.score or 0.0))
    named = [
        Rating(_NAMES[a.database_severity], None, f"database severity {a.database_severity} ({a.id})")
        for a in records
        if a.database_severity in _NAMES
    ]
    if named:
        return max(named, key=lambda r: r.severity.rank)
    return Rating(unrated, None, f"unrated: no CVSS vector or database severity; treated as {unrated.value}")
