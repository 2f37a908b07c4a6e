"""A small payments service that logs the ordinary structlog way, plus one processor: `AuditChain`.

Run as a real process by tests/auditlog/test_structlog_service.py:

    python structlog_service.py LOG FIRST COUNT (--stop | --crash)

It binds request context the way web middlewares do (`user_id`, `ip`, `request_id`), logs
payments with the keys a team already uses (`payment_id`, `amount` in minor units or as a
decimal with a lower-case `currency`, `status`), mixes in debug lines, and either stops cleanly
(`log.stop`) or dies without a word (a crash; the next start resumes the stream from the file).
Nothing here is written for the gate except the `AuditChain(...)` line and the start/stop calls.
"""

from __future__ import annotations

import os
import sys

import structlog

from compliance_gate.audit import AuditChain, log_started, log_stopped


def configure(path: str) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            AuditChain("payments-api", resume=path),  # the one line a team adds
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.WriteLoggerFactory(file=open(path, "a")),  # noqa: SIM115 - the process's log
        cache_logger_on_first_use=True,
    )


def handle(log: structlog.typing.FilteringBoundLogger, n: int) -> None:
    """One request: who, from where, what happened to which payment, and whether it worked."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=f"req-{n}", user_id=1000 + n, ip=f"203.0.113.{n % 250}")
    log.debug("loaded payment from cache", payment_id=f"pay_{n}")
    if n % 3 == 0:
        log.info("refund issued", payment_id=f"pay_{n}", amount="12.50", currency="eur", status="succeeded")
    elif n % 3 == 1:
        log.info("payment captured", payment_id=f"pay_{n}", amount=1250 + n, currency="usd", status="succeeded")
    else:
        log.warning("payment declined", payment_id=f"pay_{n}", amount=990, currency="JPY", status="declined")


def main(path: str, first: int, count: int, how: str) -> None:
    configure(path)
    log = structlog.get_logger("payments")
    log_started(log)
    for n in range(first, first + count):
        handle(log, n)
    if how == "--crash":
        os._exit(0)  # no log.stop, no clean-up: what a killed process leaves behind
    structlog.contextvars.clear_contextvars()
    log_stopped(log)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
