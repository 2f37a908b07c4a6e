"""The sast check's options: the keys of `checks.sast` in a policy (see the check's docstring)."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("low", "medium", "high")


@dataclass(frozen=True, slots=True)
class PathRule:
    """Tests skipped (or the only tests kept) for files matching `paths`, e.g. B101 under tests/."""

    paths: tuple[str, ...]
    skips: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SastOptions:
    min_severity: str = "low"
    min_confidence: str = "low"
    tests: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    per_path: tuple[PathRule, ...] = ()
    nosec: str = "honour"

    def profile(self) -> dict[str, list[str]]:
        """bandit's profile: the same as `bandit -t TESTS -s SKIPS`."""
        return {"include": list(self.tests), "exclude": list(self.skips)}
