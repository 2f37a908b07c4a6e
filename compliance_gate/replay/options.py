"""The replay check's options: the keys of `checks.replay` in a policy, typed.

See `policies/schemas/checks/replay.schema.json` for the documentation of each key, and
`replay/read/mapping.py` for the mapping language the event fields are written in. A `preset`
(`replay/presets.py`) fills in whatever the policy leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from compliance_gate.model import JSONValue

DEFAULT_MACHINE = "builtin:state-machines/payments.yaml"
MONEY_FIELDS = ("requested", "authorized", "captured", "refunded", "disputed")
"""Canonical money fields an event may carry besides `amount` (their order is the fold's)."""


@dataclass(frozen=True, slots=True)
class EventFields:
    """Where each canonical field lives in a recorded event: a mapping expression (a JSON path
    such as `data.object.id`, with fallbacks `a ?? b`, composites `a + b`, the kcat envelope's
    `@key`, `@ts`, `@partition`, `@offset`, `@topic`), or a CSV column. Empty: not mapped."""

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
    status: str = ""
    """The payment's status as the event shows it (for `state: from_event` in the machine)."""
    requested: str = ""
    authorized: str = ""
    captured: str = ""
    refunded: str = ""
    disputed: str = ""
    ref: str = ""
    """The money movement's own id (a refund, a modification): `set` amounts are kept per ref."""


@dataclass(frozen=True, slots=True)
class EventsInput:
    path: str = ""
    format: str = "auto"
    fields: EventFields = field(default_factory=EventFields)
    by_type: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per event type (exact, or a `prefix*` pattern): fields mapped differently for that type."""
    root: str = ""
    """Where the event sits in each record (`payload ?? $`): paths are relative to it."""
    items: str = ""
    """A path with `[*]` that lists several events per record (`notificationItems[*].X`)."""
    skip_types: tuple[str, ...] = ()
    only_types: tuple[str, ...] = ()
    identity: str = "fields"
    """What makes two copies of one event id the same event: its mapped `fields`, or its whole
    `payload` (the event's JSON, less `identity_ignore`)."""
    identity_ignore: tuple[str, ...] = ()
    """Paths ignored when two copies of one event id are compared (`pending_webhooks`)."""
    order_by: str = "offset"
    sequence_start: int = 1
    sequence_gaps: bool = True
    allow_offset_gaps: bool = False
    amounts_in_minor_units: bool = False
    amount_unit: str = ""
    exponents: Mapping[str, int] = field(default_factory=dict)

    @property
    def minor_units(self) -> bool:
        return self.amount_unit == "minor" if self.amount_unit else self.amounts_in_minor_units


@dataclass(frozen=True, slots=True)
class TableFields:
    payment_id: str = "payment_id"
    status: str = "status"
    amount: str = "amount"
    currency: str = "currency"
    refunded: str = ""
    disputed: str = ""
    credit: str = ""
    debit: str = ""
    """Ledgers with debit/credit columns: the signed amount is credit - debit."""


@dataclass(frozen=True, slots=True)
class LedgerRules:
    """A table with several signed rows per payment, summed per payment by category: `amount`
    (the payment amount, for a settlement the captured money) adds its rows' amounts, `refunded`
    and `disputed` subtract theirs (money leaving is negative in a signed ledger). Rows of other
    categories (fees) and rows without a payment id (payouts) are not payments."""

    category: str = ""
    amount: tuple[str, ...] = ()
    refunded: tuple[str, ...] = ()
    disputed: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.category)


@dataclass(frozen=True, slots=True)
class TableInput:
    """The reporting snapshot or the settlement file: a CSV/JSONL file or a SQL query."""

    path: str = ""
    url: str = ""
    query: str = ""
    format: str = "auto"
    fields: TableFields = field(default_factory=TableFields)
    amounts_in_minor_units: bool = False
    amount_unit: str = ""
    exponents: Mapping[str, int] = field(default_factory=dict)
    status_map: Mapping[str, str] = field(default_factory=dict)
    ledger: LedgerRules = field(default_factory=LedgerRules)
    as_of: str = ""
    """ISO 8601 time, `column:NAME` (the latest time in that column) or `file` (the file's time)."""
    settled_statuses: tuple[str, ...] = ("settled",)

    @property
    def configured(self) -> bool:
        return bool(self.path or self.url)

    @property
    def minor_units(self) -> bool:
        return self.amount_unit == "minor" if self.amount_unit else self.amounts_in_minor_units


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
    preset: str = ""
    events: EventsInput = field(default_factory=EventsInput)
    reported: TableInput = field(default_factory=TableInput)
    settlement: TableInput = field(default_factory=TableInput)
    state_machine: str = DEFAULT_MACHINE
    machine: Mapping[str, JSONValue] = field(default_factory=dict)
    """Overrides merged over the state machine file (e.g. `ignore: [...]`, one event's effect)."""
    projector: str = ""
    projector_timeout_s: float = 600.0
    grace_s: float = 900.0
    tolerances: Mapping[str, int] = field(default_factory=dict)
    tolerance_caps: Mapping[str, int] = field(default_factory=dict)
    thresholds: Mapping[str, int] = field(default_factory=dict)
    geo: GeoRules = field(default_factory=GeoRules)
    bad_input: str = "error"
    max_breaks: int = 200
    max_findings: int = 0
    """Findings are never capped in outputs; this only limits what a terminal summary lists."""
    memory_limit_mb: int = 2048
    """The replay's memory budget: DuckDB keeps its share (`sqlutil.DUCKDB_SHARE`) and spills to
    `temp_dir` beyond it, so 10M events run in the default 2 GB."""
    temp_dir: str = ""
    """Where DuckDB spills (a fresh folder inside it, removed afterwards); default the system's temp dir."""
