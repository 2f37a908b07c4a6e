"""The gate's baseline (`compliance-gate baseline --check all|pii|sast`): an existing code base
adopts the gate and only new findings block; live-shaped credentials are never hidden."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from gitutil import commit

from compliance_gate.cli import main
from compliance_gate.engine import load_policy, run
from compliance_gate.model import Outcome, Status

POLICY = """\
version: 1
checks:
  pii: {}
  sast: {}
  secrets: {}
baseline:
  never_hides: [StripeDetector]
"""


def live_key(seed: int) -> str:
    rng = random.Random(seed)
    return "sk_" + "live_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))


def files() -> dict[str, str]:
    return {
        "gate.yaml": POLICY,
        "app/models.py": (
            "from django.db import models\n\nclass Card(models.Model):\n    cvv = models.CharField(max_length=4)\n"
        ),
        "app/client.py": "import requests\n\ndef fetch(url):\n    return requests.get(url, verify=False, timeout=5)\n",
        "app/keys.py": f'STRIPE_KEY = "{live_key(1)}"\n',
    }


def results(repo: Path) -> dict[str, tuple[Status, int, int]]:
    verdict = run(load_policy(repo / "gate.yaml"), repo, use_cache=False)
    return {r.check: (r.status, r.counts.get("blocking", 0), r.counts.get("baselined", 0)) for r in verdict.checks}


def test_baseline_hides_todays_findings_but_never_a_live_key_and_not_new_ones(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(repo, files())
    assert {c: s for c, (s, _, _) in results(repo).items()} == {
        "pii": Status.FAILED,
        "sast": Status.FAILED,
        "secrets": Status.FAILED,
    }
    assert main(["baseline", str(repo), "--policy", str(repo / "gate.yaml"), "--check", "all"]) == 0
    written = json.loads((repo / ".compliance-gate-baseline.json").read_text())
    assert {c: [e["rule"] for e in rows] for c, rows in written["checks"].items()} == {
        "pii": ["CG-PII-SAD"],
        "sast": ["B501"],  # bandit's own test of `verify=False` on requests
        "secrets": ["Base64HighEntropyString"],  # the key's entropy hit (low); the Stripe hit is not recorded
    }
    assert live_key(1) not in json.dumps(written)
    commit(repo, message="adopt the gate")
    after = results(repo)
    assert after["pii"] == (Status.PASSED, 0, 1)
    assert after["sast"] == (Status.PASSED, 0, 1)
    assert after["secrets"][0] is Status.FAILED  # a live key is rotated, never accepted
    code = main(["run", str(repo), "--policy", str(repo / "gate.yaml"), "--no-cache"])
    assert code == 1
    assert "1 (1 baseline)" in capsys.readouterr().out
    commit(repo, {"app/orders.py": "class Order(models.Model):\n    card_cvc = models.CharField(max_length=4)\n"})
    assert results(repo)["pii"] == (Status.FAILED, 1, 1)


def test_rewriting_one_check_keeps_the_others(repo: Path) -> None:
    commit(repo, files())
    policy = str(repo / "gate.yaml")
    assert main(["baseline", str(repo), "--policy", policy, "--check", "all"]) == 0
    commit(repo, {"app/client.py": "x = 1\n"})
    assert main(["baseline", str(repo), "--policy", policy, "--check", "sast"]) == 0
    written = json.loads((repo / ".compliance-gate-baseline.json").read_text())
    assert [e["rule"] for e in written["checks"]["pii"]] == ["CG-PII-SAD"]
    assert written["checks"]["sast"] == []


def test_a_broken_baseline_is_an_error_not_a_pass(repo: Path) -> None:
    commit(repo, {**files(), ".compliance-gate-baseline.json": "{not json"})
    verdict = run(load_policy(repo / "gate.yaml"), repo, use_cache=False)
    assert verdict.verdict is Outcome.ERROR
    assert any(".compliance-gate-baseline.json" in r for r in verdict.reasons)
