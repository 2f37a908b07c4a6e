"""Client for the payment service provider (PSP). Cards arrive tokenised; we never see a PAN."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from hashlib import sha256

import requests

log = logging.getLogger(__name__)

PSP_URL = os.environ.get("PSP_URL", "https://psp.example.com/v1")


def idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def authorize(payment_id: str, card_token: str, amount_minor: int, currency: str) -> dict:
    body = {"payment": payment_id, "source": card_token, "amount": amount_minor, "currency": currency}
    resp = requests.post(
        f"{PSP_URL}/authorizations",
        json=body,
        headers={"Idempotency-Key": idempotency_key()},
        timeout=10,
    )
    resp.raise_for_status()
    log.info("authorized payment %s", payment_id)
    return resp.json()


def verify_webhook(payload: bytes, signature: str, secret: bytes) -> bool:
    expected = hmac.new(secret, payload, sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
