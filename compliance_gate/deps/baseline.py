"""The deps baseline: advisories a team has accepted for now, so only new ones block.

`compliance-gate baseline --check deps` writes the advisories the check finds today into a small
JSON file in the repository (`.deps-baseline.json` by default, `checks.deps.baseline`), one entry
per (package, advisory) with every id of the advisory:

    {"version": 1, "generated_at": "2026-12-04T10:00:00Z",
     "entries": [{"package": "certifi", "advisory": "GHSA-xqr8-7jwr-rhp7",
                  "aliases": ["CVE-2023-37920", "PYSEC-2023-135"], "installed": "2022.12.7"}]}

A finding is covered when an entry names its package and shares any id with it (OSV may later
show the advisory under another of its ids; the lock file may move or change format). Installed
versions are recorded for the reader, not matched: upgrading to a version still affected by the
same advisory stays covered, a new advisory does not. Nothing in it is secret, so unlike finding
fingerprints it does not depend on the fingerprint key. A file that is not this format is an
error naming it, never an empty baseline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from compliance_gate.deps.errors import DepsError

FORMAT_VERSION = 1
DEFAULT_PATH = ".deps-baseline.json"


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    package: str
    advisory: str
    aliases: tuple[str, ...] = ()
    installed: str = ""

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.advisory, *self.aliases))


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str
    sha256: str
    entries: tuple[BaselineEntry, ...]

    def covering(self, package: str, ids: Iterable[str]) -> BaselineEntry | None:
        """The entry that accepts this package's advisory (known by any of `ids`), if any."""
        wanted = frozenset(ids)
        return next((e for e in self.entries if e.package == package and e.ids & wanted), None)


def load_baseline(path: Path, shown: str) -> Baseline:
    """Read a deps baseline; a `DepsError` naming the file for anything that is not one."""
    try:
        data = path.read_bytes()
        parsed: object = json.loads(data)
    except OSError as exc:
        raise DepsError(f"{shown}: cannot read the deps baseline ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise DepsError(f"{shown}: the deps baseline is not JSON ({exc})") from exc
    entries = parsed.get("entries") if isinstance(parsed, dict) else None
    if not isinstance(parsed, dict) or parsed.get("version") != FORMAT_VERSION or not isinstance(entries, list):
        hint = "write one with `compliance-gate baseline --check deps`"
        raise DepsError(f"{shown}: not a version {FORMAT_VERSION} deps baseline ({hint})")
    out: list[BaselineEntry] = []
    for i, entry in enumerate(entries):
        package = entry.get("package") if isinstance(entry, dict) else None
        advisory = entry.get("advisory") if isinstance(entry, dict) else None
        aliases = entry.get("aliases", []) if isinstance(entry, dict) else None
        installed = entry.get("installed", "") if isinstance(entry, dict) else None
        if not (isinstance(package, str) and package and isinstance(advisory, str) and advisory):
            raise DepsError(f"{shown}: entries[{i}] needs a `package` and an `advisory`")
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise DepsError(f"{shown}: entries[{i}].aliases is not a list of ids")
        out.append(BaselineEntry(package, advisory, tuple(str(a) for a in aliases), str(installed or "")))
    return Baseline(shown, hashlib.sha256(data).hexdigest(), tuple(out))


def render_baseline(entries: Iterable[BaselineEntry], generated_at: str) -> str:
    """The baseline file's text: entries sorted, one per (package, advisory), stable for diffs."""
    unique = {(e.package, e.advisory): e for e in entries}
    body = {
        "version": FORMAT_VERSION,
        "generated_at": generated_at,
        "entries": [
            {"package": e.package, "advisory": e.advisory, "aliases": sorted(e.aliases), "installed": e.installed}
            for _, e in sorted(unique.items())
        ],
    }
    return json.dumps(body, indent=2) + "\n"
