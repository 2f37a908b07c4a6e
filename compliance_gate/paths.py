"""Path patterns, everywhere a policy names files: gitignore patterns, through pathspec.

Patterns mean what they mean in a `.gitignore` (pathspec's `GitIgnoreSpec`, which follows git's
own rules): `*` within a segment and `**` across segments (`src/**/*.py`); a pattern without a
`/` except at its end matches at any depth (`*.lock`, `vendor/`); a leading `/` or a `/` inside
anchors it to the root (`/fix.py`, `docs/**`); a pattern that names a folder covers everything
below it; `[abc]` and `?` as in git; and a later `!pattern` takes files back out of earlier
matches (`tests/**`, `!tests/fixtures/real_card_test.py`). Paths are repo-relative POSIX paths.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pathspec


@functools.lru_cache(maxsize=1024)
def compile_patterns(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    """The compiled patterns (cached: policies reuse a few lists for thousands of files)."""
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True if the repo-relative POSIX `path` is matched by `patterns` (the last match decides,
    so `!pattern` excludes again)."""
    pats = tuple(patterns)
    return bool(pats) and bool(compile_patterns(pats).match_file(path))


def select(path: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Included (by default everything, when `include` is empty) and not excluded."""
    inc = tuple(include)
    return (not inc or matches(path, inc)) and not matches(path, exclude)
