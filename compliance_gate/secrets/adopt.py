"""Library side of `compliance-gate baseline`: the current findings, as a detect-secrets baseline.

The findings come from the secrets check's engine run through `engine.open_session` (the same
workspace, worker pool and cache as `run`); this module only writes them in the engine's format.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from compliance_gate import bundled
from compliance_gate.errors import UsageError
from compliance_gate.model import Finding, JSONValue
from compliance_gate.secrets import baseline as baselines
from compliance_gate.secrets.config import engine_config
from compliance_gate.secrets.options import SecretsOptions


def baseline_settings(opts: SecretsOptions) -> dict[str, JSONValue]:
    """`plugins_used` / `filters_used` as the engine writes them (no verification filter)."""
    from detect_secrets.settings import get_settings, transient_settings

    with transient_settings(engine_config(opts)):
        data: dict[str, JSONValue] = get_settings().json()
    return data


def baseline_path(opts: SecretsOptions, root: Path, output: Path | None) -> Path:
    """`--output`, else the policy's `checks.secrets.baseline`, else `ROOT/.secrets.baseline`."""
    return output or (bundled.resolve(opts.baseline, root) if opts.baseline else root / ".secrets.baseline")


def write_baseline(
    findings: Sequence[Finding], errors: Sequence[str], opts: SecretsOptions, target: Path, slim: bool
) -> int:
    """Write `findings` to `target` keeping earlier audits; refuse when some file was not scanned."""
    if errors:
        raise UsageError(f"cannot write a baseline: {len(errors)} file(s) could not be scanned, first: {errors[0]}")
    previous = baselines.load(target, str(target)) if target.is_file() else None
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    text = baselines.render(findings, baseline_settings(opts), previous, slim, stamp)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the baseline ({exc.strerror})") from None
    return len(findings)
