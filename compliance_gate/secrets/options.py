"""The `checks.secrets` policy section, typed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SecretsOptions:
    """Keys of `checks.secrets` (see `compliance_gate.checks.secrets` for their meaning)."""

    plugins: tuple[str, ...] = ()
    disable_plugins: tuple[str, ...] = ()
    base64_limit: float = 4.5
    hex_limit: float = 3.0
    keyword_exclude: str = ""
    exclude_lines: tuple[str, ...] = ()
    exclude_files: tuple[str, ...] = ()
    exclude_secrets: tuple[str, ...] = ()
    baseline: str | None = ".secrets.baseline"
    baseline_required: bool = False
    unaudited: str = "waive"
    allow_inline_suppressions: bool = True
    require_suppression_reason: bool = False
    history: bool = True
    history_since: str | None = None
