"""What a subcommand module provides: `add_parser(subparsers)` and `execute(args) -> int`."""

from __future__ import annotations

import argparse
from typing import Protocol, TypeAlias

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What `ArgumentParser.add_subparsers()` returns (argparse names the class privately)."""


class Command(Protocol):
    """A subcommand module, as `cli.COMMANDS` lists them."""

    def add_parser(self, sub: Subparsers) -> None: ...

    def execute(self, args: argparse.Namespace) -> int: ...


def positive_int(text: str) -> int:
    """An argument that counts something (`--jobs`): 1 or more; anything else is a usage error (exit 2)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text[:20]!r}: expected a whole number, 1 or more")
    return n
