"""Facts about the verdict that several reports state: engines, sign-offs, how to verify it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from compliance_gate.model import Verdict
from compliance_gate.render.context import ReportContext


def engines_text(engines: Mapping[str, str]) -> str:
    return ", ".join(f"{name} {version}" for name, version in sorted(engines.items()))


def short(digest: str, n: int = 12) -> str:
    return digest.split(":", 1)[-1][:n]


def verify_commands(verdict: Verdict, context: ReportContext | None = None) -> list[str]:
    """The commands a deploy job (or a release manager) runs to check this verdict independently."""
    envelope = (context or ReportContext()).envelope_name
    commit = verdict.source.commit or "<commit being deployed>"
    verify = (
        f"compliance-gate verify {envelope} --key verdict.pub --commit {commit} --policy-digest {verdict.policy.digest}"
    )
    if verdict.required_signoffs:
        verify += " --roster roster.yaml --approvals approvals/"
    return [verify, f"compliance-gate report {envelope} --key verdict.pub --format html -o report.html"]


def signoff_rows(verdict: Verdict, context: ReportContext | None = None) -> list[tuple[str, int, int]]:
    """(role, required, approvals present) for every required role, sorted by role."""
    approvals = (context or ReportContext()).approvals
    present = Counter(a.role for a in approvals if a.decision == "approve")
    return [(role, n, present.get(role, 0)) for role, n in sorted(verdict.required_signoffs.items())]


def deploy_valid_note(verdict: Verdict) -> str | None:
    """Why this verdict can never satisfy `verify`, if that is already visible in it."""
    if not verdict.complete:
        return "partial run (selected checks, staged or explicit files): never valid for a deploy"
    if verdict.source.dirty:
        return "scanned a working tree with uncommitted changes: not valid for a deploy"
    return None
