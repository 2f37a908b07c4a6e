"""OSV records (https://ossf.github.io/osv-schema/) as the engine uses them, PyPI entries only.

A record arrives as parsed JSON (`object`: whatever the export or the API holds) and leaves as an
`Advisory`: id, aliases, summary, `modified`, `withdrawn`, and per affected PyPI package its
ECOSYSTEM ranges (events in record order) and its `versions` list, plus the CVSS vectors and the
database's own severity. Every field is checked on the way in; a record whose shape is not OSV's
is a `RecordError`, never a silently smaller advisory. Versions stay strings here; they are parsed
when a package is matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from compliance_gate.deps.packages import normalise

ECOSYSTEM = "PyPI"
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_NOTHING: Mapping[str, object] = {}


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


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:  # nanoseconds (Go writes them), or a `z`: the slow path
        try:
            parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def record_id(record: object) -> str | None:
    """The `id` of a parsed record, None when it is not an object with a string id."""
    ident = record.get("id") if isinstance(record, dict) else None
    return ident if isinstance(ident, str) and ident else None


def pypi_packages(record: object, known: dict[str, str] | None = None) -> set[str]:
    """Normalised names of the PyPI packages a parsed record affects (for indexing an export).

    `known` memoises normalised names across the records of one export (a package has many)."""
    names: set[str] = set()
    affected = record.get("affected") if isinstance(record, dict) else None
    for entry in affected if isinstance(affected, list) else ():
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict) or package.get("ecosystem") != ECOSYSTEM:
            continue
        name = package.get("name")
        if isinstance(name, str):
            if known is None:
                names.add(normalise(name))
            else:
                names.add(known.get(name) or known.setdefault(name, normalise(name)))
    return names


def parse_advisory(record: object) -> Advisory:
    """The engine's view of one parsed OSV record; a `RecordError` when its shape is not OSV's."""
    ident = record_id(record)
    if ident is None or not isinstance(record, dict):
        raise RecordError("record has no `id`")
    try:
        return _parse(ident, record)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, RecordError):
            raise
        raise RecordError(f"{ident}: not a well-formed OSV record ({exc.__class__.__name__}: {exc})") from exc


def _parse(ident: str, record: Mapping[str, object]) -> Advisory:
    affected: list[Affected] = []
    cvss: list[tuple[str, str]] = _vectors(record.get("severity"))
    database_severity = _database_severity(record.get("database_specific"))
    for entry in _array(record.get("affected"), f"{ident}: `affected`"):
        if not isinstance(entry, dict):
            raise RecordError(f"{ident}: an `affected` entry is not an object")
        package = entry.get("package") or {}
        if not isinstance(package, dict):
            raise RecordError(f"{ident}: an `affected[].package` is not an object")
        name = package.get("name")
        if package.get("ecosystem") != ECOSYSTEM or not isinstance(name, str):
            continue
        ranges: list[tuple[Event, ...]] = []
        for rng in _array(entry.get("ranges"), f"{ident}: `ranges`"):
            if not isinstance(rng, dict):
                raise RecordError(f"{ident}: a range is not an object")
            if rng.get("type") == "ECOSYSTEM":
                ranges.append(_events(rng, ident))
        versions = tuple(v for v in _array(entry.get("versions"), f"{ident}: `versions`") if isinstance(v, str))
        affected.append(Affected(normalise(name), tuple(ranges), versions))
        cvss.extend(_vectors(entry.get("severity")))
        database_severity = database_severity or _database_severity(entry.get("database_specific"))
        database_severity = database_severity or _database_severity(entry.get("ecosystem_specific"))
    aliases = tuple(a for a in _array(record.get("aliases")) if isinstance(a, str) and a != ident)
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


def _field(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _array(value: object, what: str = "") -> Sequence[object]:
    """A JSON array as a sequence; absent (null) is empty; any other type is an error when `what` names it."""
    if isinstance(value, list):
        return value
    if value is None or not what:
        return ()
    raise RecordError(f"{what} is not an array")


def _summary(record: Mapping[str, object]) -> str:
    summary = record.get("summary")
    if isinstance(summary, str) and summary:
        return summary[:300]
    details = record.get("details")
    return (details.strip().split("\n")[0] if isinstance(details, str) else "")[:300]


def _events(rng: Mapping[str, object], ident: str) -> tuple[Event, ...]:
    events: list[Event] = []
    for event in _array(rng.get("events"), f"{ident}: `events`"):
        if not isinstance(event, dict) or len(event) != 1:
            raise RecordError(f"{ident}: a range event must have exactly one of {', '.join(_EVENT_KINDS)}")
        ((kind, version),) = event.items()
        if kind not in _EVENT_KINDS or not isinstance(version, str):
            raise RecordError(f"{ident}: unknown range event {event!r}")
        events.append(Event(kind, version))
    return tuple(events)


def _vectors(value: object) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in _array(value):
        kind, score = _field(item, "type"), _field(item, "score")
        if isinstance(kind, str) and isinstance(score, str):
            out.append((kind, score))
    return out


def _database_severity(value: object) -> str | None:
    severity = _field(value, "severity")
    return severity.strip().upper() if isinstance(severity, str) and severity.strip() else None
