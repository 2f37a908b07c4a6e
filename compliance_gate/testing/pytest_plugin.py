"""A pytest plugin: test your own projection code against real recordings, in your own suite.

Installed with compliance-gate (the `pytest11` entry point `compliance_gate`); nothing to
configure. It gives one fixture, `replay_recording`, and one assertion helper, `assert_reconciled`:

    from compliance_gate.testing.pytest_plugin import assert_reconciled
    from payments.stripe_projection import project

    def test_projection_matches_stripe(replay_recording):
        result = replay_recording(
            "recordings/stripe/events.jsonl",
            reported="recordings/stripe/report.csv",
            settlement="recordings/stripe/settlement.csv",
            preset="stripe",
            projector=project,  # your function, called in this process
        )
        assert_reconciled(result)

`replay_recording(events, *, reported, settlement=None, preset=None, policy=None, projector=None,
as_of=None, root=None, **options)` runs the same replay and reconciliation as `compliance-gate
replay`: the preset (or the `checks.replay` section of the policy file) gives the mapping, the
state machine and the table formats; `options` override keys of that section (`grace_s=0`,
`machine={...}`). Relative paths are relative to `root` (default: pytest's rootdir). `projector` is
a function called once per payment with its events in replay order (each with `raw`, the event
as the provider recorded it), or a `module:function` string run as the gate runs it. Returns a
`ReplayResult`; `assert_reconciled(result, allow={"category": {"payment id", ...}})` fails with a
readable table of every break (payment, category, what differs, the events behind it) and every
error, and passes only if the replay saw payments at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from compliance_gate import yamlmap
from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import CheckOutput, JSONValue, Severity
from compliance_gate.policy import COMMON_CHECK_KEYS
from compliance_gate.replay import presets
from compliance_gate.replay.fold.projector import ProjectorFn
from compliance_gate.replay.pipeline import replay_and_reconcile
from compliance_gate.replay.report.results import check_output

__all__ = ["Break", "ReplayResult", "assert_reconciled", "replay_recording"]


@dataclass(frozen=True, slots=True)
class Break:
    """One finding of the replay, as a test reads it (messages are masked like the gate's)."""

    category: str
    payment_id: str
    severity: str
    message: str
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReplayResult:
    breaks: tuple[Break, ...]
    errors: tuple[str, ...]
    counts: Mapping[str, int]
    metrics: Mapping[str, JSONValue]

    @property
    def payments(self) -> int:
        return self.counts.get("payments", 0)

    def by_category(self) -> dict[str, set[str]]:
        """Category -> the payment ids its breaks name."""
        out: dict[str, set[str]] = {}
        for b in self.breaks:
            out.setdefault(b.category, set()).add(b.payment_id)
        return out

    def blocking(self, fail_on: str = "high") -> tuple[Break, ...]:
        """The breaks at or above `fail_on`, as the gate would block on them."""
        level = Severity(fail_on)
        return tuple(b for b in self.breaks if Severity(b.severity).at_least(level))


Runner = Callable[..., ReplayResult]


def _section(policy: Path | None) -> dict[str, object]:
    if policy is None:
        return {}
    data, _ = yamlmap.load(policy.read_text(encoding="utf-8"))
    checks = data.get("checks") if isinstance(data, dict) else None
    raw = checks.get("replay") if isinstance(checks, dict) else None
    if not isinstance(raw, dict):
        raise pytest.UsageError(f"{policy}: no checks.replay section")
    return {str(k): v for k, v in raw.items() if k not in COMMON_CHECK_KEYS}


def _merge_table(section: dict[str, object], key: str, values: Mapping[str, object]) -> None:
    current = section.get(key)
    table = dict(current) if isinstance(current, dict) else {}
    table.update(values)
    section[key] = table


def run_replay(
    events: str | Path,
    *,
    reported: str | Path,
    settlement: str | Path | None = None,
    preset: str | None = None,
    policy: str | Path | None = None,
    projector: ProjectorFn | str | None = None,
    as_of: str | None = None,
    root: str | Path = ".",
    **options: object,
) -> ReplayResult:
    """Replay and reconcile one recording (what the fixture calls)."""
    base = Path(root).resolve()
    section = _section(base / policy if policy is not None else None)
    if preset:
        section["preset"] = preset
    _merge_table(section, "events", {"path": str(events)})
    rep = str(reported)
    _merge_table(section, "reported", {"url": rep, "path": ""} if "://" in rep else {"path": rep, "url": ""})
    if as_of:
        _merge_table(section, "reported", {"as_of": as_of})
    if settlement is not None:
        _merge_table(section, "settlement", {"path": str(settlement)})
    func: ProjectorFn | None = None
    if isinstance(projector, str):
        section["projector"] = projector
    elif projector is not None:
        func = projector
    section.update(options)
    opts = presets.build(section)
    out = check_output(replay_and_reconcile(opts, base, projector_fn=func), opts, Fingerprinter(), {})
    return _result(out)


def _result(out: CheckOutput) -> ReplayResult:
    breaks = []
    for f in out.findings:
        props = f.properties
        events = props.get("events")
        breaks.append(
            Break(
                category=str(props.get("category", "")),
                payment_id=str(props.get("payment_id", "")),
                severity=str(f.severity),
                message=f.message,
                events=tuple(str(e) for e in events) if isinstance(events, list) else (),
            )
        )
    return ReplayResult(tuple(breaks), tuple(out.errors), dict(out.counts), dict(out.metrics))


def assert_reconciled(result: ReplayResult, allow: Mapping[str, set[str] | frozenset[str]] | None = None) -> None:
    """Fail, with every break and error listed, unless the replay saw payments and found nothing
    beyond `allow` (category -> payment ids a test expects, e.g. a fault it planted)."""
    allowed = allow or {}
    left = [b for b in result.breaks if b.payment_id not in allowed.get(b.category, set())]
    expected_missing = sorted(
        f"{cat} {pid}"
        for cat, pids in allowed.items()
        for pid in pids
        if pid not in result.by_category().get(cat, set())
    )
    if not left and not result.errors and not expected_missing and result.payments > 0:
        return
    lines = [f"replay of {result.payments} payments is not reconciled:"]
    if result.payments == 0:
        lines.append("  no payments were replayed: a reconciliation of nothing proves nothing")
    lines += [f"  error: {e}" for e in result.errors]
    if left:
        width = max(len(b.payment_id) for b in left)
        lines.append(f"  {len(left)} break(s):")
        for b in left:
            lines.append(f"    {b.payment_id:<{width}}  {b.category:<22} {b.severity:<8} {b.message}")
            lines += [f"    {'':<{width}}    event {e}" for e in b.events[:5]]
    lines += [f"  expected but not found: {m}" for m in expected_missing]
    raise AssertionError("\n".join(lines))


@pytest.fixture
def replay_recording(request: pytest.FixtureRequest) -> Runner:
    """A function that replays a recording (see the module's documentation); relative paths are
    relative to pytest's rootdir unless `root=` is given."""
    return functools.partial(run_replay, root=Path(str(request.config.rootpath)))
