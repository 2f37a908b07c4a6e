"""YAML loading that remembers where every key was, so policy errors can name the line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]

MAX_NODES = 100_000
"""Values a document may expand to (aliases counted each time they are used): a policy or a
roster has a few hundred. Nested anchors ("billion laughs") would otherwise expand
exponentially and hang the gate."""
MAX_ALIASES = 1_000


class YamlProblem(ValueError):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def load(text: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse `text`; return JSON-compatible data and a map from key path to 1-based line.

    Dates become ISO strings (YAML 1.1 turns `2026-12-31` into a date); duplicate keys, which
    plain YAML loaders silently collapse, are errors. Keys must be scalars. A document that expands
    to more than `MAX_NODES` values or uses aliases more than `MAX_ALIASES` times is refused (an
    alias bomb), before it is expanded.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[KeyPath, int] = {}
        if node is None:
            return None, lines
        _check_size(node)
        return _build(node, (), lines, yaml.SafeLoader("")), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(line, f"invalid YAML: {problem}") from None
    except RecursionError:
        raise YamlProblem(1, "nested too deeply; refused") from None


def _check_size(root: yaml.Node) -> None:
    """Count what the document expands to without expanding it: a node reached twice is an alias."""
    expanded: dict[int, int] = {}  # id(node) -> how many values it stands for, once expanded
    uses: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        uses[key] = uses.get(key, 0) + 1
        if uses[key] > 1:
            if sum(n - 1 for n in uses.values()) > MAX_ALIASES:
                raise YamlProblem(node.start_mark.line + 1, f"more than {MAX_ALIASES} aliases; write the values out")
            return expanded[key]
        n = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if not isinstance(k, yaml.ScalarNode):
                    raise YamlProblem(k.start_mark.line + 1, "a key must be a plain value, not a list or mapping")
                n += size(k) + size(v)
        elif isinstance(node, yaml.SequenceNode):
            n += sum(size(v) for v in node.value)
        if n > MAX_NODES:
            raise YamlProblem(
                node.start_mark.line + 1,
                f"the document expands to more than {MAX_NODES} values (nested aliases?); refused",
            )
        expanded[key] = n
        return n

    size(root)


def _build(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], loader: yaml.SafeLoader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = key if isinstance(key, str) else str(key)
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1, f"duplicate key {'.'.join(map(str, (*path, key)))}")
            child = (*path, key)
            out[key] = _build(value_node, child, lines, loader)
            lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, (*path, i), lines, loader) for i, v in enumerate(node.value)]
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:  # `2099-13-45` looks like a YAML 1.1 date but is none: keep the text
        return node.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)
