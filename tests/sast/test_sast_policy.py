"""How the sast check treats `# nosec`, thresholds, per-path rules and bandit's message text."""

from __future__ import annotations

import pytest

from compliance_gate.model import Finding, Severity
from compliance_gate.sast.options import PathRule, SastOptions
from compliance_gate.sast.policy import apply_policy
from compliance_gate.sast.scanner import has_reason, safe_message
from compliance_gate.scanning.jobs import FileOutcome


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("run(cmd)  # nosec B602 -- fixed command, no user input", True),
        ("run(cmd)  # nosec # reviewed by the security team", True),
        ("run(cmd)  # nosec: B602, B607 -- wrapper around a constant argv", True),
        ('x = "# nosec"  # nosec B602 \u2014 constant argv from settings', True),
        ("run(cmd)  # nosec B602", False),
        ("run(cmd)  # nosec", False),
        ("run(cmd)  # nosec B602 -- ok", False),
        ("run(cmd)  # nosec B602, B607", False),
        ("run(cmd)  # just a comment", False),
    ],
)
def test_nosec_reason(line: str, expected: bool) -> None:
    """A reason follows ` -- `, an em dash or a second `#`, and has at least a few words."""
    assert has_reason(line) is expected


def test_hardcoded_password_message_is_redacted() -> None:
    """bandit's B105-B107 text quotes the password; the finding's message does not."""
    secret = "Zq" + "9" * 3 + "-prod-" + "x" * 6
    text = safe_message("B105", f"Possible hardcoded password: '{secret}'")
    assert secret not in text and text == "Possible hardcoded password: '<redacted>'"


def test_card_like_digits_in_a_message_are_removed() -> None:
    """No message keeps a run of 12-19 digits, whatever the rule."""
    assert safe_message("B999", "value 4000 0000 0000 0002 seen") == "value <digits> seen"


def _finding(rule: str, severity: Severity, confidence: str, path: str = "a.py", nosec: str | None = None) -> Finding:
    props: dict[str, object] = {"confidence": confidence}
    if nosec:
        props["nosec"] = nosec
    return Finding("sast", rule, severity, "m", path, 1, 1, "f" * 32, None, props)


OUTCOME = FileOutcome(
    "a.py",
    (
        _finding("B101", Severity.LOW, "high"),
        _finding("B602", Severity.HIGH, "high", nosec="reason"),
        _finding("B603", Severity.LOW, "high", nosec="bare"),
        _finding("B905", Severity.MEDIUM, "medium"),
        _finding("B901", Severity.MEDIUM, "low"),
    ),
)


@pytest.mark.parametrize(
    ("mode", "kept", "waived", "counts"),
    [
        ("honour", {"B101", "B905", "B901"}, {"B602", "B603"}, {"nosec_suppressed": 2}),
        ("refuse", {"B101", "B602", "B603", "B905", "B901"}, set(), {"nosec_refused": 2}),
        (
            "require-reason",
            {"B101", "B603", "B905", "B901"},
            {"B602"},
            {"nosec_suppressed": 1, "nosec_missing_reason": 1},
        ),
    ],
)
def test_nosec_modes(mode: str, kept: set[str], waived: set[str], counts: dict[str, int]) -> None:
    """honour waives every covered finding, refuse none, require-reason only those with a reason."""
    out = apply_policy([OUTCOME], SastOptions(nosec=mode))
    assert {f.rule for f in out.findings} == kept
    assert {w.finding.rule for w in out.waived} == waived
    assert all(w.by == "nosec" for w in out.waived)
    for key, value in counts.items():
        assert out.counts[key] == value
    marks = {f.rule: f.properties.get("nosec") for f in out.findings}
    if mode == "refuse":
        assert marks["B602"] == marks["B603"] == "refused"
    if mode == "require-reason":
        assert marks["B603"] == "missing-reason"


@pytest.mark.parametrize(
    ("min_severity", "min_confidence", "kept", "below"),
    [
        ("low", "low", {"B101", "B905", "B901"}, 0),
        ("medium", "low", {"B905", "B901"}, 2),
        ("low", "medium", {"B101", "B905"}, 1),
        ("high", "high", set(), 4),
    ],
)
def test_severity_and_confidence_floor(min_severity: str, min_confidence: str, kept: set[str], below: int) -> None:
    """Findings below the severity or confidence floor are dropped (suppressed ones too) and counted."""
    out = apply_policy([OUTCOME], SastOptions(min_severity=min_severity, min_confidence=min_confidence))
    assert {f.rule for f in out.findings} == kept
    assert out.counts.get("below_threshold", 0) == below


def test_per_path_rules() -> None:
    """Per-path skips drop a test's findings under matching paths only; per-path tests keep only those."""
    outcomes = [
        FileOutcome(
            "tests/test_a.py",
            (
                _finding("B101", Severity.LOW, "high", "tests/test_a.py"),
                _finding("B905", Severity.MEDIUM, "high", "tests/test_a.py"),
            ),
        ),
        FileOutcome("src/a.py", (_finding("B101", Severity.LOW, "high", "src/a.py"),)),
        FileOutcome(
            "scripts/x.py",
            (
                _finding("B101", Severity.LOW, "high", "scripts/x.py"),
                _finding("B903", Severity.HIGH, "high", "scripts/x.py"),
            ),
        ),
    ]
    options = SastOptions(
        per_path=(PathRule(paths=("tests/**",), skips=("B101",)), PathRule(paths=("scripts/",), tests=("B903",)))
    )
    out = apply_policy(outcomes, options)
    assert {(f.path, f.rule) for f in out.findings} == {
        ("tests/test_a.py", "B905"),
        ("src/a.py", "B101"),
        ("scripts/x.py", "B903"),
    }
    assert out.counts["skipped_by_path"] == 2


def test_file_errors_are_errors_of_the_check() -> None:
    """An outcome with an error becomes one error line of the check, never a clean file."""
    out = apply_policy([FileOutcome("bad.py", error="bad.py:3: bandit cannot parse this file")], SastOptions())
    assert out.errors == ("bad.py:3: bandit cannot parse this file",)
    assert out.counts["files"] == 0 and out.counts["errors"] == 1
