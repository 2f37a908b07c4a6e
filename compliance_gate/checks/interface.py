"""The one extension point: a check is a `Check` value in `compliance_gate.registry.REGISTRY`.

A check is a plain function `run(ctx) -> CheckOutput` plus the typed options it reads from its
policy section. It holds no state between runs and reads no environment: everything arrives in
the `CheckContext`. A check that cannot evaluate something either raises (the engine marks it
`error`) or returns `CheckOutput(errors=...)`; it never returns a clean result instead.

File-based checks hand the per-file work to `ctx.scan_files(...)` (see
`compliance_gate.scanning.jobs`), which spreads it over worker processes and answers unchanged
files from the content-hash cache; `compliance_gate.scanning.collect` gathers what comes back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Generic, TypeVar

from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, Severity
from compliance_gate.policy import Policy
from compliance_gate.scanning.jobs import FileScanRunner
from compliance_gate.scanning.workspace import SourceFile, Workspace
from compliance_gate.summary import NoSummary, SummaryReader

OptionsT = TypeVar("OptionsT")

PolicyParser = Callable[[str, str], Policy]
"""`(text, display) -> Policy` with this gate's checks: how a check reads another version of the
policy (change-scope reads the policy file as it was at the base of the release range)."""


@dataclass(frozen=True, slots=True)
class NoOptions:
    """For checks without options of their own."""


@dataclass(frozen=True, slots=True)
class CheckContext(Generic[OptionsT]):
    """Everything a check may read. `files` is the workspace after the check's own path rules.

    `now` is the run's start (a check that judges an input's age uses it, never the clock);
    `state_dir` is where a check may keep a warm cache of its own (`.compliance-gate/`), None
    when the run uses no cache.
    """

    check_id: str
    options: OptionsT
    policy: Policy
    workspace: Workspace
    files: tuple[SourceFile, ...]
    fingerprints: Fingerprinter
    scan_files: FileScanRunner
    fail_on: Severity
    parse_policy: PolicyParser
    now: datetime | None = None
    state_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class CheckHelp:
    """What a finding of the check means and how to fix it (SARIF rule help, reports)."""

    what: str
    fix: str
    adopt: str = ""
    """The command that adopts today's findings in a baseline so only new ones block; "" if none."""


RuleCatalog = Mapping[str, Severity | None]
"""A check's rules and the severity it reports each with (None: per finding, as the engine
rates it); `compliance-gate policy explain` shows them per path tier."""


@dataclass(frozen=True, slots=True)
class Check(Generic[OptionsT]):
    """A check: its id, one-line summary, options type, engine versions and `run` function;
    `read_summary` reads its summary back from its metrics (`compliance_gate.summary`).

    `line_scoped` checks report on lines of the workspace's files: a release range judges only
    the lines it changed, and `compliance-gate baseline` records their findings. `rules` lists
    the rules it reports, for `policy explain`."""

    id: str
    summary: str
    run: Callable[[CheckContext[OptionsT]], CheckOutput]
    options: type[OptionsT]
    help: CheckHelp
    engines: Callable[[], Mapping[str, str]] = dict
    default_fail_on: Severity = Severity.HIGH
    read_summary: SummaryReader = NoSummary.from_metrics
    prepare: Callable[[Mapping[str, object]], Mapping[str, object]] | None = None
    """Completes the policy section before it is typed (the replay check's presets)."""
    line_scoped: bool = False
    rules: Callable[[], RuleCatalog] = dict
    """The rules this check reports, with their production severities (None: set per finding)."""
    rule_family: str | None = None
    """A regular expression for rule names the catalog does not list one by one (sast: bandit's
    `B\\d{3}` tests); None if the catalog is complete."""
