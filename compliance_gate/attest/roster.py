"""The verifier's roster: which public key belongs to which person, and which roles they hold.

    version: 1
    people:
      alice:
        roles: [compliance]
        keys: [keys/alice.pub]        # PEM files, relative to the roster file ...
      bob:
        roles: [legal, security]
        keys:
          - |                         # ... or inline PEM text
            -----BEGIN PUBLIC KEY-----
            ...

Roles come from here and only here: an approval's claims about its author's role are checked
against this file, never believed. A key listed twice (for one person or for two) is an error,
because it would let one key stand for two people.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_gate import yamlmap
from compliance_gate.errors import UsageError
from compliance_gate.signing.keys import KeyProblem, PublicKey, load_public_file, load_public_pem

Fail = Callable[[yamlmap.KeyPath, str], UsageError]
"""Builds the error for a key path of the roster file (naming its line)."""
ROLE = re.compile(r"^[a-z][a-z0-9_-]*$")
PERSON_KEYS = frozenset({"roles", "keys", "name"})


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Roster:
    path: str
    members: tuple[tuple[PublicKey, Person], ...]

    def keys(self) -> list[PublicKey]:
        return [k for k, _ in self.members]

    def person_for(self, key: PublicKey) -> Person:
        return next(p for k, p in self.members if k.keyid == key.keyid)


def load_roster(path: str | Path) -> Roster:
    """Read and validate a roster file; raise `UsageError` naming the line of the first problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{p}: cannot read the roster ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        data, lines = yamlmap.load(text)
    except yamlmap.YamlProblem as exc:
        raise UsageError(f"{p}:{exc.line} {exc}") from None

    def fail(key_path: yamlmap.KeyPath, message: str) -> UsageError:
        where = ".".join(map(str, key_path)) or "(top level)"
        return UsageError(f"{p}:{yamlmap.line_of(lines, key_path)} {where}: {message}")

    if not isinstance(data, dict) or data.get("version") != 1:
        raise fail(("version",), "a roster starts with `version: 1`")
    if set(data) - {"version", "people"}:
        raise fail((sorted(set(data) - {"version", "people"})[0],), "unknown key; allowed: version, people")
    people = data.get("people")
    if not isinstance(people, dict) or not people:
        raise fail(("people",), "must map each person's id to their roles and keys")
    members: list[tuple[PublicKey, Person]] = []
    owner: dict[str, tuple[str, int]] = {}
    for pid, entry in people.items():
        person = _person(pid, entry, fail)
        for i, spec in enumerate(entry["keys"]):
            at = ("people", pid, "keys", i)
            key = _key(spec, p.parent, fail, at)
            if key.keyid in owner:
                other, line = owner[key.keyid]
                raise fail(at, f"duplicate key: already listed for {other} (line {line})")
            owner[key.keyid] = (pid, yamlmap.line_of(lines, at))
            members.append((key, person))
    return Roster(str(p), tuple(members))


def _person(pid: str, entry: Any, fail: Fail) -> Person:
    at = ("people", pid)
    if not isinstance(entry, dict):
        raise fail(at, "must be a mapping with `roles` and `keys`")
    if set(entry) - PERSON_KEYS:
        raise fail((*at, sorted(set(entry) - PERSON_KEYS)[0]), "unknown key; allowed: keys, name, roles")
    roles = entry.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and ROLE.match(r) for r in roles):
        raise fail((*at, "roles"), "must be a non-empty list of role names (lower-case words)")
    keys = entry.get("keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise fail((*at, "keys"), "must be a non-empty list of public key files or PEM texts")
    return Person(pid, frozenset(roles))


def _key(spec: str, base: Path, fail: Fail, at: yamlmap.KeyPath) -> PublicKey:
    try:
        if "-----BEGIN" in spec:
            return load_public_pem(spec.encode(), "inline key")
        return load_public_file(Path(spec) if Path(spec).is_absolute() else base / spec)
    except KeyProblem as exc:
        raise fail(at, str(exc)) from None
