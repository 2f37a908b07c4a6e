"""bandit, run in-process over one batch of files, keeping what `# nosec` would have hidden.

bandit drops a finding as soon as a `# nosec` comment covers it, so nothing outside it can count
suppressions or ask for a reason. `RecordingTester` asks bandit's own nosec logic
(`_get_nosecs_from_contexts`, same lines, same test ids) and stores its answer on the issue
instead of acting on it; the check then applies the policy (honour, refuse, require a reason).
With `honour`, what remains is exactly what `bandit` reports; with `refuse`, exactly what
`bandit --ignore-nosec` reports. This leans on private methods of bandit
(`BanditTester._get_nosecs_from_contexts`, `BanditManager._parse_file` and
`_execute_ast_visitor`), unchanged from 1.7.6 to 1.9.4: bandit's public API (`BanditManager`
with `ignore_nosec`) cannot report what a `# nosec` hid, which the nosec policy needs. So the
range in pyproject is what CI tests: the differential tests against the real `bandit` CLI run at
its lower bound (.ci/run) and its upper bound (the main environment).

This module imports bandit at the top: import it only inside the worker.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import BinaryIO, cast

from bandit.core import config as b_config
from bandit.core import context as b_context
from bandit.core import extension_loader
from bandit.core import issue as b_issue
from bandit.core import manager as b_manager
from bandit.core import metrics as b_metrics
from bandit.core import node_visitor as b_node_visitor
from bandit.core import test_set as b_test_set
from bandit.core import tester as b_tester

from compliance_gate.errors import CheckFailure
from compliance_gate.sast.plugins import RULE_IDS

NOSEC_ATTR = "_compliance_gate_nosec"
"""Set on each issue: None (no nosec covers it) or (test ids named, comment line numbers)."""


NosecLines = dict[int, set[str] | None]
"""bandit's map from a line with a `# nosec` comment to the test ids it names (empty: all)."""


class RecordingTester(b_tester.BanditTester):  # type: ignore[misc]
    def __init__(
        self,
        testset: b_test_set.BanditTestSet,
        debug: bool,
        nosec_lines: NosecLines,
        metrics: b_metrics.Metrics,
        errors: list[str],
    ) -> None:
        super().__init__(testset, debug, nosec_lines, metrics)
        self.errors = errors

    def _get_nosecs_from_contexts(
        self, context: Mapping[str, object], test_result: b_issue.Issue | None = None
    ) -> set[str] | None:
        if test_result is None:
            # No finding: bandit would only log an unused nosec (logs we silence anyway); skipping
            # the lookup saves one call per test per AST node.
            return None
        found = super()._get_nosecs_from_contexts(context, test_result)
        lines = []
        if test_result.lineno is not None and self.nosec_lines.get(test_result.lineno) is not None:
            lines.append(test_result.lineno)
        for line in cast("Iterable[int]", context["linerange"]):
            if self.nosec_lines.get(line) is not None:
                lines.append(line)
                break
        setattr(test_result, NOSEC_ATTR, None if found is None else (frozenset(found), tuple(lines)))
        return None  # never skip here: the check decides

    def report_error(self, test: str, context: b_context.Context, error: Exception) -> None:
        # bandit logs a crashed test and carries on, losing its result: for us that file is
        # not evaluated, so it becomes an error of the check.
        line = context._context.get("lineno", 0)
        self.errors.append(f"{line}: bandit test {test} crashed ({type(error).__name__})")


class RecordingManager(b_manager.BanditManager):  # type: ignore[misc]
    def __init__(self, profile: dict[str, list[str]]) -> None:
        super().__init__(b_config.BanditConfig(), "file", profile=profile, ignore_nosec=False)
        self.test_errors: dict[str, list[str]] = {}
        # The bytes bandit parsed, kept for files with results: findings point into them.
        self.sources: dict[str, bytes] = {}

    def _parse_file(self, fname: str, fdata: BinaryIO, new_files_list: list[str]) -> None:
        # bandit tokenizes every file to find `# nosec` comments (a tenth of its time); its
        # comment pattern needs the literal text "nosec", so without it there is nothing to find.
        self.ignore_nosec = b"nosec" not in fdata.read()
        fdata.seek(0)
        super()._parse_file(fname, fdata, new_files_list)

    def _execute_ast_visitor(
        self, fname: str, fdata: BinaryIO, data: bytes, nosec_lines: NosecLines
    ) -> dict[str, list[int]]:
        visitor = b_node_visitor.BanditNodeVisitor(
            fname, fdata, self.b_ma, self.b_ts, self.debug, nosec_lines, self.metrics
        )
        errors = self.test_errors.setdefault(fname, [])
        visitor.tester = RecordingTester(self.b_ts, self.debug, nosec_lines, self.metrics, errors)
        score: dict[str, list[int]] = visitor.process(data)
        if visitor.tester.results:
            self.sources[fname] = data
        self.results.extend(visitor.tester.results)
        return score


def require_rules(skips: Sequence[str], tests: Sequence[str]) -> None:
    """Fail if bandit did not load our payment rules (a broken install skips them silently)."""
    loaded = extension_loader.MANAGER.plugins_by_id
    wanted = [r for r in RULE_IDS if r not in skips and (not tests or r in tests)]
    missing = [r for r in wanted if r not in loaded]
    if missing:
        raise CheckFailure(
            f"bandit did not load the payment rules {', '.join(missing)}; reinstall compliance-gate "
            "so its bandit.plugins entry points are registered (pip install -e . in a checkout)"
        )


@contextlib.contextmanager
def quiet_bandit() -> Iterator[None]:
    """bandit logs warnings per file (unknown nosec names...); the check reports through its result."""
    logger = logging.getLogger("bandit")
    before = logger.level
    logger.setLevel(logging.CRITICAL)  # its module loggers inherit this level
    try:
        yield
    finally:
        logger.setLevel(before)


def run_bandit(paths: Sequence[str], profile: dict[str, list[str]]) -> RecordingManager:
    """Run every test of `profile` over `paths`; results, skipped files and crashes are on the manager."""
    require_rules(profile.get("exclude", ()), profile.get("include", ()))
    with quiet_bandit():
        mgr = RecordingManager(profile)
        mgr.files_list = list(paths)
        mgr.run_tests()
    return mgr
