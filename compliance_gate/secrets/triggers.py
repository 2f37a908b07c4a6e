"""What a detector regex needs to match: required literals and a newline-safe twin.

Two facts about a regex R let the prefilter skip lines without changing any result:

- `required_literals(R)` is a set of strings such that every match of R contains one of them,
  derived from R's own parse tree (a literal run, a repeat with a minimum of one, an alternation
  whose every branch has one...). A line without any of them cannot match R.
- `line_safe(R)` is a twin R' that can never consume a newline and whose `^ $ \\A \\Z` mean line
  start and end. For lines without an embedded newline, `R'.finditer("\\n".join(lines))` finds a
  match starting in line k exactly when `R.search(lines[k])` finds one, so one C-speed pass over a
  whole file replaces a Python loop over its lines.

Both use CPython's regex parser (`re._parser`), the same one that compiled R; anything this module
does not recognise makes it answer None, and the caller then treats every line as a candidate.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import TypeAlias, cast

Item: TypeAlias = tuple[object, object]
"""One node of re's parse tree: an opcode and its argument, whose shape the opcode decides (each
use below casts it to that shape). A sequence of nodes is a `SubPattern`, an `Iterable[Item]`."""
Nodes: TypeAlias = Iterable[Item]

# re's own parser and compiler (by module name: `sre_parse` and friends warn on import).
_parser: ModuleType = importlib.import_module("re._parser")
_compiler: ModuleType = importlib.import_module("re._compiler")
_c: ModuleType = importlib.import_module("re._constants")

NEWLINE = 10


@dataclass(frozen=True, slots=True)
class Literal:
    """A string every match contains; `ignore_case` when R compares it case-insensitively."""

    text: str
    ignore_case: bool


LiteralSet = frozenset[Literal]


def required_literals(pattern: re.Pattern[str]) -> LiteralSet | None:
    """Literals of which every match of `pattern` contains at least one, or None if unknown."""
    sets = required_sets(pattern)
    return max(sets, key=strength) if sets else None


def required_sets(pattern: re.Pattern[str]) -> list[LiteralSet]:
    """Several literal sets, each necessary on its own (so all of them are, together)."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # an unparsable pattern cannot have been compiled; be conservative anyway
        return []
    return _all(tree.data, bool(tree.state.flags & re.IGNORECASE))


def _lit(text: str, ci: bool) -> Literal:
    # Case-insensitivity only matters for text that has case.
    return Literal(text, ci and text.lower() != text.upper())


def strength(s: LiteralSet) -> tuple[int, int]:
    """How selective a literal set is for a search: its shortest literal, then fewer literals."""
    return (min(len(lit.text) for lit in s), -len(s))


def _all(seq: Nodes, ci: bool) -> list[LiteralSet]:
    """Every necessary set found in the sequence `seq` (literal runs, required sub-parts)."""
    found: list[LiteralSet] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append(frozenset({_lit("".join(run), ci)}))
            run.clear()

    for op, av in seq:
        if op is _c.LITERAL:
            run.append(chr(cast(int, av)))
            continue
        flush()
        found.extend(_node(op, av, ci))
    flush()
    return found


def _node(op: object, av: object, ci: bool) -> list[LiteralSet]:
    if op is _c.SUBPATTERN:
        _group, add, remove, sub = cast("tuple[int | None, int, int, Nodes]", av)
        return _all(sub, (ci or bool(add & re.IGNORECASE)) and not (remove & re.IGNORECASE))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, body = cast("tuple[int, int, Nodes]", av)
        return _all(body, ci) if low >= 1 else []
    if op is _c.ATOMIC_GROUP:
        return _all(cast("Nodes", av), ci)
    if op is _c.IN:
        items = cast("list[tuple[object, int]]", av)
        if all(item_op is _c.LITERAL for item_op, _ in items):
            return [frozenset(_lit(chr(c), ci) for _, c in items)]
        return []
    if op is _c.BRANCH:
        out: set[Literal] = set()
        for alt in cast("tuple[None, list[Nodes]]", av)[1]:
            sets = _all(alt, ci)
            if not sets:
                return []
            best: LiteralSet = max(sets, key=strength)
            out |= best
        return [frozenset(out)]
    return []


def line_safe(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The newline-safe twin of `pattern` (see the module docstring), or None if unsure."""
    try:
        tree = _parser.parse(pattern.pattern, pattern.flags)
        data = _rewrite(tree.data, tree.state, pattern.flags)
        if data is None:
            return None
        twin: re.Pattern[str] = _compiler.compile(_parser.SubPattern(tree.state, data), pattern.flags)
    except Exception:
        return None
    return twin


_LINE_ANCHORS = {
    "AT_BEGINNING": "AT_BEGINNING_LINE",
    "AT_BEGINNING_STRING": "AT_BEGINNING_LINE",
    "AT_END": "AT_END_LINE",
    "AT_END_STRING": "AT_END_LINE",
}


def _rewrite(seq: Nodes, state: object, flags: int) -> list[Item] | None:
    out: list[Item] = []
    for op, av in seq:
        node = _rewrite_node(op, av, state, flags)
        if node is None:
            return None
        out.extend(node)
    return out


def _sub(seq: Nodes, state: object, flags: int) -> Nodes:
    data = _rewrite(seq, state, flags)
    if data is None:
        raise _Unsafe
    sub: Nodes = _parser.SubPattern(state, data)
    return sub


class _Unsafe(Exception):
    pass


def _rewrite_node(op: object, av: object, state: object, flags: int) -> list[Item] | None:
    guard: Item = (_c.ASSERT_NOT, (1, _parser.SubPattern(state, [(_c.LITERAL, NEWLINE)])))
    try:
        if op is _c.LITERAL:
            return None if av == NEWLINE else [(op, av)]
        if op is _c.NOT_LITERAL:
            return [(op, av)] if av == NEWLINE else [guard, (op, av)]
        if op is _c.ANY:
            return [guard, (op, av)]
        if op is _c.IN:
            return [guard, (op, av)] if _set_has_newline(av, state, flags) else [(op, av)]
        if op is _c.AT:
            name = str(av)
            return [(op, getattr(_c, _LINE_ANCHORS[name]))] if name in _LINE_ANCHORS else [(op, av)]
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, high, body = cast("tuple[int, int, Nodes]", av)
            return [(op, (low, high, _sub(body, state, flags)))]
        if op is _c.SUBPATTERN:
            group, add, remove, sub = cast("tuple[int | None, int, int, Nodes]", av)
            return [(op, (group, add, remove, _sub(sub, state, flags)))]
        if op is _c.ATOMIC_GROUP:
            return [(op, _sub(cast("Nodes", av), state, flags))]
        if op is _c.BRANCH:
            first, alts = cast("tuple[None, list[Nodes]]", av)
            return [(op, (first, [_sub(alt, state, flags) for alt in alts]))]
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, body = cast("tuple[int, Nodes]", av)
            return [(op, (direction, _sub(body, state, flags)))]
        if op is _c.GROUPREF:
            return [(op, av)]
        if op is _c.GROUPREF_EXISTS:
            group, yes, no = cast("tuple[int, Nodes, Nodes | None]", av)
            return [(op, (group, _sub(yes, state, flags), _sub(no, state, flags) if no else no))]
    except _Unsafe:
        return None
    return None


def _set_has_newline(items: object, state: object, flags: int) -> bool:
    probe: re.Pattern[str] = _compiler.compile(_parser.SubPattern(state, [(_c.IN, items)]), flags & ~re.VERBOSE)
    return probe.match("\n") is not None
