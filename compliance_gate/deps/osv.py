"""OSV records (https://ossf.github.io/osv-schema/) as the engine uses them, PyPI entries only.

`parse_advisory` keeps what matching and reporting need: id, aliases, summary, `modified`,
`withdrawn`, and per affected PyPI package its ECOSYSTEM ranges (events in record order) and its
`versions` list, plus the CVSS vectors and the database's own severity. Versions stay strings
here; they are parsed when a package is matched, so loading a whole export stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from compliance_gate.deps.packages import normalise

ECOSYSTEM = "PyPI"
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_FRACTION = re.compile(r"(\.\d{6})\d+")


class RecordError(ValueError):
    """An OSV record without the fields the schema requires."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    version: str


@dataclass(frozen=True, slots=True)
class Affected:
    """One `affected[]` entry for a PyPI package: its ECOSYSTEM ranges and enumerated versions."""

    package: str
    ranges: tuple[tuple[Event, ...], ...]
    versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    modified: datetime | None
    withdrawn: str | None
    affected: tuple[Affected, ...]
    cvss: tuple[tuple[str, str], ...]
    """(`CVSS_V2`/`CVSS_V3`/`CVSS_V4`, vector) pairs from `severity[]` and `affected[].severity[]`."""
    database_severity: str | None
    """`database_specific.severity` (GitHub's LOW/MODERATE/HIGH/CRITICAL) or the like."""

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def pypi_packages(record: Mapping[str, Any]) -> set[str]:
    """Normalised names of the PyPI packages a raw record affects (for indexing an export)."""
    names: set[str] = set()
    for entry in record.get("affected") or ():
        package = entry.get("package") if isinstance(entry, dict) else None
        if isinstance(package, dict) and package.get("ecosystem") == ECOSYSTEM and isinstance(package.get("name"), str):
            names.add(normalise(package["name"]))
    return names


def slim(record: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a raw record that `parse_advisory` reads (PyPI entries only): what an index keeps.

    `parse_advisory(slim(r))` equals `parse_advisory(r)`; references, credits and long details
    are dropped, so an export's index is a fraction of its size.
    """
    out = {k: record[k] for k in ("id", "aliases", "modified", "withdrawn", "severity") if k in record}
    out["summary"] = _summary(record)
    if isinstance(record.get("database_specific"), dict):
        out["database_specific"] = {"severity": record["database_specific"].get("severity")}
    affected = []
    for entry in record.get("affected") or ():
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict) or package.get("ecosystem") != ECOSYSTEM:
            continue
        kept = {k: entry[k] for k in ("package", "versions", "severity") if k in entry}
        kept["ranges"] = [r for r in entry.get("ranges") or () if isinstance(r, dict) and r.get("type") == "ECOSYSTEM"]
        for key in ("database_specific", "ecosystem_specific"):
            if isinstance(entry.get(key), dict):
                kept[key] = {"severity": entry[key].get("severity")}
        affected.append(kept)
    out["affected"] = affected
    return out


def parse_advisory(record: Mapping[str, Any]) -> Advisory:
    """The engine's view of one OSV record; a `RecordError` when its shape is not OSV's."""
    ident = record.get("id") if isinstance(record, Mapping) else None
    if not isinstance(ident, str) or not ident:
        raise RecordError("record has no `id`")
    try:
        return _parse(ident, record)
    except (AttributeError, TypeError, ValueError) as exc:
        raise RecordError(f"{ident}: not a well-formed OSV record ({exc.__class__.__name__}: {exc})") from exc


def _parse(ident: str, record: Mapping[str, Any]) -> Advisory:
    affected: list[Affected] = []
    cvss: list[tuple[str, str]] = _vectors(record.get("severity"))
    database_severity = _database_severity(record.get("database_specific"))
    for entry in record.get("affected") or ():
        if not isinstance(entry, dict):
            raise RecordError(f"{ident}: an `affected` entry is not an object")
        package = entry.get("package") or {}
        if package.get("ecosystem") != ECOSYSTEM or not isinstance(package.get("name"), str):
            continue
        ranges = tuple(_events(r, ident) for r in entry.get("ranges") or () if r.get("type") == "ECOSYSTEM")
        versions = tuple(v for v in entry.get("versions") or () if isinstance(v, str))
        affected.append(Affected(normalise(package["name"]), ranges, versions))
        cvss.extend(_vectors(entry.get("severity")))
        database_severity = database_severity or _database_severity(entry.get("database_specific"))
        database_severity = database_severity or _database_severity(entry.get("ecosystem_specific"))
    aliases = tuple(a for a in record.get("aliases") or () if isinstance(a, str) and a != ident)
    withdrawn = record.get("withdrawn")
    return Advisory(
        id=ident,
        aliases=aliases,
        summary=_summary(record),
        modified=parse_time(record.get("modified")),
        withdrawn=withdrawn if isinstance(withdrawn, str) and withdrawn else None,
        affected=tuple(affected),
        cvss=tuple(cvss),
        database_severity=database_severity,
    )


def _summary(record: Mapping[str, Any]) -> str:
    text = record.get("summary") or str(record.get("details") or "").strip().split("\n")[0]
    return str(text)[:300]


def _events(rng: Mapping[str, Any], ident: str) -> tuple[Event, ...]:
    events: list[Event] = []
    for event in rng.get("events") or ():
        if not isinstance(event, dict) or len(event) != 1:
            raise RecordError(f"{ident}: a range event must have exactly one of {', '.join(_EVENT_KINDS)}")
        (kind, version), *_ = event.items()
        if kind not in _EVENT_KINDS or not isinstance(version, str):
            raise RecordError(f"{ident}: unknown range event {event!r}")
        events.append(Event(kind, version))
    return tuple(events)


def _vectors(value: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in value or ():
        if isinstance(item, dict) and isinstance(item.get("type"), str) and isinstance(item.get("score"), str):
            out.append((item["type"], item["score"]))
    return out


def _database_severity(value: Any) -> str | None:
    severity = value.get("severity") if isinstance(value, dict) else None
    return severity.strip().upper() if isinstance(severity, str) and severity.strip() else None
