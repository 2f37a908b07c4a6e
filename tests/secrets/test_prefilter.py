"""The prefilter never drops a line a plugin can fire on; the regex analysis is sound."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance_gate.secrets.config import configured, engine_config
from compliance_gate.secrets.options import SecretsOptions
from compliance_gate.secrets.prefilter import HINTS, LineIndex, _plan_lines, plan_for
from compliance_gate.secrets.triggers import Literal, line_safe, required_literals

# Characters that matter to the detectors' regexes: quotes, separators, hex, digits, case.
ALPHABET = "aAbBcCfFkKsSeEyYpPwWdD019:=._-/+@ '\"`\t\\[]();$\u0149\u017f\u212a"
TOKENS = [
    "password",
    "secret",
    "api_key",
    "AKIA",
    "ghp_",
    "glpat-",
    "xoxb-",
    "eyJ",
    "://",
    "sk_live_",
    "AccountKey=",
    "AC",
    "SK",
    "SG.",
    "T3BlbkFJ",
    "-us1",
    "BEGIN RSA PRIVATE KEY",
    "aws",
    "cloudant",
    "ibm",
    "cos_",
    "8.8.4.4",
    "123456789:",
    "==",
    ":=",
    "=>",
    "'",
    '"',
    "0123456789abcdef",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
]
line_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(ALPHABET, max_size=12)), max_size=8).map("".join)


@pytest.fixture(scope="module")
def plugins() -> Iterator[list[Any]]:
    from detect_secrets.settings import get_plugins

    with configured(engine_config(SecretsOptions(baseline=None))):
        yield list(get_plugins())


@pytest.mark.parametrize("filename", ["a.py", "a.yaml", "a.go", "a.c", "a.cpp", "a.txt", "a.ini"])
@settings(max_examples=40, deadline=None)
@given(lines=st.lists(line_text, min_size=1, max_size=6))
def test_candidates_cover_every_line_a_plugin_fires_on(plugins: list[Any], filename: str, lines: list[str]) -> None:
    """Any line on which a plugin's analyze_line yields a value is a candidate for that plugin."""
    index = LineIndex([line + "\n" for line in lines])
    per_line: dict[int, set[str]] = {}
    for plan in plan_for(plugins, filename):
        if not plan.gates:
            continue
        for i in _plan_lines(index, plan.gates):
            per_line.setdefault(i, set()).add(type(plan.plugin).__name__)
    for i, line in enumerate(index.stripped):
        for plugin in plugins:
            if plugin.analyze_line(filename=filename, line=line, line_number=i + 1):
                assert type(plugin).__name__ in per_line.get(i, set()), (filename, line)


@pytest.mark.parametrize("name", sorted(HINTS))
@settings(max_examples=100, deadline=None)
@given(text=line_text)
def test_hints_are_implied_by_the_plugin_regexes(plugins: list[Any], name: str, text: str) -> None:
    """A hint matches wherever its plugin's own regexes match."""
    plugin = next(p for p in plugins if type(p).__name__ == name)
    hint = re.compile(HINTS[name])
    for regex in plugin.denylist:
        for m in regex.finditer(text):
            assert hint.search(m.group(0)), (name, m.group(0))


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(line_text, min_size=1, max_size=6))
def test_twins_find_exactly_the_lines_their_regex_matches(plugins: list[Any], lines: list[str]) -> None:
    """A newline-safe twin over the joined file finds the lines `regex.search` finds one by one."""
    index = LineIndex([line + "\n" for line in lines])
    from detect_secrets.plugins import keyword

    patterns = [r for p in plugins for r in getattr(p, "denylist", ())]
    patterns += [v for v in vars(keyword).values() if isinstance(v, re.Pattern)]
    for regex in patterns:
        twin = line_safe(regex)
        assert twin is not None, regex.pattern
        whole = {index.line_of(m.start()) for m in twin.finditer(index.text)}
        assert whole == {i for i, s in enumerate(index.stripped) if regex.search(s)}, regex.pattern


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"AKIA[0-9A-Z]{16}", 0, {("AKIA", False)}),
        (r"(ghp|gho)_x", 0, {("gh", False)}),
        (r"(?:password|secret)\s*=", re.IGNORECASE, {("password", True), ("secret", True)}),
        (r"x?y*", 0, None),
        (r"(?:ab|c?)d", 0, {("d", False)}),
        (r"(?i:token)=", 0, {("token", True)}),
    ],
)
def test_required_literals(pattern: str, flags: int, expected: set[tuple[str, bool]] | None) -> None:
    """Necessary literals come from the parse tree, with the case sensitivity in force there."""
    found = required_literals(re.compile(pattern, flags))
    assert (None if found is None else {(lit.text, lit.ignore_case) for lit in found}) == expected


def test_case_folding_outside_ascii_is_left_to_the_regex() -> None:
    """A KELVIN SIGN matches `k` under IGNORECASE; a non-ASCII line is never dropped for it."""
    index = LineIndex(["api_\u212aey = 'abcdefghij'\n"])
    assert index.literal_lines(Literal("key", True)) == {0}
