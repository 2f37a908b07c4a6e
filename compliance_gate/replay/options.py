"""The replay check's options: the keys of `checks.replay` in a policy, typed.

See `policies/schemas/checks/replay.schema.json` for the documentation of each key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_MACHINE = "builtin:state-machines/payments.yaml"


@dataclass(frozen=True, slots=True)
class EventFields:
    """Where each canonical field lives in a recorded event (dotted JSON path or CSV column)."""

    event_id: str = "event_id"
    payment_id: str = "payment_id"
    type: str = "type"
    occurred_at: str = "occurred_at"
    amount: str = "amount"
    currency: str = "currency"
    partition: str = "partition"
    offset: str = "offset"
    sequence: str = "sequence"
    topic: str = "topic"
    idempotency_key: str = "idempotency_key"
    success: str = "success"
    country: str = "country"
    ip: str = "ip"
    region: str = "region"


@dataclass(frozen=True, slots=True)
class EventsInput:
    path: str = ""
    format: str = "auto"
    fields: EventFields = field(default_factory=EventFields)
    order_by: str = "offset"
    sequence_start: int = 1
    allow_offset_gaps: bool = False
    amounts_in_minor_units: bool = False
    exponents: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TableFields:
    payment_id: str = "payment_id"
    status: str = "status"
    amount: str = "amount"
    currency: str = "currency"
    refunded: str = ""


@dataclass(frozen=True, slots=True)
class TableInput:
    """The reporting snapshot or the settlement file: a CSV/JSONL file or a SQL query."""

    path: str = ""
    url: str = ""
    query: str = ""
    format: str = "auto"
    fields: TableFields = field(default_factory=TableFields)
    amounts_in_minor_units: bool = False
    exponents: Mapping[str, int] = field(default_factory=dict)
    as_of: str = ""
    settled_statuses: tuple[str, ...] = ("settled",)

    @property
    def configured(self) -> bool:
        return bool(self.path or self.url)


@dataclass(frozen=True, slots=True)
class GeoRules:
    mmdb: str = ""
    regions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    currencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    residency: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.currencies or self.residency)


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    events: EventsInput = field(default_factory=EventsInput)
    reported: TableInput = field(default_factory=TableInput)
    settlement: TableInput = field(default_factory=TableInput)
    state_machine: str = DEFAULT_MACHINE
    projector: str = ""
    grace_s: float = 900.0
    tolerances: Mapping[str, int] = field(default_factory=dict)
    tolerance_caps: Mapping[str, int] = field(default_factory=dict)
    thresholds: Mapping[str, int] = field(default_factory=dict)
    geo: GeoRules = field(default_factory=GeoRules)
    bad_input: str = "error"
    max_breaks: int = 200
    max_findings: int = 1000
    memory_limit_mb: int = 1024
