"""change-scope: sensitive paths changed in the release range add required sign-off roles."""

from __future__ import annotations

from pathlib import Path

import pytest
from gitutil import commit, git

from compliance_gate.engine import parse_policy, run
from compliance_gate.model import Outcome, Status

RULES = """version: 1
checks:
  change-scope:
    rules:
      - {name: payments-code, paths: ["src/payments/**"], require: {compliance: 1}}
      - {name: migrations, paths: ["**/migrations/**"], require: {dba: 1}}
      - {name: ci-config, paths: [".github/workflows/**"], require: {security: 1}}
      - {name: two-reviewers, paths: ["src/ledger/**"], require: {compliance: 2}}
signoff:
  required: {release: 1}
"""


@pytest.fixture
def released(repo: Path) -> Path:
    """A repository with a base commit on `main` and a `release` branch checked out."""
    commit(
        repo,
        {
            "README.md": "hello\n",
            "src/payments/charge.py": "x = 1\n",
            "src/ledger/book.py": "y = 1\n",
            "db/migrations/0001_init.sql": "create table t (id int);\n",
            ".github/workflows/ci.yml": "on: push\n",
        },
        "base",
    )
    git(repo, "checkout", "-q", "-b", "release")
    return repo


def _scope(repo: Path, policy_text: str = RULES, **kwargs):  # type: ignore[no-untyped-def]
    policy_file = repo / "policies" / "gate.yaml"
    policy = parse_policy(policy_text, str(policy_file))
    verdict = run(policy, repo, use_cache=False, **kwargs)
    return verdict, next(r for r in verdict.checks if r.check == "change-scope")


@pytest.mark.parametrize(
    ("changes", "roles", "rules"),
    [
        ({"README.md": "changed\n"}, {}, set()),
        ({"src/payments/charge.py": "x = 2\n"}, {"compliance": 1}, {"payments-code"}),
        (
            {"src/payments/refund.py": "new\n", "db/migrations/0002_add.sql": "alter table t;\n"},
            {"compliance": 1, "dba": 1},
            {"payments-code", "migrations"},
        ),
        ({".github/workflows/ci.yml": "on: [push, pull_request]\n"}, {"security": 1}, {"ci-config"}),
        (
            {"src/ledger/book.py": "y = 2\n", "src/payments/charge.py": "x = 3\n"},
            {"compliance": 2},
            {"payments-code", "two-reviewers"},
        ),
    ],
    ids=["unrelated", "payments", "payments+migration", "ci", "highest-count-wins"],
)
def test_range_rules(released: Path, changes: dict[str, str], roles: dict[str, int], rules: set[str]) -> None:
    """Each rule matching a file changed since `main` adds its roles; the verdict merges the policy's."""
    commit(released, changes)
    verdict, result = _scope(released, mode="since", since="main")
    assert result.status is Status.PASSED and dict(result.required_signoffs) == roles
    assert dict(verdict.required_signoffs) == {"release": 1, **roles}
    assert {f.properties["scope_rule"] for f in result.findings} == rules
    assert all(f.severity.value == "info" and len(f.fingerprint) == 32 for f in result.findings)


def test_deleting_a_migration_counts(released: Path) -> None:
    """A deleted file is a change: removing a migration still needs its sign-off."""
    git(released, "rm", "-q", "db/migrations/0001_init.sql")
    git(released, "commit", "-q", "-m", "drop")
    _, result = _scope(released, mode="since", since="main")
    assert dict(result.required_signoffs) == {"dba": 1}
    assert result.findings[0].path == "db/migrations/0001_init.sql"


def test_commits_before_the_merge_base_do_not_count(released: Path) -> None:
    """Only the release range counts: payments changes already on `main` need nothing."""
    git(released, "checkout", "-q", "main")
    commit(released, {"src/payments/charge.py": "x = 9\n"}, "on main")
    git(released, "checkout", "-q", "release")
    commit(released, {"README.md": "docs\n"})
    _, result = _scope(released, mode="since", since="main")
    assert dict(result.required_signoffs) == {}


def test_policy_change_cannot_approve_itself(released: Path) -> None:
    """A release that edits the policy is judged by the base policy's rules too, plus the policy-file roles."""
    commit(released, {"policies/gate.yaml": RULES}, "add policy on main")
    git(released, "branch", "-q", "-f", "main", "HEAD")
    weakened = RULES.replace("require: {compliance: 1}", "require: {intern: 1}").replace("{release: 1}", "{}")
    commit(released, {"policies/gate.yaml": weakened, "src/payments/charge.py": "x = 5\n"}, "weaken")
    verdict, result = _scope(released, weakened, mode="since", since="main")
    assert dict(result.required_signoffs) == {"compliance": 1, "intern": 1, "release": 1, "security": 1}
    assert "CG-SCOPE-POLICY" in {f.rule for f in result.findings}
    assert verdict.verdict is Outcome.PASS


def test_whole_tree_assumes_everything_changed(released: Path) -> None:
    """Without a range every tracked file counts, so every matching rule applies."""
    _, result = _scope(released)
    assert dict(result.required_signoffs) == {"compliance": 2, "dba": 1, "security": 1}


def test_staged_changes(released: Path) -> None:
    """In staged mode the staged paths are the change set."""
    (released / "db/migrations/0003.sql").write_text("select 1;\n")
    git(released, "add", "db/migrations/0003.sql")
    _, result = _scope(released, mode="staged")
    assert dict(result.required_signoffs) == {"dba": 1}


def test_default_rules_apply_without_options(released: Path) -> None:
    """An empty section uses the shipped rules (payments code, migrations, policies, CI)."""
    commit(released, {"src/payments/charge.py": "x = 7\n"})
    _, result = _scope(released, "version: 1\nchecks:\n  change-scope: {}\n", mode="since", since="main")
    assert dict(result.required_signoffs) == {"compliance": 1}


def test_unknown_option_is_a_policy_error() -> None:
    """Misspelled keys in the section are rejected by the schema with their line."""
    from compliance_gate.errors import PolicyError

    with pytest.raises(PolicyError, match=r"p.yaml:4 checks.change-scope.rules.0.requires: unknown key"):
        parse_policy(
            "version: 1\nchecks:\n  change-scope:\n    rules: [{name: a, paths: [x], require: {a: 1}, "
            "requires: {b: 1}}]\n",
            "p.yaml",
        )
