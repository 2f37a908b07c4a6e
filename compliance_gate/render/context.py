"""What a report knows besides the verdict: where it came from and the verified sign-offs.

Renderers are pure: `render(verdict, context=None) -> str`. `ReportContext` carries what is not in
the verdict itself: where it came from (a signed envelope whose signature was *not* verified by
`report`, say) and the sign-off approvals a caller has already verified.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Approval:
    """One verified sign-off, as `verify` reports it (roles come from the roster, not the approval)."""

    role: str
    who: str
    decision: str
    when: str = ""
    comment: str = ""


@dataclass(frozen=True, slots=True)
class SignoffState:
    """The sign-off exactly as `verify` counts it from its roster and the approvals given: any
    reject vetoes; every required role needs its number of distinct people."""

    rejects: tuple[Approval, ...] = ()
    short: tuple[str, ...] = ()
    """Roles still short, as `verify` words them: `security needs 1, has 0`."""
    ignored: tuple[str, ...] = ()
    """Approval files that do not count, and why (another verdict, not in the roster...)."""

    @property
    def blocked(self) -> bool:
        return bool(self.rejects or self.short)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Facts about the rendering that the verdict cannot carry about itself."""

    provenance: str | None = None
    """E.g. "decoded from verdict.dsse.json; the signature was NOT verified": shown prominently."""
    approvals: tuple[Approval, ...] = ()
    signoff: SignoffState | None = None
    """Set when a roster and approvals were given: the state `verify` would compute."""
    envelope_name: str = "verdict.dsse.json"
    path_prefix: str = ""
    """Prepended to relative finding paths (SARIF, annotations) when the scanned folder is not the
    repository root, e.g. `services/payments/` in a monorepo: code scanning wants repo-relative paths."""


def prefixed(path: str | None, context: ReportContext | None) -> str | None:
    """The finding path as the repository root sees it."""
    prefix = context.path_prefix if context else ""
    if not path or not prefix or path.startswith("/"):
        return path
    return prefix.rstrip("/") + "/" + path
