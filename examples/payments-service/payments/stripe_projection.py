"""The service's view of a Stripe PaymentIntent, folded from the webhook Events it received.

The dashboard shows the PaymentIntent's status at its latest event and the money Stripe's own
objects report: `amount_received` for the capture, each Refund (by its `re_` id, at its latest
status) while pending or succeeded. `tests/test_stripe_projection.py` replays the recording in
`recordings/stripe/` through this function with compliance-gate's pytest plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

REFUND_COUNTS = ("pending", "succeeded")


def project(events: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    """Events of one PaymentIntent, in replay order (each with `raw`: the Stripe Event)."""
    status = "requires_payment_method"
    captured = 0
    refunds: dict[str, int] = {}
    for event in events:
        obj = event["raw"]["data"]["object"]
        if obj["object"] == "payment_intent":
            status = obj["status"]
            captured = obj["amount_received"]
        elif obj["object"] == "refund":
            refunds[obj["id"]] = obj["amount"] if obj["status"] in REFUND_COUNTS else 0
    return {"state": status, "captured": captured, "refunded": sum(refunds.values())}
