"""Status projection: folds a payment's events (in order) into the status the dashboard shows.

The gate's replay check can run this function over recorded events (`projector:
payments.projection:project_status`) to prove a release still computes status correctly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_TERMINAL = {"succeeded", "failed", "canceled", "expired", "reversed"}
_BY_TYPE = {
    "payment.created": "created",
    "payment.requires_action": "requires_action",
    "payment.processing": "processing",
    "payment.authorized": "authorized",
    "payment.captured": "succeeded",
    "payment.succeeded": "succeeded",
    "payment.failed": "failed",
    "payment.canceled": "canceled",
    "payment.expired": "expired",
}


def project_status(events: Iterable[Mapping[str, Any]]) -> str:
    status = "created"
    for event in events:
        new = _BY_TYPE.get(str(event.get("type")))
        if new is None or status in _TERMINAL:
            continue
        status = new
    return status
