"""detect-secrets settings from the policy, applied inside the process that scans.

detect-secrets keeps its settings in a process-global singleton. The gate builds the engine's own
configuration (the `plugins_used` / `filters_used` shape of a baseline) from the typed policy and
applies it with `transient_settings` around each batch, in the worker process that scans it.

Two rules keep the result equal to `detect-secrets scan --no-verify` and the gate hermetic:

- `filters_used` *replaces* the engine's default filters, so the list always starts from the
  engine's full default set (allowlist pragmas and every heuristic) and only adds exclusions;
- the network verification filter is never configured, whatever a baseline says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from compliance_gate.errors import CheckFailure
from compliance_gate.model import JSONValue
from compliance_gate.secrets.options import SecretsOptions

if TYPE_CHECKING:
    from detect_secrets.plugins.base import BasePlugin
    from detect_secrets.settings import Settings

EngineConfig = dict[str, list[dict[str, JSONValue]]]
"""The engine's own configuration: `plugins_used` and `filters_used`, as in a baseline."""

SUPPORTED_ENGINE = "1.5."
INVALID_FILE = "detect_secrets.filters.common.is_invalid_file"
ALLOWLIST = "detect_secrets.filters.allowlist.is_line_allowlisted"
VERIFICATION = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
BASELINE_FILE = "detect_secrets.filters.common.is_baseline_file"
REGEX_FILTERS = {
    "exclude_lines": "detect_secrets.filters.regex.should_exclude_line",
    "exclude_files": "detect_secrets.filters.regex.should_exclude_file",
    "exclude_secrets": "detect_secrets.filters.regex.should_exclude_secret",
}
LIMITED = {"Base64HighEntropyString": "base64_limit", "HexHighEntropyString": "hex_limit"}


def engine_version() -> str:
    from detect_secrets.__version__ import VERSION

    return str(VERSION)


def check_engine() -> None:
    version = engine_version()
    if not version.startswith(SUPPORTED_ENGINE):
        raise CheckFailure(
            f"detect-secrets {version} is installed; the secrets check supports {SUPPORTED_ENGINE}x "
            "(its prefilter mirrors that version's plugins): install 'detect-secrets>=1.5.0,<1.6'"
        )


def builtin_plugins() -> list[str]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    return sorted(cls.__name__ for cls in classes)


def engine_config(opts: SecretsOptions) -> EngineConfig:
    """The engine's configuration dict for these options; raises `CheckFailure` if unusable."""
    known = builtin_plugins()
    unknown = sorted((set(opts.plugins) | set(opts.disable_plugins)) - set(known))
    if unknown:
        raise CheckFailure(f"checks.secrets: unknown plugin {', '.join(unknown)}; known: {', '.join(known)}")
    for key in REGEX_FILTERS:
        for i, pattern in enumerate(getattr(opts, key)):
            _valid_regex(f"checks.secrets.{key}[{i}]", pattern)
    if opts.keyword_exclude:
        _valid_regex("checks.secrets.keyword_exclude", opts.keyword_exclude)
    for key in LIMITED.values():
        if not 0.0 <= getattr(opts, key) <= 8.0:
            raise CheckFailure(f"checks.secrets.{key}: must be between 0.0 and 8.0")
    names = [n for n in (opts.plugins or known) if n not in opts.disable_plugins]
    return {"plugins_used": [_plugin(n, opts) for n in names], "filters_used": _filters(opts)}


def _valid_regex(where: str, pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise CheckFailure(f"{where}: invalid regular expression ({exc})") from None


def _plugin(name: str, opts: SecretsOptions) -> dict[str, JSONValue]:
    if name in LIMITED:
        return {"name": name, "limit": float(getattr(opts, LIMITED[name]))}
    if name == "KeywordDetector" and opts.keyword_exclude:
        return {"name": name, "keyword_exclude": opts.keyword_exclude}
    return {"name": name}


def _filters(opts: SecretsOptions) -> list[dict[str, JSONValue]]:
    from detect_secrets.settings import Settings

    defaults = Settings()  # a fresh instance: the engine's own default filter set
    out: list[dict[str, JSONValue]] = [
        {"path": path} for path in sorted(defaults.filters) if path not in Settings.DEFAULT_FILTERS
    ]
    for key, path in REGEX_FILTERS.items():
        patterns = list(getattr(opts, key))
        if patterns:
            out.append({"path": path, "pattern": patterns})
    if opts.baseline:
        out.append({"path": BASELINE_FILE, "filename": opts.baseline.rsplit("/", 1)[-1]})
    return [f for f in out if f["path"] != VERIFICATION]


@contextmanager
def configured(config: EngineConfig) -> Iterator[Settings]:
    """Apply `config` to this process's detect-secrets settings for the duration of the block.

    The allowlist filter is switched off inside: the scanner evaluates pragmas itself so that it
    can count (and, per policy, refuse) inline suppressions; files are read by the gate, so the
    engine's `os.path.isfile` filter (relative to the working directory) is off too.
    """
    from detect_secrets.filters import common, regex
    from detect_secrets.settings import get_settings, transient_settings

    for cached in (
        regex._get_line_exclusion_regex,
        regex._get_file_exclusion_regex,
        regex._get_secret_exclusion_regex,
        common._get_baseline_filename,
    ):
        cached.cache_clear()
    with transient_settings(config) as settings:
        settings.disable_filters(INVALID_FILE, ALLOWLIST, VERIFICATION)
        assert VERIFICATION not in get_settings().filters
        yield settings
