"""Path patterns mean what they mean in a .gitignore, `!` negation included."""

from __future__ import annotations

import pytest

from compliance_gate.paths import matches, select

CASES = [
    # pattern(s), path, matched
    (["tests/**"], "tests/a/b.py", True),
    (["tests/**"], "src/tests/b.py", False),  # a `/` inside anchors to the root
    (["*.lock"], "a/b/poetry.lock", True),  # no `/`: any depth
    (["fix.py"], "tools/fix.py", True),
    (["/fix.py"], "tools/fix.py", False),  # a leading `/` anchors
    (["vendor/"], "a/vendor/x.py", True),  # a folder, at any depth, and all below it
    (["src/**/*.py"], "src/a.py", True),
    (["src/**/*.py"], "src/x/y/a.py", True),
    (["**/payments/**"], "payments/api.py", True),
    (["audit/*.jsonl"], "audit/x/a.jsonl", False),  # `*` stays within a segment
    (["[Tt]ests/**"], "Tests/a.py", True),
    (["tests/**", "!tests/fixtures/**"], "tests/fixtures/card.txt", False),  # the last match decides
    (["tests/**", "!tests/fixtures/**"], "tests/unit/a.py", True),
    ([], "anything.py", False),
]


@pytest.mark.parametrize(("patterns", "path", "matched"), CASES)
def test_gitignore_semantics(patterns: list[str], path: str, matched: bool) -> None:
    """Each pattern list matches (or not) the path as git would ignore it."""
    assert matches(path, patterns) is matched


def test_select_includes_everything_by_default_and_negation_reincludes() -> None:
    """No include list means every file; an excluded file comes back with a later `!` pattern."""
    assert select("src/a.py", (), ())
    assert not select("vendor/a.py", (), ("vendor/",))
    assert select("vendor/keep.py", (), ("vendor/**", "!vendor/keep.py"))
    assert not select("docs/a.md", ("src/**",), ())
