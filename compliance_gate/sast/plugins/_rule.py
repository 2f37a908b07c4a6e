"""A typed spelling of bandit's `@checks(...)` and `@test_id(...)` decorators."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from bandit.core import test_properties

F = TypeVar("F", bound=Callable[..., object])


def rule(test_id: str, *node_types: str) -> Callable[[F], F]:
    """Mark `func` as bandit test `test_id`, run on AST nodes of `node_types` (e.g. "Call")."""

    def mark(func: F) -> F:
        checked = test_properties.checks(*node_types)(func)
        return cast(F, test_properties.test_id(test_id)(checked))

    return mark
