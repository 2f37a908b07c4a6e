"""Payment records. Amounts are integer minor units (cents); currency is ISO 4217."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    CREATED = "created"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    AUTHORIZED = "authorized"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass
class Payment:
    payment_id: str
    amount_minor: int
    currency: str
    status: Status = Status.CREATED
    card_token: str = ""
    captured_minor: int = 0
    refunded_minor: int = 0
    events: list[str] = field(default_factory=list)

    @property
    def refundable_minor(self) -> int:
        return self.captured_minor - self.refunded_minor
