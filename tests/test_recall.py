"""Recall of the default policy (issue 13): each real problem, planted in production code of a
small payment app, blocks. Every secret and card number is generated here, never a literal."""

from __future__ import annotations

import random
import string
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from gitutil import commit, init_repo

sys.path.insert(0, str(Path(__file__).parent / "pii"))

from piiutil import make_pan

from compliance_gate.engine import load_policy, run
from compliance_gate.model import Outcome, Verdict
from compliance_gate.policy import builtin_policy_path

RNG = random.Random(13)


def rand(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


ALNUM = string.ascii_letters + string.digits
PLANTS: dict[str, tuple[str, str, int]] = {
    # key: (path, text, line a blocking finding must land on)
    "psp-live-key": ("shop/payments/settings.py", f'STRIPE_SECRET_KEY = "sk_{"live"}_{rand(ALNUM, 24)}"\n', 1),
    "aws-key-pair": (
        "shop/payments/storage.py",
        f'AWS_ACCESS_KEY_ID = "AKIA{rand(string.ascii_uppercase + "234567", 16)}"\n'
        f'AWS_SECRET_ACCESS_KEY = "{rand(ALNUM + "+/", 40)}"\n',
        1,
    ),
    "private-key": ("shop/payments/signing.py", f'SIGNING_KEY = """{private_key()}"""\n', 1),
    "pan-in-log": (
        "shop/payments/charge.py",
        "import logging\nlog = logging.getLogger(__name__)\n\n\ndef charge():\n"
        f'    log.info("charging card %s", "{make_pan("4", 16, seed=99)}")\n',
        6,
    ),
    "cvv-persisted": (
        "shop/payments/models.py",
        "from django.db import models\n\n\nclass StoredCard(models.Model):\n"
        "    number_token = models.CharField(max_length=64)\n    cvv = models.CharField(max_length=4)\n\n\n"
        "def remember(token, cvv):\n    StoredCard.objects.create(number_token=token, cvv=cvv)\n",
        6,
    ),
    "cvv-orm-write": (
        "shop/payments/save.py",
        "from shop.payments.models import StoredCard\n\n\ndef remember(token, cvv):\n"
        "    StoredCard.objects.create(number_token=token, cvv=cvv)\n",
        5,
    ),
    "tls-off": (
        "shop/payments/gateway.py",
        "import requests\n\n\ndef capture(url, payload):\n"
        "    return requests.post(url, json=payload, verify=False, timeout=10)\n",
        5,
    ),
    "tls-off-variable": (
        "shop/payments/gateway2.py",
        "import requests\n\n\ndef refund(url, payload):\n    verify = False\n"
        "    return requests.post(url, json=payload, verify=verify, timeout=10)\n",
        5,
    ),
    "signature-eq": (
        "shop/payments/webhooks.py",
        "import hashlib\nimport hmac\n\n\ndef webhook(request, secret):\n"
        "    expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()\n"
        '    if request.headers["X-Signature"] == expected:\n        return handle(request)\n    return None\n',
        7,
    ),
    "random-token": (
        "shop/payments/ids.py",
        "import random\nimport string\n\n\ndef idempotency_key():\n"
        '    return "".join(random.choice(string.ascii_letters) for _ in range(32))\n',
        6,
    ),
    "float-money": (
        "shop/payments/fees.py",
        "def fee(order):\n    amount = float(order.total)\n    return amount\n",
        2,
    ),
}


@pytest.fixture(scope="module")
def verdict(tmp_path_factory: pytest.TempPathFactory) -> Verdict:
    repo = init_repo(tmp_path_factory.mktemp("recall") / "shop")
    files = {path: text for path, text, _ in PLANTS.values()}
    files["shop/__init__.py"] = files["shop/payments/__init__.py"] = ""
    commit(repo, files)
    return run(load_policy(builtin_policy_path("default")), repo, use_cache=False, only=("pii", "secrets", "sast"))


@pytest.mark.parametrize("key", sorted(PLANTS))
def test_each_planted_problem_blocks(verdict: Verdict, key: str) -> None:
    path, _, line = PLANTS[key]
    assert verdict.verdict is Outcome.FAIL
    blocking = {(f.path, f.line, f.rule) for r in verdict.checks for f in r.findings if f.severity.at_least(r.fail_on)}
    assert any(p == path and n == line for p, n, _ in blocking), sorted(b for b in blocking if b[0] == path)
