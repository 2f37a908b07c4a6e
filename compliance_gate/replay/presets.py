"""Presets: a provider's standard exports replayed with no other configuration.

`preset: stripe | adyen | debezium` (or `compliance-gate replay --preset NAME`) fills in the
event mapping, the state machine, the status vocabulary and the report and settlement formats
for that provider (`policies/presets/<name>.yaml`, each documented there). Whatever the policy
itself says wins: the preset is merged under the policy's `checks.replay` section key by key
(mappings merge, lists and values replace), so a team overrides one field, one event type's
effect (`machine: {events: {...}}`) or the report's column names without restating the rest.
The preset and the state machine are recorded among the check's inputs with their digests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import yaml

from compliance_gate import bundled, typed
from compliance_gate.errors import InputError
from compliance_gate.model import InputRecord
from compliance_gate.replay.fold.machine import StateMachine, merge
from compliance_gate.replay.options import ReplayOptions

PRESETS = ("stripe", "adyen", "debezium")


def preset_path(name: str) -> Path:
    return bundled.policies_dir() / "presets" / f"{name}.yaml"


def load(name: str) -> dict[str, object]:
    """The preset's replay section as parsed."""
    if name not in PRESETS:
        raise InputError(f"checks.replay.preset (or --preset): unknown preset {name!r}; known: {', '.join(PRESETS)}")
    data = yaml.safe_load(preset_path(name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(f"builtin:presets/{name}.yaml: not a mapping")
    return data


def prepare(section: Mapping[str, object]) -> Mapping[str, object]:
    """A policy's replay section with its preset merged under it (the policy wins)."""
    name = section.get("preset")
    if not name:
        return section
    return merge(load(str(name)), section)


def build(section: Mapping[str, object]) -> ReplayOptions:
    """Typed options from a replay section (a policy's, or one the `replay` command assembles)."""
    return typed.build(ReplayOptions, prepare(section))


def records(opts: ReplayOptions, machine: StateMachine) -> list[InputRecord]:
    """The preset and the state machine among the inputs: bundled names and digests, never a path
    of this machine."""
    out = []
    if opts.preset:
        digest = hashlib.sha256(preset_path(opts.preset).read_bytes()).hexdigest()
        out.append(InputRecord(f"builtin:presets/{opts.preset}.yaml", digest, "preset"))
    out.append(InputRecord(opts.state_machine, machine.digest, "state-machine"))
    return out
