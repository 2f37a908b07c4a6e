"""Path tiers and release ranges (issue 13): one mechanism for every check, judged in `settle`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from gitutil import commit

sys.path.insert(0, str(Path(__file__).parent / "pii"))

from piiutil import make_pan

from compliance_gate.engine import parse_policy, run
from compliance_gate.errors import PolicyError
from compliance_gate.gitrepo import GitRepo
from compliance_gate.model import Outcome, Status

PII_ONLY = "version: 1\nchecks:\n  pii: {}\n"


def test_default_tiers_and_first_match_wins() -> None:
    policy = parse_policy(PII_ONLY)
    assert policy.tier_of("tests/test_cards.py") == "test"
    assert policy.tier_of("pkg/sub/tests/data.json") == "test"
    assert policy.tier_of("pkg/mocks/card.json") == "test"
    assert policy.tier_of("docs/index.rst") == "docs"
    assert policy.tier_of("README.md") == "docs"
    assert policy.tier_of("pkg/payments.py") == "production"
    assert policy.tier_of(None) == "production"
    declared = parse_policy(PII_ONLY + "tiers:\n  vendored: ['vendor/**']\n  test: ['vendor/x/tests/**']\n")
    assert declared.tier_of("vendor/x/tests/a.py") == "vendored"
    assert declared.tier_of("tests/a.py") == "production"  # a policy's `tiers` replaces the defaults


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("version: 1\nchecks:\n  pii:\n    tiers:\n      tset: {'*': info}\n", "checks.pii.tiers.tset"),
        (PII_ONLY + "tiers:\n  production: ['src/**']\n", "tiers.production"),
    ],
)
def test_unknown_or_reserved_tier_is_a_policy_error(text: str, key: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(text)
    assert key in err.value.diagnostics()


def test_tier_table_rates_findings_and_marks_their_tier(repo: Path) -> None:
    """A card number blocks in tests too; a CVV column in test code is info there."""
    pan = make_pan("4", 16, seed=7)
    commit(repo, {"tests/test_store.py": f"CARD = '{pan}'\nclass C(models.Model):\n    cvv = models.CharField()\n"})
    policy = parse_policy("version: 1\nchecks:\n  pii:\n    tiers:\n      test: {'*': info, CG-PII-PAN: critical}\n")
    (result,) = run(policy, repo, use_cache=False).checks
    assert {(f.rule, f.severity.value, f.properties.get("tier")) for f in result.findings} == {
        ("CG-PII-PAN", "critical", "test"),
        ("CG-PII-SAD", "info", "test"),
    }
    assert result.status is Status.FAILED


def test_added_lines_are_the_diff_hunks(repo: Path) -> None:
    base = commit(repo, {"a.py": "1\n2\n3\n4\n", "gone.py": "x\n"})
    commit(repo, {"a.py": "1\nTWO\n3\n4\n5\n6\n", "new.py": "n\n"})
    (repo / "gone.py").unlink()
    commit(repo)
    git = GitRepo.discover(repo)
    assert git is not None
    assert git.added_lines(base) == {"a.py": [(2, 2), (5, 6)], "new.py": [(1, 1)]}


def test_a_release_range_is_judged_on_the_lines_it_changed(repo: Path) -> None:
    """An old card number in a changed file is left out (counted); the one the range adds blocks."""
    old, new = make_pan("4", 16, seed=1), make_pan("4", 16, seed=2)
    base = commit(repo, {"app/cards.py": f"A = '{old}'\n"})
    commit(repo, {"app/cards.py": f"A = '{old}'\nB = 1\nC = '{new}'\n"})
    verdict = run(parse_policy(PII_ONLY), repo, use_cache=False, mode="since", since=base)
    (result,) = verdict.checks
    assert [(f.rule, f.line) for f in result.findings] == [("CG-PII-PAN", 3)]
    assert result.counts["outside-changes"] == 1
    assert verdict.verdict is Outcome.FAIL
    full = run(parse_policy(PII_ONLY), repo, use_cache=False)
    assert [f.line for f in full.checks[0].findings] == [1, 3]


def test_numbers_of_several_networks_in_a_data_file_stay_card_numbers(repo: Path) -> None:
    """A brand-detection table in test *code* is rated down by the default tiers; the same numbers
    in a test *data* file (what an export of customers' cards looks like) block as card numbers."""
    pans = [make_pan("4", 16, seed=11), make_pan("51", 16, seed=12), make_pan("37", 15, seed=13)]
    commit(
        repo,
        {
            "tests/test_brands.py": "".join(f"assert brand('{p}')\n" for p in pans),
            "tests/fixtures/customers.csv": "name,card\n" + "".join(f"c{i},{p}\n" for i, p in enumerate(pans)),
        },
    )
    policy = parse_policy("version: 1\nchecks:\n  pii:\n    tiers:\n      test: {'*': info, CG-PII-PAN: critical}\n")
    (result,) = run(policy, repo, use_cache=False).checks
    got = {(f.path, f.rule, f.severity.value) for f in result.findings}
    assert got == {
        ("tests/test_brands.py", "CG-PII-PAN-TABLE", "info"),
        ("tests/fixtures/customers.csv", "CG-PII-PAN", "critical"),
    }
    assert result.status is Status.FAILED


@pytest.mark.parametrize(
    ("tail", "key"),
    [
        (
            "checks:\n  secrets:\n    tiers:\n      test: {AWSKeyDetektor: info}\n",
            "checks.secrets.tiers.test.AWSKeyDetektor",
        ),
        ("checks:\n  pii:\n    tiers:\n      docs: {CG-PII-PAM: info}\n", "checks.pii.tiers.docs.CG-PII-PAM"),
        ("checks: {}\nbaseline:\n  never_hides: [AWSKeyDetector, AWSKeyDetektor]\n", "baseline.never_hides.1"),
    ],
)
def test_a_misspelt_rule_is_a_policy_error(tail: str, key: str) -> None:
    """A typo in a tier table or `never_hides` would silently rate down, or let a baseline hide,
    a live credential: the policy is refused, naming the key."""
    with pytest.raises(PolicyError) as err:
        parse_policy("version: 1\n" + tail)
    assert key in err.value.diagnostics()


def test_rule_families_and_listed_rules_are_accepted() -> None:
    """bandit's own tests (B1xx-B7xx) are a family the sast catalog does not list one by one."""
    parse_policy("version: 1\nchecks:\n  sast:\n    tiers:\n      test: {B501: high, B905: high}\n")
    parse_policy("version: 1\nchecks: {}\nbaseline:\n  never_hides: [StripeDetector, CG-PII-PAN]\n")
