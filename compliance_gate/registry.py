"""The registry of checks: a literal dict, so what runs is visible in one place.

Each check is a small module of `compliance_gate.checks` exposing `CHECK`; nothing registers
itself at import. Adding a check: its module in `checks/`, one entry here, and its options
schema under `policies/schemas/checks/`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compliance_gate.checks import audit_log, change_scope, deps, pii, replay, sast, secrets
from compliance_gate.checks.interface import Check

REGISTRY: Mapping[str, Check[Any]] = {
    "pii": pii.CHECK,
    "audit-log": audit_log.CHECK,
    "change-scope": change_scope.CHECK,
    "sast": sast.CHECK,
    "replay": replay.CHECK,
    "secrets": secrets.CHECK,
    "deps": deps.CHECK,
}
