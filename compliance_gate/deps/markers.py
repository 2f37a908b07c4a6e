"""PEP 508 markers against the platform the release runs on.

A lock file entry whose marker is false on the target platform is not installed there, so it is
not audited (and is listed as skipped with its marker). Everything else is conservative: a marker
that names an extra or a dependency group is true when any extra or group could make it true, and
a marker that cannot be evaluated (an unknown variable, a comparison `packaging` refuses) keeps the
package in the audit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName, default_environment

_EXTRA_VALUE = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]|['"]([^'"]+)['"]\s*==\s*extra""")


class MarkerError(ValueError):
    """A marker that does not parse; readers turn it into a `LockFileError` with file and line."""


@dataclass(frozen=True, slots=True)
class Target:
    """Marker values of the target platform: the running interpreter's, overridden by `values`."""

    values: Mapping[str, str] = field(default_factory=dict)
    _cache: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, overrides: Mapping[str, str]) -> Target:
        env: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
        env.update(overrides)
        return cls(env)

    def admits(
        self, marker: str | None, *, extras: frozenset[str] | None = None, groups: frozenset[str] | None = None
    ) -> bool:
        """Whether a package with this marker is installed on the target (None or "" always is).

        `extras` and `groups` are the names a PEP 751 lock file offers; with them the marker is
        evaluated in the lock-file context, where `extras` and `dependency_groups` are sets.
        """
        if not marker or not marker.strip():
            return True
        key = f"{marker}\x1f{sorted(extras or ())}\x1f{sorted(groups or ())}"
        if key not in self._cache:
            self._cache[key] = self._evaluate(marker, extras, groups)
        return self._cache[key]

    def _evaluate(self, marker: str, extras: frozenset[str] | None, groups: frozenset[str] | None) -> bool:
        try:
            parsed = Marker(marker)
        except InvalidMarker as exc:
            raise MarkerError(f"invalid marker {marker!r}: {exc}") from exc
        env: dict[str, str | frozenset[str]] = dict(self.values)
        lock_context = extras is not None or groups is not None
        if lock_context:
            env["extras"] = extras or frozenset()
            env["dependency_groups"] = groups or frozenset()
        # `extra == "socks"`: installed when that extra is requested, which a lock file cannot rule out.
        candidates = ["", *(a or b for a, b in _EXTRA_VALUE.findall(marker))]
        try:
            for extra in candidates:
                env["extra"] = extra
                if parsed.evaluate(env, "lock_file" if lock_context else "metadata"):
                    return True
        except (UndefinedEnvironmentName, UndefinedComparison):
            return True
        return False
