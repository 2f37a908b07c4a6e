"""Which lines can any detector fire on? A conservative prefilter derived from the plugins.

For every configured detect-secrets plugin the prefilter builds *gates* from the plugin's own
regexes (see `triggers`). A gate finds, for a list of lines, every line on which its regex
matches: either by looking for the regex's required literals over the whole file and running the
regex on the lines that have one, or by running the regex's newline-safe twin once over the whole
file. A plugin can only report a secret on a line where one of its regexes matches, so running
the engine on those lines alone gives the engine's results. The prefilter may let extra lines
through; it never drops one the engine would flag:

- regex detectors (`RegexBasedDetector` whose `analyze_string` is the base one, or the JWT
  detector, which only filters it): their `denylist`;
- `KeywordDetector`: every pattern its module defines (the per-file-type tables use only those);
- the high-entropy detectors: a quoted run of their charset long enough to exceed the entropy
  limit (Shannon entropy is at most log2 of the number of distinct characters);
- any other plugin (custom, or a subclass that overrides scanning): every line.
"""

from __future__ import annotations

import math
import re
import sys
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from types import ModuleType
from typing import TYPE_CHECKING

from compliance_gate.secrets.triggers import Literal, LiteralSet, line_safe, required_sets, strength

if TYPE_CHECKING:
    from detect_secrets.plugins.base import BasePlugin
    from detect_secrets.util.filetype import FileType

STRONG_LITERAL = 2
"""Literals at least this long are rare enough to search for; shorter ones use the twin regex."""

HINTS: dict[str, str] = {
    # These plugins' regexes have no literal worth searching for and open with a lookbehind or a
    # character class, so `re` tries them at every position of a file. Each hint is a part of the
    # regex that every match contains and that starts with a literal `re` can skip to; lines it
    # finds are confirmed with the plugin's own regex. tests/secrets/test_prefilter.py checks
    # that every match of the plugin's regex is a match of its hint.
    "IPPublicDetector": r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    "TelegramBotTokenDetector": r":[0-9A-Za-z_-]{35}",
    "DiscordBotTokenDetector": r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",
}
"""Faster necessary patterns for plugins whose own regexes have no usable literal."""


@dataclass(frozen=True, slots=True)
class Gate:
    """Finds the lines one regex matches: by `literals` (then `checks` and the regex on each
    line that has one) or by running its newline-safe `twin` over the whole file."""

    regex: re.Pattern[str]
    literals: tuple[Literal, ...] = ()
    checks: tuple[tuple[Literal, ...], ...] = ()
    twin: re.Pattern[str] | None = None
    confirm: bool = False


@dataclass(frozen=True, slots=True)
class PluginPlan:
    """How to find candidate lines for one plugin; `gates` empty means every line."""

    plugin: BasePlugin
    gates: tuple[Gate, ...]


def plan_for(plugins: Sequence[BasePlugin], filename: str) -> tuple[PluginPlan, ...]:
    return tuple(PluginPlan(p, _gates(p, filename)) for p in plugins)


class Planner:
    """Plans for the configured plugins, per file type (the keyword detector's table varies)."""

    def __init__(self, plugins: Sequence[BasePlugin]) -> None:
        self._plugins = tuple(plugins)
        self._by_type: dict[FileType, tuple[PluginPlan, ...]] = {}

    def for_file(self, filename: str) -> tuple[PluginPlan, ...]:
        from detect_secrets.util.filetype import determine_file_type

        kind = determine_file_type(filename)
        plans = self._by_type.get(kind)
        if plans is None:
            plans = self._by_type[kind] = plan_for(self._plugins, filename)
        return plans


def _gates(plugin: BasePlugin, filename: str) -> tuple[Gate, ...]:
    from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.keyword import KeywordDetector

    cls = type(plugin)
    if cls.analyze_line is not BasePlugin.analyze_line and cls not in (
        KeywordDetector,
        Base64HighEntropyString,
        HexHighEntropyString,
    ):
        return ()
    if cls is KeywordDetector:
        patterns = _keyword_patterns(sys.modules[cls.__module__], filename)
    elif isinstance(plugin, Base64HighEntropyString | HexHighEntropyString):
        patterns = [_entropy_pattern(plugin.charset, plugin.entropy_limit)]
    elif isinstance(plugin, RegexBasedDetector) and (
        cls.analyze_string is RegexBasedDetector.analyze_string or cls is JwtTokenDetector
    ):
        patterns = list(plugin.denylist)
    else:
        return ()
    hint = HINTS.get(cls.__name__)
    gates = tuple(_gate(p, re.compile(hint) if hint else None) for p in patterns)
    return () if any(g is None for g in gates) else tuple(g for g in gates if g is not None)


def _keyword_patterns(module: ModuleType, filename: str) -> list[re.Pattern[str]]:
    """The patterns `KeywordDetector.analyze_line` uses for this file type (its own table)."""
    from detect_secrets.util.filetype import determine_file_type

    table = getattr(module, "REGEX_BY_FILETYPE", None)
    fallback = getattr(module, "QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP", None)
    if isinstance(table, dict) and isinstance(fallback, dict):
        chosen = table.get(determine_file_type(filename), fallback)
        return [p for p in chosen if isinstance(p, re.Pattern)]
    return _module_patterns(module)


def _module_patterns(module: ModuleType) -> list[re.Pattern[str]]:
    found: dict[int, re.Pattern[str]] = {}
    for value in vars(module).values():
        items = list(value.keys()) if isinstance(value, dict) else [value]
        for item in items:
            if isinstance(item, re.Pattern):
                found[id(item)] = item
    return list(found.values())


def _entropy_pattern(charset: str, limit: float) -> re.Pattern[str]:
    # entropy <= log2(distinct chars) <= log2(length): a secret above `limit` is longer than
    # 2**limit. One character of slack keeps float rounding on the safe side.
    shortest = max(1, math.floor(2**limit) - 1)
    return re.compile(r"([\'\"])([" + re.escape(charset) + "]{" + str(shortest) + r",})(\1)")


def _gate(pattern: re.Pattern[str], hint: re.Pattern[str] | None = None) -> Gate | None:
    sets = required_sets(pattern)
    best: LiteralSet | None = max(sets, key=strength) if sets else None
    checks = tuple(_ordered(s) for s in sets if s is not best)
    if best is not None and min(len(lit.text) for lit in best) >= STRONG_LITERAL:
        return Gate(pattern, _ordered(best), checks)
    twin = line_safe(hint or pattern)
    if twin is not None:
        return Gate(pattern, twin=twin, confirm=hint is not None)
    if best is not None:
        return Gate(pattern, _ordered(best), checks)
    return None


def _ordered(s: LiteralSet) -> tuple[Literal, ...]:
    return tuple(sorted(s, key=lambda lit: (lit.text, lit.ignore_case)))


def _has_any(line: str, lower: str, ascii_: bool, literals: Sequence[Literal]) -> bool:
    for lit in literals:
        if not lit.ignore_case:
            if lit.text in line:
                return True
        elif not ascii_ or lit.text.lower() in lower:
            return True  # non-ASCII: Unicode case folding is left to the regex itself
    return False


class LineIndex:
    """A file's lines as the engine sees them (right-stripped), joined for whole-file searches."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.stripped = [line.rstrip() for line in lines]
        # A line with an embedded newline (a YAML block value) is checked on its own.
        self.multiline = [i for i, s in enumerate(self.stripped) if "\n" in s]
        parts = self.stripped
        if self.multiline:
            parts = ["" if "\n" in s else s for s in self.stripped]
        self.text = "\n".join(parts)
        self.starts = list(accumulate((len(s) + 1 for s in parts[:-1]), initial=0))
        self._lower: str | None = None
        self._ascii = self.text.isascii()
        self._literal_lines: dict[Literal, set[int]] = {}

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def literal_lines(self, lit: Literal) -> set[int]:
        found = self._literal_lines.get(lit)
        if found is None:
            found = self._find(lit)
            self._literal_lines[lit] = found
        return found

    def _find(self, lit: Literal) -> set[int]:
        out: set[int] = set()
        if lit.ignore_case and not self._ascii:
            # Unicode case folding (e.g. U+212A KELVIN SIGN matches "k"): let `re` decide.
            for m in re.finditer(re.escape(lit.text), self.text, re.IGNORECASE):
                out.add(self.line_of(m.start()))
            return out
        hay, needle = self.text, lit.text
        if lit.ignore_case:
            if self._lower is None:
                self._lower = self.text.lower()
            hay, needle = self._lower, needle.lower()
        pos = hay.find(needle)
        while pos != -1:
            line = self.line_of(pos)
            out.add(line)
            nxt = self.starts[line + 1] if line + 1 < len(self.starts) else len(hay)
            pos = hay.find(needle, nxt)
        return out


def candidate_lines(index: LineIndex, plans: Sequence[PluginPlan]) -> dict[int, list[BasePlugin]]:
    """0-based line index -> plugins (in configured order) whose regexes match that line."""
    per_line: dict[int, list[BasePlugin]] = {}
    everything = range(len(index.stripped))
    for plan in plans:
        hits = everything if not plan.gates else _plan_lines(index, plan.gates)
        for i in hits:
            per_line.setdefault(i, []).append(plan.plugin)
    return per_line


def _plan_lines(index: LineIndex, gates: Sequence[Gate]) -> set[int]:
    hits: set[int] = set()
    by_literals: dict[tuple[Literal, ...], list[Gate]] = {}
    for gate in gates:
        if gate.twin is not None:
            found = {index.line_of(m.start()) for m in gate.twin.finditer(index.text)}
            if gate.confirm:
                found = {i for i in found - hits if gate.regex.search(index.stripped[i])}
            hits |= found
        else:
            by_literals.setdefault(gate.literals, []).append(gate)
    for literals, group in by_literals.items():
        lines: set[int] = set()
        for lit in literals:
            lines |= index.literal_lines(lit)
        for i in lines - hits:
            if _any_matches(index.stripped[i], group):
                hits.add(i)
    for i in index.multiline:
        if i not in hits and any(g.regex.search(index.stripped[i]) for g in gates):
            hits.add(i)
    return hits


def _any_matches(line: str, gates: Sequence[Gate]) -> bool:
    lower = line.lower()
    ascii_ = line.isascii()
    return any(all(_has_any(line, lower, ascii_, c) for c in gate.checks) and gate.regex.search(line) for gate in gates)
