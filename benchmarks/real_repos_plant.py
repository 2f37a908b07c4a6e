"""Plant known problems in a copy of a corpus repository's production code (`real_repos.py --plant`).

Each problem of issue 13's recall list (`CORE`), and other common shapes of the same problems
(`VARIANTS`: a key in YAML config, a CVV in a migration, an SQL schema or the session, `!=` on a
signature, `ssl.CERT_NONE` through a variable...), is written the way it shows up in real code,
into new modules inside the repository's production package (never under a test or docs path). Every
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
    core: bool  # on issue 13's list (else another common shape of the same problem)


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
    alnum = string.ascii_letters + string.digits
    psp_key, psp_key2 = ("sk" + "_live_" + _rand(alnum, 24) for _ in range(2))
    aws_id, aws_id2 = ("AK" + "IA" + _rand(string.ascii_uppercase + "234567", 16) for _ in range(2))
    aws_secret, aws_secret2 = (_rand(alnum + "/+", 40) for _ in range(2))
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
        "config/production.yaml": (
            "psp:\n"
            f"  secret_key: {psp_key2}\n"
            "  webhook_path: /hooks/psp\n"
            "receipts:\n"
            f"  aws_access_key_id: {aws_id2}\n"
            f"  aws_secret_access_key: {aws_secret2}\n"
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
            "\n"
            "\n"
            "def charge_card(gateway, card_number, amount):\n"
            '    logger.info("charging card %s for %s", card_number, amount)\n'
            "    return gateway.charge(card_number, amount)\n"
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
            "\n"
            "\n"
            "def start_checkout(request, form):\n"
            '    request.session["card_cvc"] = form.cleaned_data["cvc"]\n'
            '    return request.session["card_cvc"]\n'
        ),
        "migrations/0042_savedcard_security_code.py": (
            "from django.db import migrations, models\n"
            "\n"
            "\n"
            "class Migration(migrations.Migration):\n"
            '    dependencies = [("payments", "0041_savedcard")]\n'
            "    operations = [\n"
            "        migrations.AddField(\n"
            '            model_name="savedcard",\n'
            '            name="card_cvv",\n'
            "            field=models.CharField(max_length=4),\n"
            "        ),\n"
            "    ]\n"
        ),
        "schema.sql": (
            "CREATE TABLE saved_cards (\n"
            "    id BIGSERIAL PRIMARY KEY,\n"
            "    pan_token VARCHAR(64) NOT NULL,\n"
            "    cvv2 VARCHAR(4)\n"
            ");\n"
        ),
        "provider_http.py": (
            "import ssl\n"
            "\n"
            "import requests\n"
            "import urllib3\n"
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
            "\n"
            "\n"
            "def pool():\n"
            "    cert_reqs = ssl.CERT_NONE\n"
            "    return urllib3.PoolManager(num_pools=4, cert_reqs=cert_reqs)\n"
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
            "\n"
            "\n"
            "def handle_refund_webhook(request, process):\n"
            '    if hmac.new(WEBHOOK_SECRET, request.body, hashlib.sha256).hexdigest() != request.headers["X-Sig"]:\n'
            "        return 401\n"
            "    process(json.loads(request.body))\n"
            "    return 200\n"
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
            "\n"
            "\n"
            "def new_refund_otp():\n"
            "    otp = random.randint(100000, 999999)\n"
            "    return str(otp)\n"
        ),
        "fees.py": (
            "from dataclasses import dataclass\n"
            "\n"
            "\n"
            "def charge_total(order):\n"
            '    amount = float(order["amount"])\n'
            "    fee = amount * 0.029 + 0.30\n"
            "    return amount + fee\n"
            "\n"
            "\n"
            "@dataclass\n"
            "class Refund:\n"
            "    payment_id: str\n"
            "    amount: float\n"
        ),
    }


# key, problem, file inside the package, substrings of the lines a reviewer would point at; the
# first block is issue 13's list, the second are other common shapes of the same problems
CORE = [
    ("psp-live-key", "live-shaped PSP secret key in settings", "deploy_settings.py", ["PSP_SECRET_KEY"]),
    ("aws-key-pair", "AWS access key id + secret access key", "deploy_settings.py", ["AWS_ACCESS", "AWS_SECRET"]),
    ("private-key", "private key file (PEM) in the package", "certs/client_key.pem", ["BEGIN"]),
    ("pan-in-log", "real (non-test) PAN in a log call", "charge_retry.py", ["on card"]),
    ("cvv-orm", "CVV as an ORM model field, written by the ORM", "saved_cards.py", ["cvv = models", "cvv=cvv"]),
    ("tls-off", "verify=False on a provider call", "provider_http.py", ["verify=False"]),
    (
        "tls-off-variable",
        "verify = False passed on as verify=verify",
        "provider_http.py",
        ["verify = False", "verify=verify"],
    ),
    ("webhook-eq", "`==` on a webhook HMAC signature", "webhook_handler.py", ["signature == expected"]),
    ("random-idempotency", "`random` for an idempotency key", "idempotency.py", ["random.choices"]),
    ("random-token", "`random` for a payment token", "idempotency.py", ["random.getrandbits"]),
    ("float-money", "money held in float", "fees.py", ["float(order", "fee = amount"]),
]
VARIANTS = [
    ("psp-live-key-yaml", "live-shaped PSP secret key in a YAML config", "config/production.yaml", ["secret_key:"]),
    ("aws-key-pair-yaml", "AWS key pair in a YAML config", "config/production.yaml", ["aws_access", "aws_secret"]),
    ("pan-variable-in-log", "card number variable logged", "charge_retry.py", ["charging card"]),
    ("cvv-session", "CVC written to the session", "saved_cards.py", ['session["card_cvc"] = ']),
    ("cvv-migration", "CVV column added by a migration", "migrations/0042_savedcard_security_code.py", ["card_cvv"]),
    ("cvv-sql-schema", "CVV column in an SQL schema", "schema.sql", ["cvv2"]),
    ("tls-cert-none", "ssl.CERT_NONE passed on to urllib3", "provider_http.py", ["CERT_NONE", "cert_reqs=cert_reqs"]),
    ("webhook-ne", "`!=` on a webhook HMAC signature", "webhook_handler.py", [".hexdigest() != request"]),
    ("random-otp", "`random` for a refund OTP", "idempotency.py", ["random.randint"]),
    ("float-money-field", "money typed float on a dataclass", "fees.py", ["amount: float"]),
]


def plant(tree: Path, package_dir: str) -> list[Plant]:
    """Write the planted modules into `tree/package_dir`; return what was planted where."""
    pkg = tree / package_dir
    if not pkg.is_dir():
        raise FileNotFoundError(f"{pkg}: the manifest's package_dir does not exist in this tree")
    sources = _sources()
    for name, text in sources.items():
        target = pkg / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    prefix = package_dir.strip("/")
    plants = []
    for core, specs in ((True, CORE), (False, VARIANTS)):
        for key, problem, name, needles in specs:
            lines = tuple(
                n for n, line in enumerate(sources[name].splitlines(), 1) if any(needle in line for needle in needles)
            )
            assert lines, f"plant {key}: no line of {name} matches {needles}"
            path = f"{prefix}/{name}" if prefix not in ("", ".") else name
            plants.append(Plant(key, problem, path, lines, core))
    return plants
