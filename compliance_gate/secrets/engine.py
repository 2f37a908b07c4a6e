"""The engine's scan of one file, with only candidate lines going through its per-line machinery.

This mirrors `detect_secrets.core.scan.scan_file` step by step, calling the engine's own code for
every decision: its file-name filters, its transformers (the INI/config transformer, the YAML
transformer, and the eager config transformer that it tries only when the first pass found
nothing), its `_scan_line` (plugin + secret filters) and its line and context filters. The one
change is *which* lines reach `_scan_line`: those the prefilter says some plugin can fire on, and
for each only those plugins. Plugins and filters are pure functions of (file name, line, previous
line), so the results are the engine's.

Two deliberate differences, both about what the engine silently drops:

- a file that is not valid UTF-8 is skipped by the engine without a word; the gate scans it with
  the undecodable bytes replaced and counts it (`invalid-utf8`);
- `pragma: allowlist secret` comments are evaluated here (with the engine's function) after the
  other filters, so that suppressions can be counted and, per policy, refused.

Why internals and not the public API: `SecretsCollection.scan_file` and `scan_line` run every
plugin over every line, which is what makes the engine slow; skipping lines needs the engine's
own per-line step (`core.scan._scan_line`, `_is_filtered_out`). So the dependency is a range of
one minor version (`detect-secrets>=1.5.0,<1.6`, of which 1.5.0 is the only release), checked at
run time (`config.check_engine`), and tests/secrets/test_differential.py compares the results
with the real `detect-secrets scan` at both ends of that range (.ci/run).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from compliance_gate.secrets.classify import classify
from compliance_gate.secrets.prefilter import LineIndex, PluginPlan, candidate_lines

if TYPE_CHECKING:
    from detect_secrets.core.potential_secret import PotentialSecret
    from detect_secrets.plugins.base import BasePlugin
    from detect_secrets.types import NamedIO
    from detect_secrets.util.code_snippet import CodeSnippet

_REASON = re.compile(r"pragma: ?(?:allow|white)list(?:[ -]nextline)?[ -]secret(.*)$")
_NOT_INI = re.compile(r"^[^\s#;=:\[][^=:\[\n]*$", re.MULTILINE)
"""A line configparser must reject: at column 0 (not a continuation), not a comment, and with
neither a delimiter (`=`, `:`) nor a `[` that could open a section header. One such line makes
the engine's eager config transformer fail (configparser raises at the end of the file), so the
gate skips that parse for most source files; for the rest the engine's transformer decides."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A secret the engine reports on `line`. `secret` never leaves the worker process."""

    plugin: str
    type: str
    line: int
    secret: str
    hashed: str
    suppressed: bool = False
    reason: str = ""
    kind: str | None = None
    """The gate's rule when the hit is not a credential (`classify.py`), else None."""


@dataclass(frozen=True, slots=True)
class FileScan:
    hits: tuple[Hit, ...] = ()
    skipped: str | None = None
    lines: int = 0
    candidates: int = 0
    invalid_utf8: bool = False


class _Named(io.StringIO):
    """What the engine's transformers expect: a text file object with a `name`."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def decode(data: bytes) -> tuple[str, bool]:
    """UTF-8 text with universal newlines (as `open()` gives the engine); flag invalid UTF-8."""
    try:
        text, bad = data.decode("utf-8"), False
    except UnicodeDecodeError:
        text, bad = data.decode("utf-8", errors="replace"), True
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, bad


def skip_reason(filename: str) -> str | None:
    """The engine's file-name filters (lock files, non-text extensions, exclusions...)."""
    from detect_secrets.core.scan import get_filters_with_parameter
    from detect_secrets.util.inject import call_function_with_arguments

    for fn in get_filters_with_parameter("filename"):
        try:
            if call_function_with_arguments(fn, filename=filename):
                return str(fn.path).rsplit(".", 1)[-1]
        except TypeError:  # a filter that needs more than the file name, as in the engine
            continue
    return None


def scan_text(filename: str, text: str, plans: Sequence[PluginPlan], invalid_utf8: bool = False) -> FileScan:
    """Scan one file's text as `detect-secrets scan` would (`filename` repo-relative)."""
    from detect_secrets.transformers import get_transformed_file

    reason = skip_reason(filename)
    if reason is not None:
        return FileScan(skipped=reason)
    lines = get_transformed_file(cast("NamedIO", _Named(text, filename))) or _Named(text, filename).readlines()
    hits, candidates = scan_lines(filename, lines, plans, source=text.splitlines())
    total = len(lines)
    if all(h.suppressed for h in hits) and not _NOT_INI.search(text):
        eager = get_transformed_file(cast("NamedIO", _Named(text, filename)), use_eager_transformers=True)
        if eager:
            more, extra = scan_lines(filename, eager, plans)
            hits = [*hits, *more]
            candidates += extra
            total += len(eager)
    return FileScan(tuple(dedupe(hits)), None, total, candidates, invalid_utf8)


def scan_lines(
    filename: str,
    lines: Sequence[str],
    plans: Sequence[PluginPlan],
    only: frozenset[int] | None = None,
    source: Sequence[str] = (),
) -> tuple[list[Hit], int]:
    """Hits on the candidate lines of `lines` (1-based `only` restricts to those line numbers).
    `source` is the file as written, when detect-secrets' transformers rewrote `lines` (YAML, INI):
    the classification reads a line's place in the file's structure from it."""
    from detect_secrets.core.scan import _is_filtered_out, _scan_line
    from detect_secrets.util.code_snippet import get_code_snippet

    if not lines:
        return [], 0
    index = LineIndex(lines)
    per_line = candidate_lines(index, plans)
    content = list(lines)
    written = list(source) if len(source) == len(content) else [ln.rstrip("\n") for ln in content]
    hits: list[Hit] = []
    for i in sorted(per_line):
        number = i + 1
        if only is not None and number not in only:
            continue
        line = index.stripped[i]
        snippet = get_code_snippet(lines=content, line_number=number)
        found: list[tuple[BasePlugin, PotentialSecret]] = []
        for plugin in per_line[i]:
            for secret in _scan_line(plugin=plugin, filename=filename, line=line, line_number=number, context=snippet):
                if not _is_filtered_out(
                    required_filter_parameters=["context"],
                    filename=secret.filename,
                    secret=secret.secret_value or "",  # always set for a secret a plugin found
                    plugin=plugin,
                    line=line,
                    context=snippet,
                ):
                    found.append((plugin, secret))
        if not found or _is_filtered_out(
            required_filter_parameters=["line"], filename=filename, line=line, context=snippet
        ):
            continue
        pragma = _pragma(filename, line, snippet)
        for plugin, secret in found:
            value = secret.secret_value or ""  # always set for a secret a plugin found
            hits.append(
                Hit(
                    plugin=type(plugin).__name__,
                    type=secret.type,
                    line=number,
                    secret=value,
                    hashed=secret.secret_hash,
                    suppressed=pragma is not None,
                    reason=pragma or "",
                    kind=classify(
                        type(plugin).__name__,
                        value,
                        line,
                        content[number : number + 80],
                        filename,
                        written[max(number - 200, 0) : number],
                    ),
                )
            )
    return hits, len(per_line)


def _pragma(filename: str, line: str, snippet: CodeSnippet) -> str | None:
    """None if no allowlist pragma covers the line, else the reason written after it ('' if none)."""
    from detect_secrets.filters.allowlist import is_line_allowlisted

    if not is_line_allowlisted(filename=filename, line=line, context=snippet):
        return None
    for payload in (line, snippet.previous_line):
        m = _REASON.search(payload.rstrip())
        if m:
            return _clean_reason(m.group(1))
    return ""


def _clean_reason(rest: str) -> str:
    text = rest.replace("*/", " ").replace("-->", " ").strip(" \t:-\u2013\u2014()[]")
    return text if sum(c.isalnum() for c in text) >= 3 else ""


def dedupe(hits: Sequence[Hit]) -> list[Hit]:
    """As the engine's SecretsCollection: one entry per (type, hashed secret), the first line.

    Suppressed hits are kept apart (the engine never sees them) and deduplicated per line.
    """
    seen: set[tuple[str, str]] = set()
    seen_suppressed: set[tuple[str, str, int]] = set()
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: h.line):
        key = (hit.type, hit.hashed)
        if hit.suppressed:
            if (*key, hit.line) not in seen_suppressed:
                seen_suppressed.add((*key, hit.line))
                out.append(hit)
        elif key not in seen:
            seen.add(key)
            out.append(hit)
    return out
