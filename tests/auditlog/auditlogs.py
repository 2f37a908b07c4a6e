"""Write real audit logs with the structlog processor, and edit them like an attacker would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import structlog

from compliance_gate.audit import AuditChain, log_started, log_stopped
from compliance_gate.auditlog.canonical import record_hash


def state_change(i: int) -> dict[str, Any]:
    """Keyword arguments of one payment state-change event."""
    return {
        "category": "payment.state_change",
        "actor": "service:payments-api",
        "outcome": "success",
        "target": f"payment:pay_{i}",
        "payment_id": f"pay_{i}",
        "source_event_id": f"evt_{i}",
        "from_status": "authorized",
        "to_status": "succeeded",
        "amount": str(1000 + i),
        "currency": "EUR",
    }


def write_log(
    path: Path,
    n: int = 8,
    *,
    stream: str = "payments-api",
    key: bytes | None = None,
    start: bool = True,
    stop: bool = True,
    extra: dict[str, Any] | None = None,
) -> Path:
    """A log of `n` state changes framed by log.start / log.stop, written through structlog."""
    with path.open("a") as fh:
        chain = AuditChain(stream, origin="10.0.4.7", key=key)
        log = structlog.wrap_logger(
            structlog.WriteLogger(fh),
            wrapper_class=structlog.BoundLogger,
            processors=[structlog.processors.add_log_level, chain, structlog.processors.JSONRenderer()],
        )
        if start:
            log_started(log)
        for i in range(n):
            log.info("payment status changed", **{**state_change(i), **(extra or {})})
        if stop:
            log_stopped(log)
    return path


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def reseal(records: list[dict[str, Any]], key: bytes | None = None, alg: str = "sha256") -> None:
    """Recompute every seq, link and hash in place: what an attacker with write access does."""
    prev = "0" * 64
    for seq, rec in enumerate(records):
        rec.update(seq=seq, prev_hash=prev, hash_alg=alg)
        rec["hash"] = record_hash(rec, alg, key)
        prev = rec["hash"]
