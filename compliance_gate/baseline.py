"""The gate's baseline: findings an existing code base accepts today, recorded by fingerprint.

`compliance-gate baseline` runs the checks that report on lines of the repository's files (pii,
secrets, sast) and writes every finding they report to the policy's `baseline.path` (default
`.compliance-gate-baseline.json`). A later run leaves a finding whose fingerprint is recorded for
its check out of what blocks, lists it as waived (`by: baseline`) and counts it per check
(`baselined`), so a team adopts the gate and blocks only new findings. Fingerprints are keyed
hashes of rule, path and the finding's content (`compliance_gate.fingerprint`): they survive
moved lines and change when the content changes; nothing else of a finding is needed to match,
and no value is stored.

What a baseline cannot do:

- hide a rule the policy lists in `baseline.never_hides` (live-shaped credentials by default: a
  key that works must be rotated, not accepted);
- change unnoticed: the change-scope check requires a `security` sign-off for a release range
  that changes the baseline file;
- match across fingerprint keys: the file names the key it was written with, and a run with
  another key is refused (rewrite the baseline, or set the same key).

The file (JSON, sorted, stable across runs on the same tree):

    {"version": 1, "fingerprint_key": "hmac:1a2b...", "checks": {"pii": [
        {"rule": "CG-PII-PAN-TEST", "path": "tests/test_cards.py", "line": 12,
         "fingerprint": "9f0c..."}]}}

`line` is informational; only `fingerprint` matches.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate.errors import InputError
from compliance_gate.model import Finding, JSONValue

FORMAT_VERSION = 1
_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str
    sha256: str
    fingerprint_key: str
    entries: Mapping[str, frozenset[str]]
    """Per check, the recorded fingerprints."""
    rows: Mapping[str, tuple[JSONValue, ...]] = field(default_factory=dict)
    """Per check, the entries as written (kept when another check's entries are rewritten)."""

    def for_check(self, check_id: str) -> frozenset[str]:
        return self.entries.get(check_id, frozenset())


def load(path: Path, display: str) -> Baseline:
    """Read and validate a baseline; raise `InputError` naming the file and the problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{display}: cannot read the baseline ({exc.strerror})") from None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{display}: not a compliance-gate baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("checks"), dict):
        raise InputError(
            f"{display}: not a compliance-gate baseline (needs version {FORMAT_VERSION} and a `checks` object); "
            "rewrite it with `compliance-gate baseline`"
        )
    key = data.get("fingerprint_key")
    if not isinstance(key, str) or not key:
        raise InputError(f"{display}: `fingerprint_key` is missing; rewrite it with `compliance-gate baseline`")
    entries: dict[str, frozenset[str]] = {}
    rows: dict[str, tuple[JSONValue, ...]] = {}
    for check_id, items in data["checks"].items():
        if not isinstance(items, list):
            raise InputError(f"{display}: checks.{check_id} must be a list")
        prints = set()
        for i, item in enumerate(items):
            fp = item.get("fingerprint") if isinstance(item, dict) else None
            if not isinstance(fp, str) or not _FINGERPRINT.match(fp):
                raise InputError(f"{display}: checks.{check_id}[{i}] needs a 32-hex-digit `fingerprint`")
            prints.add(fp)
        entries[str(check_id)] = frozenset(prints)
        rows[str(check_id)] = tuple(items)
    return Baseline(display, hashlib.sha256(raw).hexdigest(), key, entries, rows)


def render(
    findings: Mapping[str, Iterable[Finding]],
    fingerprint_key: str,
    kept: Mapping[str, Iterable[JSONValue]] | None = None,
) -> str:
    """The baseline file for `findings` (per check), written with `fingerprint_key`; `kept`: other
    checks' entries as an existing baseline has them."""
    checks: dict[str, JSONValue] = {c: list(rows) for c, rows in (kept or {}).items() if c not in findings}
    for check_id in findings:
        rows: list[JSONValue] = [
            {"rule": f.rule, "path": f.path or "", "line": f.line or 0, "fingerprint": f.fingerprint}
            for f in sorted(findings[check_id], key=lambda f: (f.path or "", f.line or 0, f.rule, f.fingerprint))
            if f.fingerprint
        ]
        checks[check_id] = rows
    out: dict[str, JSONValue] = {"version": FORMAT_VERSION, "fingerprint_key": fingerprint_key, "checks": checks}
    return json.dumps(out, indent=1, sort_keys=True) + "\n"
