"""The audit: every pinned package against the advisories that affect its version.

`audit(deps, source, options, now=...)` opens the source (an offline export checks its age at
`now`), looks up the candidate records of every (package, version), evaluates them with
`ranges.match` and groups the records that describe one vulnerability (a GHSA and the PYSEC or
CVE it aliases) into one `Vulnerability` per (package, advisory). Withdrawn advisories are ignored
and listed. A version or record that cannot be evaluated is an error of the result, never a
silent miss.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from packaging.version import InvalidVersion, Version

from compliance_gate.deps.options import DepsOptions
from compliance_gate.deps.osv import Advisory
from compliance_gate.deps.packages import DependencySet, Package
from compliance_gate.deps.ranges import Match, RangeError, match
from compliance_gate.deps.severity import rate
from compliance_gate.deps.source import AdvisorySource, SourceInfo
from compliance_gate.model import JSONValue, Severity

LINK = "https://osv.dev/vulnerability/{}"
_PREFERENCE = ("GHSA-", "PYSEC-")


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One advisory affecting one pinned package: what to report and where (the lock file line)."""

    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    summary: str
    fixed_in: str | None
    """The first release outside the affected range; None when no fix is published."""
    severity: Severity
    severity_basis: str
    score: float | None
    link: str
    path: str
    line: int | None
    last_affected: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        """The advisory id and its aliases: a waiver naming any of them matches."""
        return (self.advisory, *self.aliases)


@dataclass(frozen=True, slots=True)
class AuditResult:
    dependencies: DependencySet
    source: SourceInfo
    vulnerabilities: tuple[Vulnerability, ...]
    withdrawn: tuple[str, ...] = ()
    """Ids of withdrawn advisories that would have matched a pinned version; ignored."""
    errors: tuple[str, ...] = ()
    scanned: int = 0
    lookup: Mapping[str, int] = field(default_factory=dict)
    """How the source answered (records read; online: records fetched and taken from the cache)."""
    unconfirmed: tuple[str, ...] = ()
    """Online only: `package version advisory` that the API listed but whose own ranges do not
    hold the version (the records decide, as offline; shown so a disagreement is never silent)."""

    @property
    def metrics(self) -> dict[str, JSONValue]:
        by_severity = {s.value: 0 for s in reversed(Severity)}
        for vuln in self.vulnerabilities:
            by_severity[vuln.severity.value] += 1
        deps = self.dependencies
        return {
            "file": deps.path,
            "kind": deps.kind,
            "files": [f.path for f in deps.files],
            "packages": len(deps.packages),
            "scanned": self.scanned,
            "not_pinned": len(deps.unpinned),
            "skipped": len(deps.skipped),
            "vulnerable_packages": len({(v.package, v.version) for v in self.vulnerabilities}),
            "advisories": by_severity,
            "withdrawn_ignored": len(self.withdrawn),
            **({"api_unconfirmed": list(self.unconfirmed[:20])} if self.unconfirmed else {}),
            "database": {
                "kind": self.source.kind,
                "location": self.source.location,
                "records": self.source.records,
                "newest_modified": self.source.newest.isoformat() if self.source.newest else None,
                "cache": self.source.cache,
                **self.lookup,
            },
        }


def audit(deps: DependencySet, source: AdvisorySource, options: DepsOptions, *, now: datetime) -> AuditResult:
    """Audit `deps` against `source`. Raises a `DepsError` when the source cannot answer."""
    info = source.open(now)
    errors: list[str] = []
    unique: dict[tuple[str, str], Package] = {}
    versions: dict[tuple[str, str], Version] = {}
    for package in deps.packages:
        key = (package.name, package.version)
        if key in unique:
            continue
        unique[key] = package
        try:
            versions[key] = Version(package.version)
        except InvalidVersion:
            where = f"{package.path}:{package.line}" if package.line else package.path
            errors.append(
                f"{where}: {package.name} {package.version!r} is not a PEP 440 version; cannot match advisories"
            )
    lookup = source.lookup(sorted(versions))
    found: list[Vulnerability] = []
    withdrawn: set[str] = set()
    unconfirmed: list[str] = []
    for key, version in sorted(versions.items()):
        if key not in lookup.candidates:
            errors.append(f"{info.location}: no answer for {key[0]} {key[1]}")
            continue
        matches = _matches(lookup.candidates[key], key[0], version, errors)
        if info.kind == "online":
            matched = {a.id for a, _ in matches}
            unconfirmed += [f"{key[0]} {key[1]} {a.id}" for a in lookup.candidates[key] if a.id not in matched]
        withdrawn.update(a.id for a, _ in matches if a.withdrawn)
        live = [(a, m) for a, m in matches if not a.withdrawn]
        found.extend(_vulnerability(unique[key], group, options.unrated) for group in _groups(live))
    found.sort(key=lambda v: (v.package, v.version, -v.severity.rank, v.advisory))
    return AuditResult(
        deps,
        info,
        tuple(found),
        tuple(sorted(withdrawn)),
        tuple(errors),
        len(versions),
        dict(lookup.stats),
        tuple(sorted(set(unconfirmed))),
    )


def _matches(
    candidates: Iterable[Advisory], name: str, version: Version, errors: list[str]
) -> list[tuple[Advisory, Match]]:
    out: list[tuple[Advisory, Match]] = []
    for advisory in candidates:
        try:
            found = match(advisory, name, version)
        except RangeError as exc:
            errors.append(f"{exc}; cannot tell whether {name} {version} is affected")
            continue
        if found:
            out.append((advisory, found))
    return out


def _groups(matches: list[tuple[Advisory, Match]]) -> list[list[tuple[Advisory, Match]]]:
    """Records that share an id or alias describe one vulnerability (transitively)."""
    parent = list(range(len(matches)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (advisory, _) in enumerate(matches):
        for ident in advisory.ids:
            if ident in owner:
                parent[find(i)] = find(owner[ident])
            else:
                owner[ident] = i
    groups: dict[int, list[tuple[Advisory, Match]]] = {}
    for i, item in enumerate(matches):
        groups.setdefault(find(i), []).append(item)
    return list(groups.values())


def _vulnerability(package: Package, group: list[tuple[Advisory, Match]], unrated: Severity) -> Vulnerability:
    records = [a for a, _ in group]
    primary = min(records, key=lambda a: (_rank(a.id), a.id))
    ids = set().union(*(a.ids for a in records))
    fixes = [m.fixed for _, m in group if m.fixed is not None]
    last = [m.last_affected for _, m in group if m.last_affected is not None]
    rating = rate(records, unrated)
    summary = primary.summary or next((a.summary for a in records if a.summary), "")
    return Vulnerability(
        package=package.name,
        version=package.version,
        advisory=primary.id,
        aliases=tuple(sorted(ids - {primary.id}, key=lambda i: (_rank(i), i))),
        summary=summary,
        fixed_in=str(max(fixes)) if fixes else None,
        severity=rating.severity,
        severity_basis=rating.basis,
        score=rating.score,
        link=LINK.format(primary.id),
        path=package.path,
        line=package.line,
        last_affected=str(max(last)) if last and not fixes else None,
    )


def _rank(ident: str) -> int:
    return next((i for i, prefix in enumerate(_PREFERENCE) if ident.startswith(prefix)), len(_PREFERENCE))
