"""Write the example service's audit log with compliance_gate.audit.AuditChain (structlog).

    python examples/payments-service/audit/write_audit_log.py [--no-gap]

Writes `audit/payments-api.jsonl` next to this script: log start, a few 10.2.1 events (admin
actions, access to cardholder data, a failed login), one `payment.state_change` record per state
change the replay derives from the example's recorded events (when the policy has a `replay`
section), and log stop. Timestamps come from a fixed clock so the file is reproducible. One
record (an access to cardholder data) is then deleted: the planted gap the `audit-log` check
reports. `--no-gap` writes the intact log (what the fixed service would have).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import structlog

from compliance_gate.audit import AuditChain, log_started, log_stopped

HERE = Path(__file__).resolve().parent
SERVICE = HERE.parent
OUT = HERE / "payments-api.jsonl"
PLANTED_GAP = "chd.access"


def fixed_clock() -> Any:
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    ticks = itertools.count()
    return lambda: (start + dt.timedelta(seconds=7 * next(ticks))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transitions() -> Iterator[tuple[str, str, str | None, str]]:
    """(payment_id, event_id, from, to) from the example's replay section, if it has one."""
    from compliance_gate.engine import load_policy

    policy = load_policy(SERVICE / "policies" / "compliance-gate.yaml")
    section = policy.checks.get("replay")
    if section is None:
        return
    from compliance_gate.replay.transitions import replay_transitions

    for t in replay_transitions(section.options, SERVICE):
        yield t.payment_id, t.event_id, t.from_state, t.to_state


def write(path: Path, gap: bool) -> int:
    lines: list[str] = []

    class Sink:
        def msg(self, message: str) -> None:
            lines.append(message)

        info = warning = msg

    chain = AuditChain("payments-api", origin="10.20.0.14", clock=fixed_clock())
    log = structlog.wrap_logger(
        Sink(),
        wrapper_class=structlog.BoundLogger,
        processors=[structlog.processors.add_log_level, chain, structlog.processors.JSONRenderer()],
    )
    log_started(log)
    log.info(
        "role granted",
        category="admin.action",
        actor="user:alice",
        outcome="success",
        target="role:refund-approver",
        subject="user:bob",
    )
    log.warning(
        "login failed", category="auth.failure", actor="user:mallory", outcome="failure", target="service:payments-api"
    )
    log.info(
        "card details viewed",
        category="chd.access",
        actor="user:bob",
        outcome="success",
        target="payment:pay_0001",
        card="411111******1111",
    )
    for payment_id, event_id, before, after in transitions():
        log.info(
            "payment status changed",
            category="payment.state_change",
            actor="service:payments-api",
            outcome="success",
            target=f"payment:{payment_id}",
            payment_id=payment_id,
            source_event_id=event_id,
            from_status=before,
            to_status=after,
        )
    log.info(
        "refund approved",
        category="admin.action",
        actor="user:bob",
        outcome="success",
        target="payment:pay_0001",
        amount="1250",
        currency="EUR",
    )
    log_stopped(log)
    if gap:
        index = next(i for i, line in enumerate(lines) if json.loads(line)["category"] == PLANTED_GAP)
        del lines[index]
    path.write_text("".join(line + "\n" for line in lines))
    return len(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-gap", action="store_true", help="write the intact log")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    n = write(args.out, not args.no_gap)
    print(f"wrote {n} records to {args.out}")


if __name__ == "__main__":
    main()
