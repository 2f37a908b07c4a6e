"""Write tamper-evident audit logs with structlog: the producer side of the `audit-log` check.

`AuditChain` is a structlog processor. Put it last before the JSON renderer; it stamps each
event with a UTC `timestamp`, its `stream`, a dense `seq`, the `prev_hash`, the `hash_alg` and
the `hash` (SHA-256, or HMAC-SHA-256 when given a key) over the record's canonical JSON, exactly
as `compliance_gate.auditlog` verifies it::

    import structlog
    from compliance_gate.audit import AuditChain, log_started, log_stopped

    chain = AuditChain("payments-api", origin="10.0.4.7", key=None)
    log = structlog.wrap_logger(
        structlog.WriteLogger(open("audit/payments-api.jsonl", "a")),
        wrapper_class=structlog.BoundLogger,  # never level-filtered by a global configure()
        processors=[structlog.processors.add_log_level, chain, structlog.processors.JSONRenderer()],
    )
    log_started(log)
    log.info("payment status changed", category="payment.state_change", actor="service:api",
             outcome="success", target="payment:pay_1", payment_id="pay_1", source_event_id="evt_9",
             from_status="authorized", to_status="succeeded", amount="1250", currency="EUR")
    log_stopped(log)

Values are normalised through JSON first (what is hashed is what the renderer writes and the
verifier parses back); processors placed after the chain must not change the event. The chain
holds one stream's state: give every process (or thread writing concurrently) its own stream
name, because two writers sharing a stream would fork it. To continue a stream after a restart,
pass the last record's `seq + 1` and `hash` as `next_seq` and `prev_hash`. `clock` (returning
an RFC 3339 UTC string) replaces the wall clock, for reproducible fixtures. Integers beyond
+-2^53 cannot be canonicalised and raise `ValueError` rather than write an unverifiable record.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Protocol

import orjson
from structlog.typing import EventDict, WrappedLogger

from compliance_gate.auditlog.canonical import GENESIS, HMAC_SHA256, SHA256, record_hash


class AuditLog(Protocol):
    """A structlog logger whose processors end with an `AuditChain` (see the module docstring)."""

    def info(self, event: str, **kw: object) -> object: ...


_CHAIN_KEYS = ("stream", "seq", "prev_hash", "hash_alg", "hash")


class AuditChain:
    """structlog processor that seals each event into a per-stream hash chain."""

    def __init__(
        self,
        stream: str,
        *,
        origin: str | None = None,
        actor: str | None = None,
        key: bytes | None = None,
        next_seq: int = 0,
        prev_hash: str = GENESIS,
        clock: Callable[[], str] | None = None,
    ) -> None:
        self.stream = stream
        self.origin = origin
        self.actor = actor
        self.key = key
        self.algorithm = HMAC_SHA256 if key else SHA256
        self._seq = next_seq
        self._prev = prev_hash
        self._clock = clock or _utc_now
        self._lock = threading.Lock()

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        record: EventDict = orjson.loads(orjson.dumps(dict(event_dict), default=str))
        for name in _CHAIN_KEYS:
            record.pop(name, None)  # the chain owns these keys: a caller cannot forge them
        if self.origin is not None:
            record.setdefault("origin", self.origin)
        if self.actor is not None:
            record.setdefault("actor", self.actor)
        with self._lock:
            record["timestamp"] = self._clock()
            record["stream"] = self.stream
            record["seq"] = self._seq
            record["prev_hash"] = self._prev
            record["hash_alg"] = self.algorithm
            record["hash"] = record_hash(record, self.algorithm, self.key)
            self._seq += 1
            self._prev = record["hash"]
        return record

    @property
    def head(self) -> tuple[int, str]:
        """`(seq, hash)` of the last record sealed (seq -1 before the first)."""
        return self._seq - 1, self._prev


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_started(log: AuditLog, actor: str = "system:audit-logger", **extra: object) -> None:
    """Write the stream's `log.start` record (PCI DSS 10.2.1.6)."""
    log.info("audit log started", category="log.start", actor=actor, outcome="success", target="audit-log", **extra)


def log_stopped(log: AuditLog, actor: str = "system:audit-logger", **extra: object) -> None:
    """Write the stream's `log.stop` record; without it the verifier reports a cut-off tail."""
    log.info("audit log stopped", category="log.stop", actor=actor, outcome="success", target="audit-log", **extra)
