"""change-scope: allowances a release adds to the secrets baseline need a security sign-off."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from gitutil import commit, git

from compliance_gate.cli import main
from compliance_gate.engine import parse_policy, run
from compliance_gate.model import Status, Verdict

POLICY = """version: 1
checks:
  secrets: {{history: false, unaudited: {unaudited}}}
  change-scope: {{rules: []}}
"""


def token(seed: int) -> str:
    """A GitHub token (a high-confidence detector), built at run time."""
    rng = random.Random(seed)
    return "ghp_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(36))


def audited(root: Path, marks: dict[int, bool | None]) -> None:
    """Write `.secrets.baseline` for the tree with the engine, then set `is_secret` on the
    entries of each line of cfg.py (None leaves them unaudited)."""
    assert main(["baseline", str(root)]) == 0
    data = json.loads((root / ".secrets.baseline").read_text())
    items = data["results"]["cfg.py"]
    assert {i["line_number"] for i in items} == set(marks)
    for item in items:
        item.pop("is_secret", None)
        if marks[item["line_number"]] is not None:
            item["is_secret"] = marks[item["line_number"]]
    (root / ".secrets.baseline").write_text(json.dumps(data, indent=2) + "\n")


def cfg(*seeds: int) -> dict[str, str]:
    return {"cfg.py": "".join(f'TOKEN_{s} = "{token(s)}"\n' for s in seeds)}


@pytest.fixture
def released(repo: Path) -> Path:
    """`main` holds a token that the baseline audits as a real secret (both of its findings);
    `release` is checked out."""
    commit(repo, {**cfg(1), "app.py": "x = 1\n"}, "base")
    audited(repo, {1: True})
    commit(repo, {}, "baseline")
    git(repo, "checkout", "-q", "-b", "release")
    return repo


def scope(repo: Path, unaudited: str = "waive", **kwargs: str) -> tuple[Verdict, dict[str, int], list[str]]:
    policy = parse_policy(POLICY.format(unaudited=unaudited), str(repo / "policies" / "gate.yaml"))
    verdict = run(policy, repo, use_cache=False, **kwargs)
    result = next(r for r in verdict.checks if r.check == "change-scope")
    assert result.status is Status.PASSED, result.errors
    samples = [s for f in result.findings if f.rule == "CG-SCOPE-BASELINE" for s in f.properties["sample"]]
    return verdict, dict(result.required_signoffs), samples


def test_marking_a_real_secret_false_needs_security(released: Path) -> None:
    """Flipping an audited credential to `is_secret: false` clears the secrets check, so the
    release now needs a security sign-off, and the finding names the file, never the value."""
    audited(released, {1: False})
    commit(released, {}, "not a secret, honest")
    whole, _, _ = scope(released, mode="tree")
    secrets = next(r for r in whole.checks if r.check == "secrets")
    assert secrets.status is Status.PASSED and len(secrets.waived) == 2
    verdict, required, samples = scope(released, mode="since", since="main")
    assert required == {"security": 1} and dict(verdict.required_signoffs) == {"security": 1}
    assert samples == ["cfg.py (Base64 High Entropy String)", "cfg.py (GitHub Token)"]
    assert token(1) not in repr(verdict)


def test_a_new_unaudited_entry_waived_by_policy_needs_security(released: Path) -> None:
    """A new credential listed in the baseline without an audit is waived under `unaudited:
    waive`: an allowance; under `unaudited: block` it waives nothing and needs nothing."""
    commit(released, cfg(1, 2))
    audited(released, {1: True, 2: None})
    commit(released, {}, "baseline the new token")
    assert scope(released, mode="since", since="main")[1] == {"security": 1}
    assert scope(released, "block", mode="since", since="main")[1] == {}


def test_tightening_or_rewriting_the_baseline_needs_nothing(released: Path) -> None:
    """Removing entries, or regenerating the baseline with the same audits, adds no allowance."""
    data = json.loads((released / ".secrets.baseline").read_text())
    data["generated_at"] = "2030-01-01T00:00:00Z"
    (released / ".secrets.baseline").write_text(json.dumps(data))
    commit(released, {}, "rewrite")
    assert scope(released, mode="since", since="main")[1] == {}
    data["results"] = {}
    (released / ".secrets.baseline").write_text(json.dumps(data))
    commit(released, {}, "empty the baseline")
    assert scope(released, mode="since", since="main")[1] == {}


def test_a_first_baseline_in_the_range_counts_every_allowance(repo: Path) -> None:
    """A baseline created in the release range (none at the base) adds all its allowances."""
    commit(repo, {**cfg(1), "app.py": "x = 1\n"}, "base")
    git(repo, "checkout", "-q", "-b", "release")
    audited(repo, {1: False})
    commit(repo, {}, "baseline")
    assert scope(repo, mode="since", since="main")[1] == {"security": 1}


def test_staged_and_whole_tree(released: Path) -> None:
    """Staged: compared with HEAD. Whole tree: no base, every allowance counts (assume the worst)."""
    assert scope(released, mode="tree")[1] == {}
    audited(released, {1: False})
    git(released, "add", ".secrets.baseline")
    assert scope(released, mode="staged")[1] == {"security": 1}
    commit(released, {}, "flip")
    assert scope(released, mode="tree")[1] == {"security": 1}


def test_a_baseline_the_secrets_check_does_not_read_needs_nothing(released: Path) -> None:
    """Allowances count only in the baseline the policy's secrets check actually reads."""
    audited(released, {1: False})
    commit(released, {}, "flip")
    policy = POLICY.format(unaudited="waive").replace("history: false", "history: false, baseline: null")
    verdict = run(parse_policy(policy, str(released / "p.yaml")), released, use_cache=False, mode="since", since="main")
    assert dict(verdict.required_signoffs) == {}
