"""Is this version affected? OSV's own algorithm, evaluated here so every source agrees.

For each ECOSYSTEM range the events are sorted in version order (`introduced: "0"` first), then
walked: `introduced` at or below the version opens an affected interval, `fixed` at or below it
closes one, `last_affected` below it closes one; a `limit` at or below it puts the version outside
the range. A version also counts as affected when it appears in the entry's `versions` list (which is all
there is when a range's versions are not PEP 440; with neither, the record cannot be evaluated).
The first fixed version is the `fixed` event that closes the interval holding the version; an
interval closed by `last_affected`, or never closed, has no fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from compliance_gate.deps.osv import Advisory, Event

_ZERO = Version("0.dev0")  # the lowest PEP 440 version: `introduced: "0"` means "from the start"
_LEAD = re.compile(r"\s*[vV]?0*(\d+)")
_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 1, "limit": 2}


class RangeError(ValueError):
    """A range event whose version is not PEP 440: the record cannot be evaluated."""


@dataclass(frozen=True, slots=True)
class Match:
    """The version is affected; `fixed` is the first release that is not (None: no fix known)."""

    fixed: Version | None
    last_affected: Version | None = None


def parse_version(text: str) -> Version:
    return Version(text)


def match(advisory: Advisory, package: str, version: Version) -> Match | None:
    """How `advisory` affects `package` at `version`, or None when it does not.

    When several ranges hold the version the fix must leave all of them: the highest fixed version,
    or none when any of them has no fix.
    """
    found: list[Match] = []
    for affected in advisory.affected:
        if affected.package != package:
            continue
        try:
            in_ranges = [m for m in (_in_range(events, version, advisory.id) for events in affected.ranges) if m]
        except RangeError:
            if not affected.versions:
                raise
            in_ranges = []  # an unreadable range, but the record enumerates its versions: use those
        found.extend(in_ranges)
        if not in_ranges and _listed(affected.versions, version):
            found.append(Match(None))
    if not found:
        return None
    if any(m.fixed is None for m in found):
        return next(m for m in found if m.fixed is None)
    return Match(max(m.fixed for m in found if m.fixed is not None))


def _in_range(events: tuple[Event, ...], version: Version, ident: str) -> Match | None:
    try:
        parsed = sorted(
            ((_ZERO if e.version == "0" and e.kind == "introduced" else Version(e.version)), _ORDER[e.kind], e.kind)
            for e in events
        )
    except InvalidVersion as exc:
        raise RangeError(f"{ident}: range event version is not PEP 440 ({exc})") from exc
    affected = False
    for index, (at, _, kind) in enumerate(parsed):
        if kind == "limit":
            if version >= at:
                return None
        elif kind == "introduced" and version >= at:
            affected = True
        elif (kind == "fixed" and version >= at) or (kind == "last_affected" and version > at):
            affected = False
        elif affected:
            return _closing(parsed[index:], version)
    return Match(None) if affected else None


def _closing(rest: list[tuple[Version, int, str]], version: Version) -> Match:
    """The affected interval holding `version` ends at the first closing event from here."""
    for at, _, kind in rest:
        if kind == "fixed":
            return Match(at)
        if kind == "last_affected":
            return Match(None, at)
        if kind == "limit" and version >= at:
            break
    return Match(None)


def _listed(versions: tuple[str, ...], version: Version) -> bool:
    """Whether `version` is in an OSV `versions` list, by PEP 440 equality (`2.0` is `2.0.0`).

    Lists run to hundreds of entries; only those with the same leading release number are parsed.
    """
    text = str(version)
    if text in versions:
        return True
    for listed in versions:
        lead = _LEAD.match(listed)
        if lead and "!" not in listed and not version.epoch and int(lead.group(1)) != version.release[0]:
            continue
        try:
            if Version(listed) == version:
                return True
        except InvalidVersion:
            if listed == text:
                return True
    return False
