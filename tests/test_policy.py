"""Policy loading: typed values, digests, and errors that name file, line and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_gate.engine import load_policy, parse_policy
from compliance_gate.errors import PolicyError
from compliance_gate.model import Severity
from compliance_gate.policy import builtin_policy_path

MINIMAL = """version: 1
checks:
  pii:
    fail_on: medium
"""


@pytest.mark.parametrize("name", ["default", "pci-dss"])
def test_bundled_policies_load(name: str) -> None:
    """The shipped policies are valid and enable at least the PII check."""
    policy = load_policy(builtin_policy_path(name))
    assert policy.digest.startswith("sha256:")
    assert policy.checks["pii"].enabled


def test_typed_values() -> None:
    """Sections become typed frozen values with defaults filled in."""
    policy = parse_policy(MINIMAL)
    assert policy.checks["pii"].fail_on is Severity.MEDIUM
    assert policy.paths.max_file_bytes > 0
    assert policy.verdict.algorithm == "ecdsa-p256"


def test_digest_ignores_comments_and_key_order() -> None:
    """Two files that mean the same have one digest; a change of meaning changes it."""
    reordered = "version: 1  # first\nchecks:\n  pii: {fail_on: medium}\n"
    assert parse_policy(MINIMAL).digest == parse_policy(reordered).digest
    assert parse_policy(MINIMAL).digest != parse_policy(MINIMAL.replace("medium", "high")).digest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL + "colour: blue\n", "<p>:5 colour: unknown key"),
        (
            MINIMAL.replace("    fail_on: medium", "    fail_on: medium\n    fial_on: high"),
            "<p>:5 checks.pii.fial_on: unknown key",
        ),
        (MINIMAL.replace("medium", "hihg"), "<p>:4 checks.pii.fail_on: 'hihg' is not one of"),
        ("checks: {}\nversion: 1\n", "<p>:1 version: must be the first key"),
        ("version: 1\nchecks:\n  nosuch: {}\n", "<p>:3 checks.nosuch: unknown key"),
        ("version: 1\nchecks: [\n", "<p>:3 invalid YAML"),
        ("version: 1\nchecks: {}\nchecks: {}\n", "<p>:3 duplicate key checks"),
        ("version: 2\nchecks: {}\n", "<p>:1 version: 1 was expected"),
        ("- 1\n", "<p>:1 the policy must be a mapping"),
        (
            MINIMAL
            + "waivers:\n  - {id: W1, check: pii, reason: because it is fine, approver: a, expires: 2030-01-01}\n",
            "<p>:6 waivers.0:",
        ),
        (
            MINIMAL + "waivers:\n  - {id: W1, check: nosuch, path: x, reason: because it is fine, approver: a, "
            "expires: 2030-01-01}\n",
            "<p>:6 waivers.0.check: unknown check 'nosuch'",
        ),
    ],
)
def test_errors_name_line_and_key(text: str, expected: str) -> None:
    """Each kind of policy mistake is an error naming the line and key path."""
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "<p>")
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_every_problem_is_listed() -> None:
    """All problems are reported at once, not one per run."""
    text = MINIMAL.replace("medium", "hihg") + "colour: blue\n"
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "<p>")
    assert len(info.value.problems) == 2


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    """A missing policy file is a one-line error that suggests `init`."""
    with pytest.raises(PolicyError, match=r"no such policy file.*init"):
        load_policy(tmp_path / "nope.yaml")


def test_waiver_dates_are_typed() -> None:
    """A waiver's expiry is a date, whether YAML saw a date or a string."""
    text = MINIMAL + (
        "waivers:\n  - id: W1\n    check: pii\n    path: 'docs/**'\n    reason: documented test data\n"
        "    approver: jane\n    expires: '2030-01-31'\n"
    )
    (waiver,) = parse_policy(text).waivers
    assert waiver.expires.isoformat() == "2030-01-31"
