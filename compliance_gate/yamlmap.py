"""YAML loading that remembers where every key was, so policy errors can name the line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


class YamlProblem(ValueError):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def load(text: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse `text`; return JSON-compatible data and a map from key path to 1-based line.

    Dates become ISO strings (YAML 1.1 turns `2026-12-31` into a date); duplicate keys, which
    plain YAML loaders silently collapse, are errors.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(line, f"invalid YAML: {problem}") from None
    lines: dict[KeyPath, int] = {}
    if node is None:
        return None, lines
    loader = yaml.SafeLoader("")
    return _build(node, (), lines, loader), lines


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
    value = loader.construct_object(node, deep=True)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int:
    """The line of `path`, or of its nearest ancestor that has one."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)
