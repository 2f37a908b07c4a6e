"""`.secrets.baseline`: read it to adopt the gate, write it from the current findings.

Entries are matched on (file, secret type, hashed secret), as the engine does; line numbers are
informational (a slim baseline has none). What an entry does to a finding:

| entry | effect |
|---|---|
| `is_secret: false` (audited false positive) | waived, counted |
| no `is_secret` (never audited) | waived when `unaudited: waive`, else still blocks |
| `is_secret: true` (audited as a real secret) | still blocks: the upstream hook lets it through, the gate does not |

The baseline's own `plugins_used` / `filters_used` are ignored: the policy configures the engine
(a pull request cannot weaken the gate by editing a file it controls, and a baseline's custom
plugin or filter paths would be code to import). A baseline newer than the engine's format, or
one that is not a JSON object with `version` and `results`, is an error, never an empty baseline.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_gate.errors import InputError
from compliance_gate.model import Finding, JSONValue
from compliance_gate.redact import scrub

FORMAT_VERSION = "1.5.0"
_HASH = re.compile(r"^[0-9a-f]{40}$")
Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Entry:
    is_secret: bool | None
    line: int | None


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str
    sha256: str
    version: str
    entries: Mapping[Key, Entry]


def finding_key(f: Finding) -> Key:
    return (f.path or "", str(f.properties.get("type", "")), str(f.properties.get("hashed_secret", "")))


def load(path: Path, display: str) -> Baseline:
    """Read and validate a baseline; raise `InputError` naming the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{display}: cannot read the secrets baseline ({exc.strerror})") from None
    return parse(raw, display)


def parse(raw: bytes, display: str) -> Baseline:
    """Validate a baseline's bytes (as `load`, for a version read from git)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{display}: not a detect-secrets baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise InputError(f"{display}: not a detect-secrets baseline (no `results` object)")
    version = str(data.get("version", ""))
    _check_version(version, display)
    entries: dict[Key, Entry] = {}
    for filename, items in data["results"].items():
        shown = scrub(filename, 120)  # a file name is input: no token or card number in a message
        if not isinstance(items, list):
            raise InputError(f"{display}: results[{shown!r}] must be a list")
        for i, item in enumerate(items):
            key, entry = _entry(item, filename, f"{display}: results[{shown!r}][{i}]")
            entries[key] = entry
    return Baseline(display, hashlib.sha256(raw).hexdigest(), version, entries)


def _check_version(version: str, display: str) -> None:
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InputError(f"{display}: `version` {version!r} is not a detect-secrets version")
    if tuple(map(int, parts)) > tuple(map(int, FORMAT_VERSION.split("."))):
        raise InputError(
            f"{display}: written by detect-secrets {version}, newer than the supported {FORMAT_VERSION}; "
            "regenerate it with `compliance-gate baseline`"
        )


def _entry(item: Any, filename: str, where: str) -> tuple[Key, Entry]:
    if not isinstance(item, dict):
        raise InputError(f"{where}: must be an object")
    kind, hashed = item.get("type"), item.get("hashed_secret")
    if not isinstance(kind, str) or not isinstance(hashed, str) or not _HASH.match(hashed):
        raise InputError(f"{where}: needs `type` and a 40-hex-digit `hashed_secret`")
    is_secret = item.get("is_secret")
    if is_secret is not None and not isinstance(is_secret, bool):
        raise InputError(f"{where}: `is_secret` must be true, false or absent")
    line = item.get("line_number")
    name = str(item.get("filename", filename)).replace("\\", "/")
    return (name, kind, hashed), Entry(is_secret, line if isinstance(line, int) else None)


def render(
    findings: Iterable[Finding],
    settings: Mapping[str, JSONValue],
    previous: Baseline | None = None,
    slim: bool = False,
    generated_at: str | None = None,
) -> str:
    """The baseline JSON for `findings` (engine format, no plaintext), keeping earlier audits."""
    results: dict[str, list[dict[str, JSONValue]]] = {}
    for f in sorted(findings, key=lambda f: (f.path or "", f.line or 0, finding_key(f))):
        if f.properties.get("suppressed") or f.properties.get("commit"):
            continue
        key = finding_key(f)
        item: dict[str, JSONValue] = {"type": key[1], "filename": key[0], "hashed_secret": key[2], "is_verified": False}
        if not slim and f.line:
            item["line_number"] = f.line
        old = previous.entries.get(key) if previous else None
        if old is not None and old.is_secret is not None:
            item["is_secret"] = old.is_secret
        results.setdefault(key[0], []).append(item)
    out: dict[str, JSONValue] = {"version": FORMAT_VERSION, **settings, "results": results}
    if not slim and generated_at:
        out["generated_at"] = generated_at
    return json.dumps(out, indent=2) + "\n"
