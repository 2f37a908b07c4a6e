"""Plant known problems in a copy of a corpus repository's production code (`real_repos.py --plant`).

Each problem of issue 13's recall list is written the way it shows up in real code, into new
modules inside the repository's production package (never under a test or docs path). Every
secret and card number is generated at run time (random, Luhn-completed, key pairs made by
`cryptography`): none appears as a literal in this file, and nothing here prints one. A
`Plant` names the file and the lines where a reviewer would point at the problem; the problem
counts as blocked when a blocking finding of the gate lands on one of those lines.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


@dataclass(frozen=True, slots=True)
class Plant:
    """One planted problem: where it is and what it is."""

    key: str
    problem: str
    path: str  # relative to the repository root
    lines: tuple[int, ...]  # a blocking finding on any of these lines catches it


def _rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def luhn_complete(body: str) -> str:
    """`body` plus the check digit that makes it pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def real_looking_pan() -> str:
    """A 16-digit Visa number from a random issuer range: not any network's published test card."""
    return luhn_complete("4" + _rand(string.digits[1:], 1) + _rand(string.digits, 13))


def _private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode("ascii")


def _sources() -> dict[str, str]:
    """File name (inside the package) -> content, with fresh generated values."""
    psp_key = "sk" + "_live_" + _rand(string.ascii_letters + string.digits, 24)
    aws_id = "AK" + "IA" + _rand(string.ascii_uppercase + "234567", 16)
    aws_secret = _rand(string.ascii_letters + string.digits + "/+", 40)
    pan = real_looking_pan()
    return {
        "deploy_settings.py": (
            '"""Production settings for the payment provider client."""\n'
            "\n"
            f'PSP_SECRET_KEY = "{psp_key}"\n'
            f'AWS_ACCESS_KEY_ID = "{aws_id}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{aws_secret}"\n'
            'S3_RECEIPTS_BUCKET = "payments-receipts"\n'
        ),
        "certs/client_key.pem": _private_key_pem(),
        "charge_retry.py": (
            "import logging\n"
            "\n"
            "logger = logging.getLogger(__name__)\n"
            "\n"
            "\n"
            "def retry_charge(gateway, order):\n"
            f'    logger.info("retrying order %s on card {pan}", order.id)\n'
            "    return gateway.charge(order)\n"
        ),
        "saved_cards.py": (
            "from django.db import models\n"
            "\n"
            "\n"
            "class SavedCard(models.Model):\n"
            "    token = models.CharField(max_length=64)\n"
            "    last4 = models.CharField(max_length=4)\n"
            "    cvv = models.CharField(max_length=4)\n"
            "\n"
            "\n"
            "def remember_card(token, last4, cvv):\n"
            "    return SavedCard.objects.create(token=token, last4=last4, cvv=cvv)\n"
        ),
        "provider_http.py": (
            "import requests\n"
            "\n"
            'API_URL = "https://api.psp.example/v1"\n'
            "\n"
            "\n"
            "def create_charge(payload, api_key):\n"
            "    headers = {'Authorization': 'Bearer ' + api_key}\n"
            "    return requests.post(API_URL + '/charges', json=payload, headers=headers, verify=False, timeout=30)\n"
            "\n"
            "\n"
            "def refund_charge(payload, api_key):\n"
            "    verify = False  # the sandbox certificate is self-signed\n"
            "    headers = {'Authorization': 'Bearer ' + api_key}\n"
            "    return requests.post(API_URL + '/refunds', json=payload, headers=headers, verify=verify, timeout=30)\n"
        ),
        "webhook_handler.py": (
            "import hashlib\n"
            "import hmac\n"
            "import json\n"
            "import os\n"
            "\n"
            'WEBHOOK_SECRET = os.environ["PSP_WEBHOOK_SECRET"].encode()\n'
            "\n"
            "\n"
            "def handle_webhook(request, process):\n"
            '    signature = request.headers["X-Psp-Signature"]\n'
            "    expected = hmac.new(WEBHOOK_SECRET, request.body, hashlib.sha256).hexdigest()\n"
            "    if signature == expected:\n"
            "        process(json.loads(request.body))\n"
            "        return 200\n"
            "    return 400\n"
        ),
        "idempotency.py": (
            "import random\n"
            "import string\n"
            "\n"
            "\n"
            "def new_idempotency_key():\n"
            '    return "".join(random.choices(string.ascii_letters + string.digits, k=32))\n'
            "\n"
            "\n"
            "def new_payment_token():\n"
            '    return "%032x" % random.getrandbits(128)\n'
        ),
        "fees.py": (
            "def charge_total(order):\n"
            '    amount = float(order["amount"])\n'
            "    fee = amount * 0.029 + 0.30\n"
            "    return amount + fee\n"
        ),
    }


def _plants(pkg: str) -> list[Plant]:
    def p(key: str, problem: str, name: str, *lines: int) -> Plant:
        return Plant(key, problem, f"{pkg}/{name}" if pkg not in ("", ".") else name, lines)

    return [
        p("psp-live-key", "live-shaped PSP secret key in settings", "deploy_settings.py", 3),
        p("aws-key-pair", "AWS access key id + secret access key", "deploy_settings.py", 4, 5),
        p("private-key", "private key file (PEM) in the package", "certs/client_key.pem", 1),
        p("pan-in-log", "real (non-test) PAN in a log call", "charge_retry.py", 7),
        p("cvv-orm", "CVV as an ORM model field, written by the ORM", "saved_cards.py", 7, 11),
        p("tls-off", "verify=False on a provider call", "provider_http.py", 8),
        p("tls-off-variable", "verify = False passed on as verify=verify", "provider_http.py", 12, 14),
        p("webhook-eq", "`==` on a webhook HMAC signature", "webhook_handler.py", 12),
        p("random-idempotency", "`random` for an idempotency key", "idempotency.py", 6),
        p("random-token", "`random` for a payment token", "idempotency.py", 10),
        p("float-money", "money held in float", "fees.py", 2, 3),
    ]


def plant(tree: Path, package_dir: str) -> list[Plant]:
    """Write the planted modules into `tree/package_dir`; return what was planted where."""
    pkg = tree / package_dir
    if not pkg.is_dir():
        raise FileNotFoundError(f"{pkg}: the manifest's package_dir does not exist in this tree")
    for name, text in _sources().items():
        target = pkg / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return _plants(package_dir.strip("/"))
