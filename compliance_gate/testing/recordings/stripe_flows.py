"""One PaymentIntent's life as the Events Stripe sends for it, and the balance transactions it moves.

`StripePayment` holds the PaymentIntent and its Charge, and each step method appends the events
Stripe emits for that step, in the order and with the `request` Stripe gives them:

| step | events (request: S server call, C Stripe.js confirm with a UUID key, - none) |
|---|---|
| `create` | `payment_intent.created` (S, with the payment's creation idempotency key) |
| `require_action` | `payment_intent.requires_action`, 3-D Secure (C) |
| `decline` | `charge.failed`, `payment_intent.payment_failed`: back to `requires_payment_method` (C) |
| `succeed` | `charge.succeeded`, `payment_intent.succeeded` (C; - after 3-D Secure) |
| `authorize` | `charge.succeeded` with `captured: false`, `payment_intent.amount_capturable_updated` (C) |
| `capture` | `charge.captured`, `payment_intent.succeeded` (S) |
| `void` | `payment_intent.canceled`, `charge.refunded` of the uncaptured charge (S) |
| `process` | `payment_intent.processing`, `charge.pending` (C); `settle_async`: the outcome (-) |
| `cancel` | `payment_intent.canceled` (S) |
| `refund` | `refund.created`, `charge.refunded` (S); later `refund.updated`, `charge.refund.updated` and, |
| | on failure, `refund.failed` (-) |
| `dispute` | `charge.dispute.created`, `.funds_withdrawn`, `.updated` (S), `.funds_reinstated`, `.closed` |
| `touch_charge` | `charge.updated` with `previous_attributes` (S, no key) |

The truth a correct replay must compute is read off the state: `status` (the PaymentIntent's),
`captured` (`amount_received`), `refunded` (Refunds at their latest status, pending or
succeeded), `disputed` (open or lost disputes).
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance_gate.testing.recordings import stripe_objects as so
from compliance_gate.testing.recordings.common import later, num, sub, text

NO_REQUEST: tuple[str | None, str | None] = (None, None)
DISPUTE_FEE = {"usd": 1500, "eur": 2000, "gbp": 2000, "jpy": 2000, "kwd": 5000}
_FIXED_FEE = {"usd": 30, "eur": 25, "gbp": 20, "jpy": 0, "kwd": 100}


@dataclass(frozen=True, slots=True)
class Movement:
    """A balance transaction: one row of the payout reconciliation report."""

    created: int
    category: str  # charge, refund, refund_failure, dispute, dispute_reversal
    gross: int  # signed, minor units
    fee: int
    txn: str
    source: str
    description: str
    dispute_reason: str = ""


def processing_fee(amount: int, currency: str, kind: str) -> int:
    if kind == "sepa_debit":
        return 35
    if kind == "us_bank_account":
        return min(amount * 8 // 1000, 500)
    if currency == "jpy":
        return amount * 36 // 1000
    return amount * 29 // 1000 + _FIXED_FEE.get(currency, 30)


class StripePayment:
    def __init__(
        self, ids: so.Ids, start: float, limit: float, amount: int, currency: str, method: so.Method, key: str
    ) -> None:
        self.ids = ids
        self.rng = ids.rng
        self.t = start
        self.limit = limit
        self.method = method
        self.key = key  # the creation request's idempotency key
        self.order = key.rsplit(":", 1)[0]
        self.pid = ""
        self.pi: dict[str, object] = {}
        self.ch: dict[str, object] = {}
        self.events: list[tuple[int, dict[str, object]]] = []
        self.moves: list[Movement] = []
        self.refunds: dict[str, tuple[int, str]] = {}
        self.disputed = 0
        self.amount = amount
        self.currency = currency
        self._n_refunds = 0

    # -- plumbing ------------------------------------------------------------------------
    def wait(self, low: float, high: float) -> int:
        self.t = later(self.t, self.rng.uniform(low, high), self.limit)
        return int(self.t)

    def emit(
        self,
        etype: str,
        obj: dict[str, object],
        request: tuple[str | None, str | None],
        previous: dict[str, object] | None = None,
    ) -> None:
        t = int(self.t)
        pending = 2 if self.rng.random() < 0.25 else 1
        self.events.append((t, so.event(self.ids.obj("evt"), t, etype, obj, request, pending, previous)))

    def server(self, what: str) -> tuple[str | None, str | None]:
        return self.ids.short("req"), f"{self.order}:{what}"

    def confirm(self) -> tuple[str | None, str | None]:
        return self.ids.short("req"), self.ids.stripe_js_key()

    @property
    def status(self) -> str:
        return str(self.pi["status"])

    @property
    def captured(self) -> int:
        return num(self.pi, "amount_received")

    @property
    def refunded(self) -> int:
        return sum(a for a, s in self.refunds.values() if s in ("pending", "succeeded"))

    # -- steps ---------------------------------------------------------------------------
    def create(self, pid: str, manual: bool) -> None:
        self.pid = pid
        self.pi = so.payment_intent(
            self.ids, pid, self.amount, self.currency, int(self.t), manual, self.method, self.order
        )
        self.emit("payment_intent.created", self.pi, (self.ids.short("req"), self.key))

    def require_action(self) -> None:
        self.wait(2, 20)
        action = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "source": self.ids.short("src", 24)},
        }
        self.pi = {**self.pi, "status": "requires_action", "payment_method": self.method.pm, "next_action": action}
        self.emit("payment_intent.requires_action", self.pi, self.confirm())

    def _new_charge(self) -> dict[str, object]:
        return so.charge(self.ids, self.pi, self.method, int(self.t))

    def decline(self, reason: str = "insufficient_funds") -> None:
        self.wait(3, 40)
        req = self.confirm()
        ch = {
            **self._new_charge(),
            "status": "failed",
            "outcome": so.outcome(False, reason),
            "failure_code": "card_declined",
            "failure_message": "Your card was declined.",
        }
        error = {
            "charge": ch["id"],
            "code": "card_declined",
            "decline_code": reason,
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "message": "Your card was declined.",
            "payment_method": {"id": self.method.pm, "object": "payment_method", "type": self.method.kind},
            "type": "card_error",
        }
        self.pi = {
            **self.pi,
            "status": "requires_payment_method",
            "last_payment_error": error,
            "latest_charge": ch["id"],
        }
        self.pi["payment_method"] = None
        self.ch = ch
        self.emit("charge.failed", ch, req)
        self.emit("payment_intent.payment_failed", self.pi, req)

    def _charge_move(self, ch: dict[str, object]) -> None:
        captured = num(ch, "amount_captured")
        fee = processing_fee(captured, self.currency, self.method.kind)
        self.moves.append(
            Movement(int(self.t), "charge", captured, fee, text(ch, "balance_transaction"), text(ch, "id"), "")
        )

    def succeed(self, after_action: bool = False) -> None:
        self.wait(3, 40)
        req = NO_REQUEST if after_action else self.confirm()
        ch = {
            **self._new_charge(),
            "status": "succeeded",
            "paid": True,
            "captured": True,
            "amount_captured": self.amount,
            "balance_transaction": self.ids.obj("txn"),
            "outcome": so.outcome(True),
        }
        self.ch = ch
        self.pi = {
            **self.pi,
            "status": "succeeded",
            "amount_received": self.amount,
            "latest_charge": ch["id"],
            "payment_method": self.method.pm,
            "next_action": None,
            "last_payment_error": None,
        }
        self.emit("charge.succeeded", ch, req)
        self.emit("payment_intent.succeeded", self.pi, req)
        self._charge_move(ch)

    def authorize(self) -> None:
        self.wait(3, 40)
        req = self.confirm()
        self.ch = {**self._new_charge(), "status": "succeeded", "paid": True, "outcome": so.outcome(True)}
        self.pi = {
            **self.pi,
            "status": "requires_capture",
            "amount_capturable": self.amount,
            "latest_charge": self.ch["id"],
            "payment_method": self.method.pm,
        }
        self.emit("charge.succeeded", self.ch, req)
        self.emit("payment_intent.amount_capturable_updated", self.pi, req)

    def capture(self) -> None:
        self.wait(60, 6 * 3600)
        req = self.server("capture")
        self.ch = {
            **self.ch,
            "captured": True,
            "amount_captured": self.amount,
            "balance_transaction": self.ids.obj("txn"),
        }
        self.pi = {**self.pi, "status": "succeeded", "amount_received": self.amount, "amount_capturable": 0}
        self.emit("charge.captured", self.ch, req)
        self.emit("payment_intent.succeeded", self.pi, req)
        self._charge_move(self.ch)

    def void(self) -> None:
        self.wait(60, 6 * 3600)
        req = self.server("cancel")
        self.pi = {
            **self.pi,
            "status": "canceled",
            "canceled_at": int(self.t),
            "cancellation_reason": "requested_by_customer",
            "amount_capturable": 0,
        }
        # releasing an authorisation marks the uncaptured charge refunded: no money moved
        self.ch = {**self.ch, "refunded": True, "amount_refunded": self.amount}
        self.emit("payment_intent.canceled", self.pi, req)
        self.emit("charge.refunded", self.ch, req)

    def process(self) -> None:
        self.wait(3, 40)
        req = self.confirm()
        self.ch = {**self._new_charge(), "status": "pending"}
        self.pi = {**self.pi, "status": "processing", "latest_charge": self.ch["id"], "payment_method": self.method.pm}
        self.emit("payment_intent.processing", self.pi, req)
        self.emit("charge.pending", self.ch, req)

    def settle_async(self, success: bool) -> None:
        self.wait(3600, 3 * 86400)
        if success:
            self.ch = {
                **self.ch,
                "status": "succeeded",
                "paid": True,
                "captured": True,
                "amount_captured": self.amount,
                "balance_transaction": self.ids.obj("txn"),
            }
            self.pi = {**self.pi, "status": "succeeded", "amount_received": self.amount}
            self.emit("charge.succeeded", self.ch, NO_REQUEST)
            self.emit("payment_intent.succeeded", self.pi, NO_REQUEST)
            self._charge_move(self.ch)
            return
        self.ch = {
            **self.ch,
            "status": "failed",
            "failure_code": "insufficient_funds",
            "failure_message": "Insufficient funds",
        }
        error = {"charge": self.ch["id"], "code": "payment_method_provider_decline", "type": "invalid_request_error"}
        self.pi = {**self.pi, "status": "requires_payment_method", "last_payment_error": error, "payment_method": None}
        self.emit("charge.failed", self.ch, NO_REQUEST)
        self.emit("payment_intent.payment_failed", self.pi, NO_REQUEST)

    def cancel(self, reason: str) -> None:
        self.wait(60, 4 * 3600)
        self.pi = {**self.pi, "status": "canceled", "canceled_at": int(self.t), "cancellation_reason": reason}
        self.emit("payment_intent.canceled", self.pi, self.server("cancel"))

    def refund(self, amount: int, fate: str) -> None:
        """`fate`: succeeded, pending (then succeeded) or failed (after first looking succeeded)."""
        self.wait(600, 12 * 3600)
        self._n_refunds += 1
        req = self.server(f"refund:{self._n_refunds}")
        re = so.refund(
            self.ids, self.ch, amount, int(self.t), "pending" if fate == "pending" else "succeeded", self.ids.obj("txn")
        )
        re_id = text(re, "id")
        refunded = num(self.ch, "amount_refunded") + amount
        self.ch = {**self.ch, "amount_refunded": refunded, "refunded": refunded == self.ch["amount_captured"]}
        self.refunds[re_id] = (amount, text(re, "status"))
        self.emit("refund.created", re, req)
        self.emit("charge.refunded", self.ch, req)
        self.moves.append(
            Movement(int(self.t), "refund", -amount, 0, text(re, "balance_transaction"), re_id, "REFUND FOR CHARGE")
        )
        if fate == "succeeded":
            return
        self.wait(3600, 2 * 86400)
        if fate == "pending":
            done = {**re, "status": "succeeded"}
            self.refunds[re_id] = (amount, "succeeded")
            self.emit("refund.updated", done, NO_REQUEST, {"status": "pending"})
            self.emit("charge.refund.updated", done, NO_REQUEST, {"status": "pending"})
            return
        txn = self.ids.obj("txn")
        failed = {
            **re,
            "status": "failed",
            "failure_reason": "expired_or_canceled_card",
            "failure_balance_transaction": txn,
        }
        self.refunds[re_id] = (amount, "failed")
        # Stripe does not send charge.refunded again: the charge's amount_refunded just drops
        self.ch = {**self.ch, "amount_refunded": num(self.ch, "amount_refunded") - amount, "refunded": False}
        self.emit("refund.updated", failed, NO_REQUEST, {"status": "succeeded"})
        self.emit("charge.refund.updated", failed, NO_REQUEST, {"status": "succeeded"})
        self.emit("refund.failed", failed, NO_REQUEST)
        self.moves.append(Movement(int(self.t), "refund_failure", amount, 0, txn, re_id, "REFUND FAILURE"))

    def dispute(self, fate: str) -> None:
        """`fate`: won, lost, open (funds withdrawn, undecided) or inquiry (no money ever moves)."""
        self.wait(3600, 2 * 86400)
        inquiry = fate == "inquiry"
        dp = so.dispute(self.ids, self.ch, int(self.t), inquiry, self.method.brand or "visa")
        self.ch = {**self.ch, "disputed": True}
        self.emit("charge.dispute.created", dp, NO_REQUEST)
        if inquiry:
            self.wait(3600, 86400)
            self.emit("charge.dispute.closed", {**dp, "status": "warning_closed"}, NO_REQUEST)
            return
        self.wait(1, 5)
        amount, fee = num(dp, "amount"), DISPUTE_FEE.get(self.currency, 1500)
        dp_id, reason = text(dp, "id"), text(dp, "reason")
        txn = self.ids.obj("txn")
        withdrawal = so.balance_transaction(
            txn,
            -amount,
            fee,
            int(self.t),
            self.currency,
            "dispute",
            dp_id,
            f"Chargeback withdrawal for {self.ch['id']}",
        )
        dp = {**dp, "balance_transactions": [withdrawal]}
        self.emit("charge.dispute.funds_withdrawn", dp, NO_REQUEST)
        self.moves.append(Movement(int(self.t), "dispute", -amount, fee, txn, dp_id, "Chargeback withdrawal", reason))
        if fate == "open":
            self.disputed += amount
            return
        self.wait(3600, 86400)
        old = sub(dp, "evidence_details")
        dp = {**dp, "status": "under_review", "evidence_details": {**old, "has_evidence": True, "submission_count": 1}}
        self.emit(
            "charge.dispute.updated",
            dp,
            (self.ids.short("req"), None),
            {"evidence_details": old, "status": "needs_response"},
        )
        self.wait(3600, 2 * 86400)
        if fate == "lost":
            self.disputed += amount
            self.emit("charge.dispute.closed", {**dp, "status": "lost"}, NO_REQUEST)
            return
        txn = self.ids.obj("txn")
        back = so.balance_transaction(
            txn,
            amount,
            0,
            int(self.t),
            self.currency,
            "dispute_reversal",
            dp_id,
            f"Chargeback reversal for {self.ch['id']}",
        )
        dp = {**dp, "status": "won", "balance_transactions": [withdrawal, back]}
        self.emit("charge.dispute.funds_reinstated", dp, NO_REQUEST)
        self.emit("charge.dispute.closed", dp, NO_REQUEST)
        self.moves.append(
            Movement(int(self.t), "dispute_reversal", amount, 0, txn, dp_id, "Chargeback reversal", reason)
        )

    def touch_charge(self) -> None:
        self.wait(60, 3600)
        self.ch = {**self.ch, "description": f"Order {self.order}"}
        self.emit("charge.updated", self.ch, (self.ids.short("req"), None), {"description": None})
