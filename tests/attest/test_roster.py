"""The roster: keys to people to roles, validated with line numbers; duplicate keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from attest_samples import roster_file

from compliance_gate.attest.roster import load_roster
from compliance_gate.errors import UsageError
from compliance_gate.signing import keys


def test_files_and_inline_keys(tmp_path: Path) -> None:
    """Keys may be files next to the roster or inline PEM; roles are read as given."""
    a, b = keys.generate(), keys.generate(keys.ED25519)
    (tmp_path / "a.pub").write_bytes(a.public.pem())
    inline = "\n".join("          " + line for line in b.public.pem().decode().splitlines())
    (tmp_path / "r.yaml").write_text(
        f"version: 1\npeople:\n  alice:\n    roles: [compliance]\n    keys: [a.pub]\n"
        f"  bob:\n    roles: [legal, security]\n    keys:\n      - |\n{inline}\n"
    )
    r = load_roster(tmp_path / "r.yaml")
    assert r.person_for(a.public).id == "alice"
    assert r.person_for(b.public).roles == frozenset({"legal", "security"})


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    """One key listed for two people is refused, naming the line of the second listing."""
    k = keys.generate()
    path = roster_file(tmp_path, {"alice": (["compliance"], [k]), "bob": (["legal"], [k])})
    message = r"roster.yaml:8 people.bob.keys.0: duplicate key: already listed for alice \(line 5\)"
    with pytest.raises(UsageError, match=message):
        load_roster(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 2\npeople: {}\n", "version: a roster starts with `version: 1`"),
        ("version: 1\npeople:\n  a:\n    roles: []\n    keys: [x.pub]\n", "roles: must be a non-empty list"),
        ("version: 1\npeople:\n  a:\n    roles: [x]\n    keys: [missing.pub]\n", "cannot read the public key"),
        ("version: 1\npeople:\n  a:\n    roles: [x]\n    keys: [x]\n    team: y\n", "team: unknown key"),
        ("version: 1\npeople:\n  a: {roles: [x], keys: [k]}\n  a: {roles: [y], keys: [k]}\n", "duplicate key people.a"),
        ("version: 1\npeople: [\n", "invalid YAML"),
    ],
    ids=["version", "roles", "missing-key-file", "unknown-key", "duplicate-person", "yaml"],
)
def test_invalid_rosters(tmp_path: Path, text: str, message: str) -> None:
    """Each problem is one usage error naming the file and line."""
    (tmp_path / "r.yaml").write_text(text)
    with pytest.raises(UsageError, match=message) as info:
        load_roster(tmp_path / "r.yaml")
    assert str(info.value).startswith(str(tmp_path / "r.yaml") + ":")
