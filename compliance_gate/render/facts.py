"""Facts about the verdict that several reports state: engines, sign-offs, how to verify it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from compliance_gate.model import Outcome, Verdict
from compliance_gate.render.context import ReportContext

PASS, PARTIAL, BLOCKED, AWAITING = "PASS", "PARTIAL", "BLOCKED", "AWAITING SIGN-OFF"


@dataclass(frozen=True, slots=True)
class Headline:
    """What a report's banner says: the verdict, unless the sign-off or the scope of the run
    keeps a PASS from being deployable; a green PASS only when `verify` could accept it."""

    label: str
    """PASS, FAIL, ERROR, PARTIAL, BLOCKED or AWAITING SIGN-OFF."""
    css: str
    why: tuple[str, ...] = ()

    @property
    def deployable(self) -> bool:
        return self.label == PASS


def headline(verdict: Verdict, context: ReportContext | None = None) -> Headline:
    """The banner: FAIL and ERROR as decided; a PASS is PARTIAL for a partial run, BLOCKED when
    a sign-off was rejected or is short (with a roster and approvals given), and AWAITING SIGN-OFF
    when roles are required and no approvals were given to the report."""
    state = context.signoff if context else None
    rejected = tuple(
        f"rejected by {a.who} as {a.role}"
        + (f" at {a.when}" if a.when else "")
        + (f": {a.comment}" if a.comment else "")
        for a in (state.rejects if state else ())
    )
    if verdict.verdict is not Outcome.PASS:
        return Headline(verdict.verdict.value, verdict.verdict.value, rejected)
    if not verdict.complete:
        return Headline(PARTIAL, "PARTIAL", tuple(partial_reasons(verdict)))
    if state is not None and state.blocked:
        return Headline(BLOCKED, "BLOCKED", (*rejected, *(f"sign-off incomplete: {s}" for s in state.short)))
    if state is None and any(n > 0 for n in verdict.required_signoffs.values()):
        wanted = ", ".join(f"{role}={n}" for role, n in sorted(verdict.required_signoffs.items()) if n > 0)
        return Headline(
            AWAITING,
            "AWAITING",
            (f"sign-off required ({wanted}): `verify` refuses this verdict until the approvals are signed",),
        )
    return Headline(PASS, "PASS")


def partial_reasons(verdict: Verdict) -> list[str]:
    """What a partial run did not cover, in words: which checks did not run, which files were left out."""
    s = verdict.source
    out = []
    if verdict.not_run:
        out.append(f"not run: {', '.join(verdict.not_run)} (--only); their checks did not happen")
    scope = {
        "staged": f"only the {s.files} staged file(s) were scanned, not the whole tree",
        "files": f"only {s.files} file(s) named on the command line were scanned, not the whole tree",
    }.get(s.mode)
    if scope:
        out.append(scope)
    if not out:
        out.append("partial run: not every enabled check ran over the whole tree")
    return out


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
        return f"partial run, never valid for a deploy: {'; '.join(partial_reasons(verdict))}"
    if verdict.source.dirty:
        return "scanned a working tree with uncommitted changes: not valid for a deploy"
    return None
