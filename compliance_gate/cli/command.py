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
