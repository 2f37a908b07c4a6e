"""Refunds: partial or full, never more than was captured."""

from __future__ import annotations

import logging

from payments.models import Payment

log = logging.getLogger(__name__)


def refund_amount(payment: Payment, requested: str) -> int:
    # Planted problem: parsing money through float loses cents (0.1 + 0.2 != 0.3).
    amount = float(requested)
    minor = int(amount * 100)
    if minor > payment.refundable_minor:
        raise ValueError(f"refund of {minor} exceeds refundable {payment.refundable_minor}")
    payment.refunded_minor += minor
    log.info("refunded %s minor units on %s", minor, payment.payment_id)
    return minor
