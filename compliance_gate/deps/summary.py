"""The deps check's summary: what was read, what was audited against what, and what was found.

Its metrics (`verdict.json`) say which file was read and how many packages it held, how many
were audited, not pinned or skipped (another platform, the team's own code), the advisories found
by severity, withdrawn advisories ignored, and which database answered (an export with its
digest, record count and newest `modified`, or the API URL). `vulnerable` lists each (package,
advisory) found, which reports draw as the deps table. A check that found no dependency manifest
says so in `skipped`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from compliance_gate.deps.audit import AuditResult, Vulnerability
from compliance_gate.deps.packages import DependencySet
from compliance_gate.model import JSONObject, JSONValue, Severity
from compliance_gate.summary import Plain, Table, integer, mapping, text

NO_FIX = "no fixed version published"


@dataclass(frozen=True, slots=True)
class VulnerableRow:
    """One (package, advisory) found, as the deps table shows it."""

    package: str
    installed: str
    fixed_in: str | None
    advisory: str
    aliases: tuple[str, ...]
    severity: str
    location: str

    @classmethod
    def of(cls, v: Vulnerability) -> VulnerableRow:
        where = f"{v.path}:{v.line}" if v.line else v.path
        return cls(v.package, v.version, v.fixed_in, v.advisory, v.aliases, v.severity.value, where)

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "package": self.package,
            "installed": self.installed,
            "fixed_in": self.fixed_in,
            "advisory": self.advisory,
            "aliases": list(self.aliases),
            "severity": self.severity,
            "location": self.location,
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> VulnerableRow:
        m = mapping(value)
        aliases = m.get("aliases")
        fixed = m.get("fixed_in")
        return cls(
            text(m.get("package")),
            text(m.get("installed")),
            fixed if isinstance(fixed, str) else None,
            text(m.get("advisory")),
            tuple(a for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
            text(m.get("severity")),
            text(m.get("location")),
        )


@dataclass(frozen=True, slots=True)
class DepsSummary(Plain):
    file: str = ""
    kind: str = ""
    files: tuple[str, ...] = ()
    packages: int = 0
    scanned: int = 0
    not_pinned: int = 0
    skipped_entries: int = 0
    advisories: Mapping[str, int] = field(default_factory=dict)
    withdrawn_ignored: int = 0
    database: JSONObject = field(default_factory=dict)
    vulnerable: tuple[VulnerableRow, ...] = ()
    skipped: str | None = None
    """Why nothing was audited (no dependency manifest, nothing pinned), when nothing was."""
    baseline: str | None = None
    """The deps baseline file read, if one was."""
    baseline_hidden: int = 0
    baseline_stale: tuple[str, ...] = ()
    """Baseline entries (`package advisory`) that no finding matched any more: to remove."""
    api_unconfirmed: tuple[str, ...] = ()
    """Online: advisories the API listed whose own ranges do not hold the pinned version."""

    @classmethod
    def of(
        cls, result: AuditResult, baseline: str | None = None, hidden: int = 0, stale: tuple[str, ...] = ()
    ) -> DepsSummary:
        metrics = result.metrics
        deps = result.dependencies
        return cls(
            deps.path,
            deps.kind,
            tuple(f.path for f in deps.files),
            len(deps.packages),
            result.scanned,
            len(deps.unpinned),
            len(deps.skipped),
            {k: integer(v) for k, v in mapping(metrics.get("advisories")).items()},
            len(result.withdrawn),
            mapping(metrics.get("database")),
            tuple(VulnerableRow.of(v) for v in result.vulnerabilities),
            None,
            baseline,
            hidden,
            stale,
            result.unconfirmed[:20],
        )

    @classmethod
    def read_only(cls, deps: DependencySet, skipped: str | None) -> DepsSummary:
        """The summary of a run that read the dependencies but audited nothing."""
        return cls(
            deps.path,
            deps.kind,
            tuple(f.path for f in deps.files),
            len(deps.packages),
            0,
            len(deps.unpinned),
            len(deps.skipped),
            skipped=skipped,
        )

    def to_metrics(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "file": self.file,
            "kind": self.kind,
            "files": list(self.files),
            "packages": self.packages,
            "scanned": self.scanned,
            "not_pinned": self.not_pinned,
            "skipped_entries": self.skipped_entries,
            "advisories": dict(self.advisories),
            "withdrawn_ignored": self.withdrawn_ignored,
            "database": dict(self.database),
            "vulnerable": [row.to_json() for row in self.vulnerable],
        }
        if self.skipped:
            out["skipped"] = self.skipped
        if self.baseline:
            out["baseline"] = {
                "file": self.baseline,
                "hidden": self.baseline_hidden,
                "stale": list(self.baseline_stale),
            }
        if self.api_unconfirmed:
            out["api_unconfirmed"] = list(self.api_unconfirmed)
        return out

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> DepsSummary:
        files, vulnerable, skipped = metrics.get("files"), metrics.get("vulnerable"), metrics.get("skipped")
        baseline = mapping(metrics.get("baseline"))
        stale, unconfirmed = baseline.get("stale"), metrics.get("api_unconfirmed")
        return cls(
            text(metrics.get("file")),
            text(metrics.get("kind")),
            tuple(f for f in files if isinstance(f, str)) if isinstance(files, list) else (),
            integer(metrics.get("packages")),
            integer(metrics.get("scanned")),
            integer(metrics.get("not_pinned")),
            integer(metrics.get("skipped_entries")),
            {str(k): integer(v) for k, v in mapping(metrics.get("advisories")).items()},
            integer(metrics.get("withdrawn_ignored")),
            mapping(metrics.get("database")),
            tuple(VulnerableRow.from_json(v) for v in vulnerable) if isinstance(vulnerable, list) else (),
            skipped if isinstance(skipped, str) else None,
            text(baseline.get("file")) or None,
            integer(baseline.get("hidden")),
            tuple(s for s in stale if isinstance(s, str)) if isinstance(stale, list) else (),
            tuple(s for s in unconfirmed if isinstance(s, str)) if isinstance(unconfirmed, list) else (),
        )

    def tables(self) -> tuple[Table, ...]:
        """The deps table: each vulnerable package with its advisory, most severe first."""
        if not self.vulnerable:
            return ()
        rank = {s.value: s.rank for s in Severity}
        rows = sorted(self.vulnerable, key=lambda r: (-rank.get(r.severity, 0), r.package, r.advisory))
        return (
            Table(
                f"Vulnerable dependencies ({self.file or self.kind})",
                ("Package", "Installed", "Fixed in", "Advisory", "Severity", "Location"),
                tuple(
                    (
                        r.package,
                        r.installed,
                        r.fixed_in or NO_FIX,
                        r.advisory + (f" ({', '.join(r.aliases)})" if r.aliases else ""),
                        r.severity,
                        r.location,
                    )
                    for r in rows
                ),
            ),
        )
