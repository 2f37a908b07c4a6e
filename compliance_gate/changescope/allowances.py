"""Allowances a release adds to the secrets baseline: a waiver by another name, so it needs a sign-off.

An entry of `.secrets.baseline` marked `is_secret: false`, or never audited while the policy
says `unaudited: waive`, lets a detect-secrets finding through. Whoever edits the baseline in a
pull request can therefore clear a live credential as surely as with a waiver, without one. The
change-scope check compares the baseline the secrets check will read (the work tree's) with the
baseline at the base of the release (`--since`; `HEAD` for `--staged`) and lists every entry that
waives now but did not waive then: a new entry, `is_secret: true` turned `false`, an audited entry
made unaudited. Removing entries or marking them real needs nothing.

Without a base to compare with (whole tree, explicit files) the gate assumes the worst: every
allowance in the baseline counts as added. A base version that no longer parses counts as
empty; a current version that does not parse grants nothing (the secrets check reports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compliance_gate.errors import GateError
from compliance_gate.secrets.baseline import Entry, Key, parse


@dataclass(frozen=True, slots=True)
class Allowances:
    """Entries (`file (type)`, sorted) that waive at the head and did not at the base."""

    added: tuple[str, ...]
    note: str | None = None


def waives(entry: Entry, unaudited: str) -> bool:
    """Whether a baseline entry lets its finding through, as `secrets.judge` decides it."""
    return entry.is_secret is False or (entry.is_secret is None and unaudited == "waive")


def added_allowances(before: str | None, current: Path, display: str, unaudited: str) -> Allowances:
    """Compare the baseline text at the base (None: no base, or the file did not exist there)
    with the file the secrets check reads."""
    try:
        head = parse(current.read_bytes(), display)
    except (OSError, GateError):
        return Allowances((), f"{display} cannot be read as a baseline; it grants nothing")
    note = None
    old: dict[Key, Entry] = {}
    if before is not None:
        try:
            old = dict(parse(before.encode("utf-8", "surrogateescape"), display).entries)
        except GateError:
            note = f"{display} at the base no longer parses; every allowance in it counts as new"
    added = sorted(
        {
            f"{key[0]} ({key[1]})"
            for key, entry in head.entries.items()
            if waives(entry, unaudited) and not (key in old and waives(old[key], unaudited))
        }
    )
    return Allowances(tuple(added), note)
