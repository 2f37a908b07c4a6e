"""A generated, realistic-looking payment code base with labelled payment-rule bugs.

Used by the differential tests, the false-positive measurement and `benchmarks/sast_scan.py`.
Modules are drawn from templates of what payment services contain (PSP clients, webhook views,
ledgers, reporting, token helpers, CLI scripts, tests). Most code is correct; a fraction of
modules gets one planted bug from `BUGS`, whose lines carry a `#!B9xx` marker that is stripped on
writing and recorded in `Codebase.expected` as (path, line, rule). Any payment-rule finding not in
`expected` is a false positive; any expected one not found is a miss.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

PROVIDERS = ("stripe", "adyen", "braintree", "checkout", "mollie", "worldpay", "paypal", "klarna")
ENTITIES = ("order", "invoice", "subscription", "payout", "refund", "dispute", "settlement", "transfer")

CLIENT = '''"""HTTP client for the {provider} API."""
import logging
import uuid
from decimal import Decimal

import requests

from payments.masking import mask_pan
from payments.settings import settings

log = logging.getLogger(__name__)
TIMEOUT = (3.05, 27)
RETRY_BACKOFF = 0.5


class {Provider}Client:
    def __init__(self, api_key, base_url="https://api.{provider}.example/v1"):
        self.api_key = api_key
        self.base_url = base_url
        self.session = requests.Session()
        self.session.verify = settings.CA_BUNDLE
        self.session.headers["Authorization"] = "Bearer " + api_key

    def charge(self, {entity}_id, amount: Decimal, currency, card_token):
        idempotency_key = str(uuid.uuid4())
        body = {{"amount": str(amount), "currency": currency, "source": card_token,
                "reference": {entity}_id}}
        log.info("charging %s %s for {entity} %s", amount, currency, {entity}_id)
        resp = self.session.post(self.base_url + "/charges", json=body, timeout=TIMEOUT,
                                 headers={{"Idempotency-Key": idempotency_key}})
        if resp.status_code >= 500:
            log.warning("{provider} unavailable, status %s", resp.status_code)
            raise ProviderUnavailable("{provider} returned %s" % resp.status_code)
        return resp.json()

    def refund(self, charge_id, amount: Decimal):
        payload = {{"charge": charge_id, "amount": str(amount)}}
        return self.session.post(self.base_url + "/refunds", json=payload, timeout=TIMEOUT).json()

    def tokenize(self, card_number, exp_month, exp_year, cvc):
        log.info("tokenizing card %s", mask_pan(card_number))
        resp = self.session.post(self.base_url + "/tokens", timeout=TIMEOUT, json={{
            "number": card_number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}})
        if resp.status_code == 402:
            raise CardDeclined("card ending %s declined" % card_number[-4:])
        return resp.json()["id"]


class ProviderUnavailable(Exception):
    pass


class CardDeclined(Exception):
    pass
'''

WEBHOOK = '''"""Webhook endpoint for {provider} events."""
import hashlib
import hmac
import json
import logging
import time

from flask import Blueprint, abort, request

from payments.settings import settings
from payments.{entity}s import mark_paid, mark_refunded

bp = Blueprint("{provider}_webhooks", __name__)
log = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300


def verify_signature(payload: bytes, header: str, secret: str) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts.get("t", "0"))
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        return False
    signed = f"{{timestamp}}.".encode() + payload
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@bp.post("/webhooks/{provider}")
def {provider}_webhook():
    payload = request.get_data()
    if not verify_signature(payload, request.headers.get("{Provider}-Signature", ""),
                            settings.WEBHOOK_SECRET):
        abort(400)
    event = json.loads(payload)
    log.info("event %s type %s", event["id"], event["type"])
    if event["type"] == "charge.succeeded":
        mark_paid(event["data"]["object"]["metadata"]["{entity}_id"])
    elif event["type"] == "charge.refunded":
        mark_refunded(event["data"]["object"]["id"])
    return "", 204
'''

LEDGER = '''"""Ledger entries for {entity}s: amounts are Decimal, rounding is explicit."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
EXPONENTS = {{"EUR": 2, "USD": 2, "JPY": 0, "KWD": 3}}


@dataclass(frozen=True)
class {Entity}Line:
    {entity}_id: str
    amount: Decimal
    currency: str
    quantity: int = 1

    @property
    def total(self) -> Decimal:
        return (self.amount * self.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = EXPONENTS.get(currency, 2)
    return int((amount * (10 ** exponent)).to_integral_value(rounding=ROUND_HALF_UP))


def from_minor_units(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-EXPONENTS.get(currency, 2))


def apply_fee(amount: Decimal, fee_rate: Decimal, fixed_fee: Decimal) -> Decimal:
    fee = (amount * fee_rate + fixed_fee).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount - fee


def balance(lines) -> Decimal:
    total = Decimal(0)
    for line in lines:
        total += line.total
    return total
'''

REPORTING = '''"""Operational metrics for the {entity} pipeline (rates and latencies, not money)."""
import statistics
import time

SLOW_THRESHOLD_MS = 250.0


def success_rate(succeeded: int, attempted: int) -> float:
    if attempted == 0:
        return 0.0
    ratio = succeeded / attempted
    return round(ratio * 100, 2)


def latency_summary(samples_ms):
    total = 0.0
    for s in samples_ms:
        total += s
    mean_ms = total / len(samples_ms) if samples_ms else 0.0
    p95 = statistics.quantiles(samples_ms, n=20)[-1] if len(samples_ms) > 1 else mean_ms
    return {{"mean_ms": round(mean_ms, 1), "p95_ms": round(p95, 1)}}


def timed(fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            elapsed = float(time.perf_counter() - start)
            if elapsed * 1000 > SLOW_THRESHOLD_MS:
                print("slow call", fn.__name__, round(elapsed, 3))
    return wrapper


def conversion_rate(visits: int, purchases: int) -> float:
    weight = 0.5
    return weight * float(purchases) / max(visits, 1)
'''

TOKENS = '''"""Identifiers and secrets for {entity}s."""
import random
import secrets
import string
import uuid

ALPHABET = string.ascii_uppercase + string.digits


def new_{entity}_reference() -> str:
    return "{prefix}_" + secrets.token_hex(8)


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def one_time_code(length: int = 6) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(length))


def retry_delay(attempt: int) -> float:
    jitter = random.uniform(0, 0.3)
    return min(30.0, 0.5 * 2 ** attempt) + jitter


def sample_for_audit(items, rate: float = 0.01):
    return [item for item in items if random.random() < rate]


def constant_time_equal(a: str, b: str) -> bool:
    return secrets.compare_digest(a, b)
'''

VIEWS = '''"""HTTP views for {entity}s."""
import logging
from decimal import Decimal, InvalidOperation

from flask import Blueprint, jsonify, request

from payments.{provider}.client import {Provider}Client
from payments.settings import settings

bp = Blueprint("{entity}s", __name__)
log = logging.getLogger(__name__)


@bp.post("/{entity}s/<{entity}_id>/pay")
def pay_{entity}({entity}_id):
    try:
        amount = Decimal(request.json["amount"])
    except (KeyError, InvalidOperation):
        return jsonify(error="amount must be a decimal string"), 400
    currency = request.json.get("currency", "EUR")
    client = {Provider}Client(settings.{PROVIDER}_API_KEY)
    result = client.charge({entity}_id, amount, currency, request.json["payment_method"])
    log.info("{entity} %s paid, charge %s", {entity}_id, result["id"])
    if result["status"] == "succeeded":
        return jsonify(status="paid", charge=result["id"])
    return jsonify(status=result["status"]), 402


@bp.get("/{entity}s/<{entity}_id>")
def show_{entity}({entity}_id):
    token = request.headers.get("Authorization", "")
    if token is None or token == "":
        return jsonify(error="unauthorized"), 401
    return jsonify(id={entity}_id)
'''

CLI = '''"""Operator command: export {entity}s for reconciliation."""
import argparse
import csv
import subprocess
import sys
import tempfile


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".csv") as fh:
        writer = csv.writer(fh)
        writer.writerow(["{entity}_id", "amount", "currency"])
    subprocess.run(["gzip", "-k", fh.name], check=True)
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

TESTS = '''"""Tests for {entity} ledger and client."""
from decimal import Decimal

import pytest

from payments.ledger.{entity} import apply_fee, to_minor_units

TEST_CARD = "4242424242424242"


def test_minor_units():
    assert to_minor_units(Decimal("19.99"), "EUR") == 1999
    assert to_minor_units(Decimal("5"), "JPY") == 5


def test_fee():
    assert apply_fee(Decimal("100.00"), Decimal("0.029"), Decimal("0.30")) == Decimal("96.80")


@pytest.mark.parametrize("card", [TEST_CARD])
def test_tokenize(fake_client, card):
    token = fake_client.tokenize(card, 12, 2030, "123")
    assert token.startswith("tok_")
'''

TEMPLATES = (CLIENT, WEBHOOK, LEDGER, REPORTING, TOKENS, VIEWS, CLI, TESTS)
FOLDERS = ("clients", "webhooks", "ledger", "reporting", "tokens", "views", "cli", "tests")

BUGS = (
    ('def legacy_total(lines):\n    amount = float(lines[0]["amount"])  #!B901\n    return amount\n'),
    ("DEFAULT_FEE = 0.30  #!B901\n"),
    ("def vat(amount):\n    return round(amount * 0.2, 2)  #!B902\n"),
    ('import logging\nlogging.getLogger("x").info("card %s", card_number)  #!B903\n'),
    ('def reject(cvv):\n    raise ValueError(f"bad cvv {cvv}")  #!B903\n'),
    ("import random\ndef make_otp():\n    return str(random.randint(100000, 999999))  #!B904\n"),
    ("def check(sig, expected_signature):\n    return sig == expected_signature  #!B905\n"),
    ("import json\ndef legacy_webhook(request):  #!B906\n    return json.loads(request.body)\n"),
    ("import requests\nsession = requests.Session()\nsession.verify = False  #!B907\n"),
)
_MARK = re.compile(r"\s*#!(B9\d\d)$")


@dataclass
class Codebase:
    files: dict[str, str] = field(default_factory=dict)
    expected: set[tuple[str, int, str]] = field(default_factory=set)

    def write(self, root: Path) -> None:
        for rel, text in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def generate(n_files: int, bug_rate: float = 0.1, seed: int = 4, parts: int = 1) -> Codebase:
    """`n_files` modules of `parts` templates each; about `bug_rate` of them get one planted bug."""
    rng = random.Random(seed)
    out = Codebase()
    for i in range(n_files):
        kind = i % len(TEMPLATES)
        provider = rng.choice(PROVIDERS)
        entity = rng.choice(ENTITIES)
        chunks = [TEMPLATES[(kind + k * 3) % len(TEMPLATES)] for k in range(parts)]
        text = "\n\n".join(chunks).format(
            provider=provider,
            Provider=provider.title(),
            PROVIDER=provider.upper(),
            entity=entity,
            Entity=entity.title(),
            prefix=entity[:3],
        )
        if rng.random() < bug_rate:
            text += "\n\n" + rng.choice(BUGS)
        name = f"test_{entity}_{i}.py" if FOLDERS[kind] == "tests" else f"{entity}_{i}.py"
        rel = f"payments/{FOLDERS[kind]}/{provider}/{name}"
        lines = []
        for n, line in enumerate(text.splitlines(), 1):
            mark = _MARK.search(line)
            if mark:
                out.expected.add((rel, n, mark.group(1)))
                line = line[: mark.start()]
            lines.append(line)
        out.files[rel] = "\n".join(lines) + "\n"
    return out
