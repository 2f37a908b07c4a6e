"""The payment rules B901-B907 against their positive and negative corpus, through real bandit."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
from sast_rule_cases import CASES

from compliance_gate.sast.bandit_run import run_bandit
from compliance_gate.sast.plugins import RULE_IDS

RULE_MODULES = ("money", "card_data", "random_tokens", "secret_compare", "webhooks", "tls")


@pytest.fixture(scope="module")
def raised(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Every case in its own file, all scanned in one bandit run with only the payment rules."""
    root = tmp_path_factory.mktemp("rules")
    paths = {}
    for case_id, code, _ in CASES:
        path = root / f"{case_id}.py"
        path.write_text(code)
        paths[str(path)] = case_id
    mgr = run_bandit(sorted(paths), {"include": list(RULE_IDS), "exclude": []})
    assert not mgr.get_skipped()
    out: dict[str, set[str]] = {case_id: set() for case_id in paths.values()}
    for issue in mgr.results:
        out[paths[issue.fname]].add(issue.test_id)
    return out


@pytest.mark.parametrize(("case_id", "code", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_corpus(raised: dict[str, set[str]], case_id: str, code: str, expected: set[str]) -> None:
    """Each corpus case raises exactly the payment rules it is labelled with, and no other."""
    ast.parse(code)
    assert raised[case_id] == expected


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_has_positive_and_negative_cases(rule: str) -> None:
    """The corpus holds at least two positive cases per rule and negatives next to them."""
    positives = [c for c in CASES if rule in c[2]]
    assert len(positives) >= 2
    assert sum(1 for c in CASES if not c[2]) >= 30


def _rule_functions() -> dict[str, object]:
    import importlib

    found: dict[str, object] = {}
    for name in RULE_MODULES:
        module = importlib.import_module(f"compliance_gate.sast.plugins.{name}")
        for _, fn in inspect.getmembers(module, inspect.isfunction):
            test_id = getattr(fn, "_test_id", None)
            if test_id:
                found[test_id] = fn
    return found


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rule_docstring_is_its_documentation(rule: str) -> None:
    """Each rule documents what it finds, why it matters, an example and what to write instead."""
    doc = inspect.getdoc(_rule_functions()[rule]) or ""
    assert doc.startswith(f"{rule}:")
    for section in ("**What it finds.**", "**Why it matters.**", "**Example.**", "**Instead.**"):
        assert section in doc


def test_rule_ids_do_not_clash_with_bandit() -> None:
    """B901-B907 are ours alone: bandit's plugins and blacklists use none of them."""
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    for rule in RULE_IDS:
        plugin = manager.plugins_by_id[rule]
        assert plugin.plugin.__module__.startswith("compliance_gate.sast.plugins.")
    ours = {p.plugin._test_id for p in manager.plugins if p.plugin.__module__.startswith("compliance_gate.")}
    assert ours == set(RULE_IDS)
    blacklisted = {t["id"] for tests in manager.blacklist.values() for t in tests}
    assert not blacklisted & set(RULE_IDS)
    assert len({p.plugin._test_id for p in manager.plugins}) == len(manager.plugins)


def test_entry_points_are_declared_in_pyproject() -> None:
    """The rules reach bandit through the package's `bandit.plugins` entry points."""
    from importlib import metadata

    eps = {ep.name: ep.value for ep in metadata.entry_points(group="bandit.plugins")}
    ours = {name: value for name, value in eps.items() if value.startswith("compliance_gate.")}
    assert len(ours) == len(RULE_IDS)
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    for name, value in ours.items():
        assert f'{name} = "{value}"' in pyproject


def test_generated_payment_codebase_precision_and_recall(tmp_path: Path) -> None:
    """On the generated payment code base every planted bug is found and nothing else is flagged."""
    from sast_codebase import generate

    codebase = generate(96, bug_rate=0.3, seed=3, parts=3)
    codebase.write(tmp_path)
    mgr = run_bandit(sorted(str(tmp_path / p) for p in codebase.files), {"include": list(RULE_IDS), "exclude": []})
    found = {(Path(i.fname).relative_to(tmp_path).as_posix(), i.lineno, i.test_id) for i in mgr.results}
    assert codebase.expected and found == codebase.expected


SEVERITY_CASES = [
    ("signature-eq", "import hmac\ndef f(request, expected):\n    return request.headers['X-Signature'] == expected\n",
     "B905", "HIGH"),
    ("token-eq", "def f(request, api_token):\n    return request.headers['X-Token'] == api_token\n", "B905", "MEDIUM"),
    ("tls-off", "def f(session, url):\n    return session.post(url, verify=False)\n", "B907", "HIGH"),
    ("tls-opt-out", "def f(session, url, verify_ssl):\n    if not verify_ssl:\n"
     "        return session.post(url, verify=False)\n", "B907", "MEDIUM"),
    ("payload-logged", "import logging\nlog = logging.getLogger()\ndef poll(self):\n"
     "    data = self.client.payment().search({})\n    log.info('found %s', data)\n", "B903", "HIGH"),
    ("payload-logged-on-error", "import logging\nlog = logging.getLogger()\ndef poll(self):\n"
     "    data = self.client.payment().search({})\n    if 'error' in data:\n        log.error('failed %s', data)\n",
     "B903", "MEDIUM"),
    ("float-held", "def f(order):\n    amount = float(order.total)\n    return amount\n", "B901", "HIGH"),
    ("float-field-with-value", "class Payment:\n    price: float = 9.99\n", "B901", "HIGH"),
    ("float-field-typed", "class PaymentRequest:\n    amount: float\n", "B901", "MEDIUM"),
]  # fmt: skip


@pytest.mark.parametrize(("case_id", "code", "rule", "severity"), SEVERITY_CASES, ids=[c[0] for c in SEVERITY_CASES])
def test_severity_says_what_blocks(tmp_path: Path, case_id: str, code: str, rule: str, severity: str) -> None:
    """A signature compared with `==`, TLS off unconditionally and money held in a float are HIGH
    (they block under the default policy); a token compare and an explicit opt-out are MEDIUM."""
    path = tmp_path / f"{case_id}.py"
    path.write_text(code)
    mgr = run_bandit([str(path)], {"include": list(RULE_IDS), "exclude": []})
    assert [(i.test_id, i.severity) for i in mgr.results if i.test_id == rule] == [(rule, severity)]
