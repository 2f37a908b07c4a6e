"""Turn validated, JSON-shaped policy data into frozen dataclasses, driven by type hints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def build(cls: type[T], data: Mapping[str, Any] | None) -> T:
    """Instantiate dataclass `cls` from `data`; missing keys take the dataclass defaults."""
    hints = typing.get_type_hints(cls)
    data = data or {}
    kwargs = {
        f.name: convert(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**kwargs)


def convert(tp: object, value: Any) -> object:
    """`value` (policy data as parsed, validated against the schema) as the type form `tp`."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if value is None:
        return value
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return convert(inner[0], value) if len(inner) == 1 else value
    if origin is typing.Literal:
        return value
    if origin is tuple:
        item = args[0] if args else object
        return tuple(convert(item, v) for v in value)
    if origin in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        vt = args[1] if len(args) == 2 else object
        return {k: convert(vt, v) for k, v in value.items()}
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return build(tp, value)
        if issubclass(tp, enum.Enum):
            return tp(value)
        if tp is float:
            return float(value)
        if tp is dt.date and isinstance(value, str):
            return dt.date.fromisoformat(value)
    return value
