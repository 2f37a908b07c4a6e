"""One Adyen payment's notification items, its status in Adyen's vocabulary, and its settlement rows.

Items follow Adyen's standard webhook (`NotificationRequestItem`): keys in Adyen's order,
`success` and `live` as the strings `"true"`/`"false"`, `amount.value` in minor units, `eventDate`
in the merchant account's time zone (Central European, with the offset that changes at
daylight-saving time). The payment is its AUTHORISATION's `pspReference`; every other item has
its own `pspReference` and points to the payment with `originalReference`. A REFUND_FAILED item's
own `pspReference` is the failed refund's.

| step | items | report status afterwards |
|---|---|---|
| `authorise(True/False)` | AUTHORISATION (`success` false: refused, final) | Authorised / Refused |
| `capture` | CAPTURE | Captured |
| `cancel` | CANCELLATION | Cancelled |
| `cancel_or_refund("cancel"/"refund")` | CANCEL_OR_REFUND with `modification.action` | Cancelled / Refunded |
| `refund(fate)` | REFUND (`rejected`: success false, no effect), then REFUND_FAILED | Refunded (or Captured) |
| `chargeback(fate)` | NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, CHARGEBACK_REVERSED | unchanged |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from compliance_gate.testing.recordings.common import Rng, cet_text, hmac_like, later, upper_alnum

METHODS = (("visa", "visacredit", 55), ("mc", "mccredit", 35), ("amex", "amex", 10))
REFUSALS = ("Refused", "Not enough balance", "CVC Declined", "FRAUD", "Expired Card")


def psp_reference(rng: Rng) -> str:
    """16 characters: older all-digit references (starting 85 or 88) or newer upper-case alphanumerics."""
    if rng.random() < 0.4:
        return f"8{rng.choice('58')}{rng.randrange(10**14):014d}"
    return upper_alnum(rng, 16)


def event_date(t: int) -> str:
    local, hours = cet_text(t, "T")
    return f"{local}+0{hours}:00"


@dataclass(frozen=True, slots=True)
class Row:
    """One settlement details report row of this payment (money in minor units)."""

    created: int
    type: str  # Settled, Refunded, RefundedReversed, Chargeback, ChargebackReversed
    modification: str
    debit: int
    credit: int
    commission: int = 0
    markup: int = 0
    scheme: int = 0
    interchange: int = 0

    @property
    def fees(self) -> int:
        return self.commission + self.markup + self.scheme + self.interchange

    @property
    def net(self) -> int:
        """Signed net: credits less fees, debits plus fees."""
        return self.credit - self.fees if self.credit else -(self.debit + self.fees)


class AdyenPayment:
    def __init__(
        self, rng: Rng, start: float, limit: float, amount: int, currency: str, mref: str, account: str
    ) -> None:
        self.rng = rng
        self.t = start
        self.limit = limit
        self.amount = amount
        self.currency = currency
        self.mref = mref
        self.account = account
        r = rng.random() * 100
        self.method, self.variant, _ = METHODS[0] if r < 55 else METHODS[1] if r < 90 else METHODS[2]
        self.summary = f"{rng.randrange(10**4):04d}"
        self.expiry = f"{rng.randint(1, 12):02d}/{rng.randint(2027, 2032)}"
        self.psp = ""
        self.items: list[tuple[int, dict[str, object]]] = []
        self.rows: list[Row] = []
        self.status = ""
        self.captured = 0
        self.refunds: dict[str, int] = {}  # refund psp -> amount still refunded
        self.disputed = 0

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())

    def wait(self, low: float, high: float) -> None:
        self.t = later(self.t, self.rng.uniform(low, high), self.limit)

    def item(
        self,
        code: str,
        psp: str,
        value: int,
        success: bool,
        reason: str = "",
        extra: Mapping[str, object] | None = None,
        original: bool = True,
    ) -> dict[str, object]:
        it: dict[str, object] = {
            "additionalData": {**(extra or {}), "hmacSignature": hmac_like(self.rng)},
            "amount": {"currency": self.currency, "value": value},
            "eventCode": code,
            "eventDate": event_date(int(self.t)),
            "merchantAccountCode": self.account,
            "merchantReference": self.mref,
        }
        if code == "AUTHORISATION" and success:
            it["operations"] = ["CANCEL", "CAPTURE", "REFUND"]
        if original:
            it["originalReference"] = self.psp
        it["paymentMethod"] = self.method
        it["pspReference"] = psp
        it["reason"] = reason
        it["success"] = "true" if success else "false"
        self.items.append((int(self.t), it))
        return it

    def authorise(self, psp: str, success: bool) -> None:
        self.psp = psp
        code = f"{self.rng.randrange(10**6):06d}"
        extra = {
            "authCode": code if success else "",
            "cardSummary": self.summary,
            "expiryDate": self.expiry,
            "paymentMethodVariant": self.variant,
        }
        reason = f"{code}:{self.summary}:{self.expiry}" if success else self.rng.choice(REFUSALS)
        self.item("AUTHORISATION", psp, self.amount, success, reason, extra, original=False)
        self.status = "Authorised" if success else "Refused"

    def capture(self, delay: tuple[float, float] = (1, 30)) -> None:
        self.wait(*delay)
        mod = psp_reference(self.rng)
        self.item("CAPTURE", mod, self.amount, True)
        self.captured = self.amount
        self.status = "Captured"
        interchange = max(1, self.amount * 3 // 1000)
        scheme = max(1, self.amount // 1000)
        markup = self.amount * 6 // 1000 + (0 if self.currency == "JPY" else 10)
        self.rows.append(Row(int(self.t), "Settled", mod, 0, self.amount, 0, markup, scheme, interchange))

    def cancel(self) -> None:
        self.wait(60, 4 * 3600)
        self.item("CANCELLATION", psp_reference(self.rng), self.amount, True)
        self.status = "Cancelled"

    def cancel_or_refund(self, action: str) -> None:
        self.wait(600, 8 * 3600)
        mod = psp_reference(self.rng)
        self.item("CANCEL_OR_REFUND", mod, self.amount, True, extra={"modification.action": action})
        if action == "cancel":
            self.status = "Cancelled"
            return
        self._refunded(mod, self.amount)

    def _refunded(self, mod: str, amount: int) -> None:
        self.refunds[mod] = amount
        self.status = "Refunded" if self.refunded > 0 else "Captured"
        self.rows.append(Row(int(self.t), "Refunded", mod, amount, 0, commission=0 if self.currency == "JPY" else 10))

    def refund(self, amount: int, fate: str) -> None:
        """`fate`: ok, rejected (REFUND success false: nothing happens) or failed (REFUND_FAILED later)."""
        self.wait(600, 12 * 3600)
        mod = psp_reference(self.rng)
        if fate == "rejected":
            self.item("REFUND", mod, amount, False, "Insufficient in-process funds on account")
            return
        self.item("REFUND", mod, amount, True)
        self._refunded(mod, amount)
        if fate == "failed":
            self.wait(3600, 2 * 86400)
            self.item("REFUND_FAILED", mod, amount, True, "Refund Failed")
            del self.refunds[mod]
            self.status = "Refunded" if self.refunded > 0 else "Captured"
            self.rows.append(Row(int(self.t), "RefundedReversed", mod, 0, amount))

    def chargeback(self, fate: str) -> None:
        """`fate`: notified (a notification, no money yet), debited (open or lost: Adyen sends nothing
        more when a defence fails) or won (CHARGEBACK_REVERSED gives the money back)."""
        self.wait(3600, 2 * 86400)
        dispute = psp_reference(self.rng)
        scheme = "visa" if self.method == "visa" else "mastercard" if self.method == "mc" else "amex"
        extra = {"chargebackReasonCode": "10.4" if scheme == "visa" else "4837", "chargebackSchemeCode": scheme}
        self.item(
            "NOTIFICATION_OF_CHARGEBACK",
            dispute,
            self.captured,
            True,
            "Fraud",
            {**extra, "disputeStatus": "Undefended"},
        )
        if fate == "notified":
            return
        self.wait(3600, 86400)
        self.item("CHARGEBACK", dispute, self.captured, True, "Fraud", {**extra, "disputeStatus": "Pending"})
        fee = 0 if self.currency == "JPY" else 1500
        self.rows.append(Row(int(self.t), "Chargeback", dispute, self.captured, 0, commission=fee))
        self.disputed += self.captured
        if fate == "debited":
            return
        self.wait(3600, 2 * 86400)
        self.item("CHARGEBACK_REVERSED", dispute, self.captured, True, "Fraud", {**extra, "disputeStatus": "Won"})
        self.rows.append(Row(int(self.t), "ChargebackReversed", dispute, 0, self.captured))
        self.disputed -= self.captured
