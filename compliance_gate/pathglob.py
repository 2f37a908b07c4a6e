"""Gitignore-like globs for policy path rules: `*` within a segment, `**` across segments.

`src/**/*.py` matches `src/a.py` and `src/x/y/a.py`; a pattern without `/` (`*.lock`) matches the
file name at any depth; a pattern ending in `/` (`vendor/`) matches everything below it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


@functools.lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip()
    if pat.endswith("/"):
        pat += "**"
    anchored = "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    return re.compile(body + r"\Z" if anchored else r"(?:.*/)?" + body + r"\Z")


def matches(path: str, patterns: Iterable[str]) -> bool:
    """True if the repo-relative POSIX `path` matches any of `patterns`."""
    return any(compile_glob(p).match(path) for p in patterns)


def select(path: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Included (by default everything, when `include` is empty) and not excluded."""
    inc = tuple(include)
    return (not inc or matches(path, inc)) and not matches(path, exclude)
