"""Which Stripe flows a generated payment follows, and the clean noise added after a success.

`FLOWS` weighs the flows (card, 3-D Secure, declines, abandonments, manual capture and voids,
bank debits); `run_flow` drives a `StripePayment` through one; `extras` then adds refunds of
every kind, disputes and charge updates to a succeeded card payment.
"""

from __future__ import annotations

from collections import Counter

from compliance_gate.testing.recordings import stripe_objects as so
from compliance_gate.testing.recordings.common import Picker
from compliance_gate.testing.recordings.stripe_flows import StripePayment

FLOWS = {
    "card": 52.0,
    "three_ds": 8.0,
    "decline_then_success": 5.0,
    "decline_abandoned": 3.0,
    "abandoned": 4.0,
    "canceled_abandoned": 2.0,
    "three_ds_abandoned": 1.5,
    "three_ds_canceled": 0.5,
    "manual_capture": 7.0,
    "manual_void": 2.0,
    "manual_pending": 1.0,
    "async_success": 3.0,
    "async_failed": 1.0,
    "async_processing": 1.0,
}
pick_flow = Picker(FLOWS)


def run_flow(p: StripePayment, flow: str, noise: Counter[str]) -> None:
    rng = p.rng
    if flow == "card":
        p.succeed()
    elif flow == "three_ds":
        p.require_action()
        p.succeed(after_action=True)
    elif flow == "decline_then_success":
        p.decline(rng.choice(("insufficient_funds", "do_not_honor", "generic_decline")))
        if rng.random() < 0.3:
            p.decline("card_velocity_exceeded")
        p.method = so.card(p.ids, False)
        p.succeed()
    elif flow == "decline_abandoned":
        p.decline()
    elif flow == "canceled_abandoned":
        p.cancel("abandoned")
    elif flow.startswith("three_ds_"):
        p.require_action()
        if flow == "three_ds_canceled":
            p.cancel("abandoned")
    elif flow.startswith("manual"):
        p.authorize()
        if flow == "manual_capture":
            p.capture()
        elif flow == "manual_void":
            p.void()
    elif flow.startswith("async"):
        p.process()
        if flow != "async_processing":
            p.settle_async(flow == "async_success")


def extras(p: StripePayment, noise: Counter[str]) -> None:
    """After a card payment succeeded: refunds, disputes, a charge update (all clean noise)."""
    rng, step = p.rng, 10 if p.currency == "kwd" else 1
    r = rng.random()
    if r < 0.07:
        p.refund(max(step, p.amount // 2 // step * step), "succeeded")
        noise["refund_partial"] += 1
    elif r < 0.11:
        p.refund(p.amount, "succeeded")
        noise["refund_full"] += 1
    elif r < 0.125:
        third = max(step, p.amount // 3 // step * step)
        p.refund(third, "succeeded")
        p.refund(third, "pending")
        noise["refund_two_partials"] += 1
    elif r < 0.145:
        p.refund(p.amount, "pending")
        noise["refund_pending_then_succeeded"] += 1
    elif r < 0.155:
        p.refund(p.amount, "failed")
        noise["refund_failed"] += 1
    elif r < 0.182:
        fate = rng.choice(("won", "won", "lost", "lost", "open", "inquiry"))
        p.dispute(fate)
        noise[f"dispute_{fate}"] += 1
    if rng.random() < 0.04:
        p.touch_charge()
        noise["charge_updated"] += 1
