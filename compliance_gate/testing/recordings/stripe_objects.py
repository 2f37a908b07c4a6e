"""Stripe API objects as a webhook delivers them (API version 2024-06-20): Event, PaymentIntent,
Charge, Refund, Dispute and the BalanceTransaction a dispute lists.

Field sets follow Stripe's API reference and the `stripe/openapi` fixtures. Objects are plain
dicts treated as immutable: a change makes a new dict (`{**old, "status": ...}`) so every event
keeps the snapshot it was created with, as Stripe's do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from compliance_gate.testing.recordings.common import Rng, b62, sub, uuid4

API_VERSION = "2024-06-20"
EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
_BRANDS = (("visa", "credit", 60), ("mastercard", "debit", 30), ("amex", "credit", 10))


def account_tag(rng: Rng) -> str:
    """10 characters, a letter at each end: no digit run can cross into or out of an id's tag."""
    tag = b62(rng, 10)
    while not (tag[0].isalpha() and tag[-1].isalpha()):
        tag = b62(rng, 10)
    return tag


class Ids:
    """Stripe-style ids for one account: `pi_3` + 9 random + the account's 10-character tag + 4."""

    def __init__(self, rng: Rng) -> None:
        self.rng = rng
        self.tag = account_tag(rng)

    def obj(self, prefix: str, version: str = "3") -> str:
        return f"{prefix}_{version}{b62(self.rng, 9)}{self.tag}{b62(self.rng, 4)}"

    def short(self, prefix: str, n: int = 14) -> str:
        return f"{prefix}_{b62(self.rng, n)}"

    def stripe_js_key(self) -> str:
        """Stripe.js sends a UUID as the idempotency key of a client-side confirmation."""
        return uuid4(self.rng)


@dataclass(frozen=True, slots=True)
class Method:
    """How the customer pays: a card (`details` as in `payment_method_details.card`) or a bank debit."""

    kind: str  # card, sepa_debit, us_bank_account
    pm: str
    details: Mapping[str, object]
    brand: str | None
    funding: str | None
    country: str


def card(ids: Ids, three_ds: bool) -> Method:
    rng = ids.rng
    r = rng.random() * 100
    brand, funding, _ = _BRANDS[0] if r < 60 else _BRANDS[1] if r < 90 else _BRANDS[2]
    country = ("US", "US", "GB", "DE", "FR", "JP")[rng.randrange(6)]
    details = {
        "amount_authorized": None,
        "authorization_code": f"{rng.randrange(10**6):06d}",
        "brand": brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": "pass", "cvc_check": "pass"},
        "country": country,
        "exp_month": rng.randint(1, 12),
        "exp_year": rng.randint(2027, 2032),
        "extended_authorization": {"status": "disabled"},
        "fingerprint": b62(rng, 16),
        "funding": funding,
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": f"{rng.randrange(10**4):04d}",
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": brand,
        "network_token": {"used": False},
        "overcapture": {"maximum_amount_capturable": 0, "status": "unavailable"},
        "three_d_secure": three_ds_result(rng) if three_ds else None,
        "wallet": None,
    }
    return Method("card", ids.obj("pm", "1"), details, brand, funding, country)


def three_ds_result(rng: Rng) -> dict[str, object]:
    return {
        "authentication_flow": "challenge",
        "electronic_commerce_indicator": "05",
        "exemption_indicator": None,
        "result": "authenticated",
        "result_reason": None,
        "transaction_id": uuid4(rng),
        "version": "2.2.0",
    }


def bank_debit(ids: Ids, currency: str) -> Method:
    rng = ids.rng
    if currency == "eur":
        details = {
            "bank_code": f"{rng.randrange(10**8):08d}",
            "branch_code": None,
            "country": "DE",
            "fingerprint": b62(rng, 16),
            "last4": f"{rng.randrange(10**4):04d}",
            "mandate": ids.obj("mandate", "1"),
        }
        return Method("sepa_debit", ids.obj("pm", "1"), details, None, None, "DE")
    details = {
        "account_holder_type": "individual",
        "account_type": "checking",
        "bank_name": "STRIPE TEST BANK",
        "fingerprint": b62(rng, 16),
        "last4": f"{rng.randrange(10**4):04d}",
        "payment_reference": None,
        "routing_number": "110000000",
    }
    return Method("us_bank_account", ids.obj("pm", "1"), details, None, None, "US")


def payment_intent(
    ids: Ids, pid: str, amount: int, currency: str, created: int, manual: bool, method: Method, order: str
) -> dict[str, object]:
    rng = ids.rng
    card_options = {
        "installments": None,
        "mandate_options": None,
        "network": None,
        "request_three_d_secure": "automatic",
    }
    return {
        "id": pid,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": True} if rng.random() < 0.6 else None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "manual" if manual else "automatic_async",
        "client_secret": f"{pid}_secret_{b62(rng, 25)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": ids.short("cus") if rng.random() < 0.5 else None,
        "description": None,
        "invoice": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": {"order_id": order},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": card_options} if method.kind == "card" else {method.kind: {}},
        "payment_method_types": [method.kind],
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }


def charge(ids: Ids, pi: dict[str, object], method: Method, created: int) -> dict[str, object]:
    details = dict(method.details)
    if method.kind == "card":
        details["amount_authorized"] = pi["amount"]
        details["overcapture"] = {"maximum_amount_capturable": pi["amount"], "status": "unavailable"}
    return {
        "id": ids.obj("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": {
                "city": None,
                "country": method.country,
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": None,
            "name": None,
            "phone": None,
        },
        "calculated_statement_descriptor": "EXAMPLE SHOP",
        "captured": False,
        "created": created,
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": None,
        "destination": None,
        "dispute": None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "invoice": None,
        "livemode": False,
        "metadata": dict(sub(pi, "metadata")),
        "on_behalf_of": None,
        "outcome": None,
        "paid": False,
        "payment_intent": pi["id"],
        "payment_method": method.pm,
        "payment_method_details": {method.kind: details, "type": method.kind},
        "radar_options": {},
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{b62(ids.rng, 64)}",
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "pending",
        "transfer_data": None,
        "transfer_group": None,
    }


def outcome(approved: bool, reason: str | None = None) -> dict[str, object]:
    if approved:
        return {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "network_status": "declined_by_network",
        "reason": reason,
        "risk_level": "normal",
        "risk_score": 41,
        "seller_message": f"The bank returned the decline code `{reason}`.",
        "type": "issuer_declined",
    }


def refund(ids: Ids, ch: dict[str, object], amount: int, created: int, status: str, txn: str) -> dict[str, object]:
    return {
        "id": ids.obj("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": txn,
        "charge": ch["id"],
        "created": created,
        "currency": ch["currency"],
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": {},
        "payment_intent": ch["payment_intent"],
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }


def dispute(ids: Ids, ch: dict[str, object], created: int, inquiry: bool, brand: str) -> dict[str, object]:
    reason, code = (
        ("general", "10.4") if inquiry else ids.rng.choice((("fraudulent", "10.4"), ("product_not_received", "13.1")))
    )
    return {
        "id": ids.obj("dp", "1"),
        "object": "dispute",
        "amount": ch["amount_captured"],
        "balance_transactions": [],
        "charge": ch["id"],
        "created": created,
        "currency": ch["currency"],
        "evidence": dict.fromkeys(EVIDENCE_FIELDS),
        "evidence_details": {
            "due_by": created + 8 * 86400,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": ch["payment_intent"],
        "payment_method_details": {
            "card": {"brand": brand, "case_type": "inquiry" if inquiry else "chargeback", "network_reason_code": code},
            "type": "card",
        },
        "reason": reason,
        "status": "warning_needs_response" if inquiry else "needs_response",
    }


def balance_transaction(
    txn: str, amount: int, fee: int, created: int, currency: str, category: str, source: str, description: str
) -> dict[str, object]:
    fee_details = [
        {"amount": fee, "application": None, "currency": currency, "description": "Dispute fee", "type": "stripe_fee"}
    ]
    return {
        "id": txn,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + 2 * 86400,
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": fee_details if fee else [],
        "net": amount - fee,
        "reporting_category": category,
        "source": source,
        "status": "pending",
        "type": "adjustment",
    }


def event(
    evt: str,
    created: int,
    etype: str,
    obj: dict[str, object],
    request: tuple[str | None, str | None],
    pending_webhooks: int,
    previous: dict[str, object] | None = None,
) -> dict[str, object]:
    data: dict[str, object] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": evt,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": request[0], "idempotency_key": request[1]},
        "type": etype,
    }
