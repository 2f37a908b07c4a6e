"""Copy the example service and fix its planted problems, so the gate can be seen to PASS.

    python examples/payments-service/fix.py /tmp/payments-fixed
    compliance-gate run /tmp/payments-fixed

Each fix is what the service's engineers would really do: redact the card number from the
support note, move the export job's AWS keys to the secret store, parse money with Decimal,
correct the reporting system's stale status (after investigating the break), and write the audit
log without the missing record. The copy is made a git repository so the verdict records a
commit, as in CI.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "example",
    "GIT_AUTHOR_EMAIL": "example@example.com",
    "GIT_COMMITTER_NAME": "example",
    "GIT_COMMITTER_EMAIL": "example@example.com",
}

REFUND_FIXED = '''"""Refunds: partial or full, never more than was captured."""

from __future__ import annotations

import logging
from decimal import Decimal

from payments.models import Payment

log = logging.getLogger(__name__)


def refund_amount(payment: Payment, requested: str) -> int:
    minor = int(Decimal(requested).scaleb(2).to_integral_exact())
    if minor > payment.refundable_minor:
        raise ValueError(f"refund of {minor} exceeds refundable {payment.refundable_minor}")
    payment.refunded_minor += minor
    log.info("refunded %s minor units on %s", minor, payment.payment_id)
    return minor
'''


def fix(dest: Path) -> None:
    if dest.exists():
        sys.exit(f"{dest} exists; choose a new folder")
    shutil.copytree(HERE, dest, ignore=shutil.ignore_patterns(".compliance-gate", "__pycache__", "fix.py"))
    notes = dest / "payments" / "support_notes.txt"
    lines = notes.read_text().splitlines()
    lines[1] = "Agent note: customer confirmed the card ending 6467 (verified in the PSP dashboard)."
    notes.write_text("\n".join(lines) + "\n")
    (dest / "payments" / "refunds.py").write_text(REFUND_FIXED)
    (dest / "config" / "settlement-export.env").unlink()  # the job reads them from the secret store
    with sqlite3.connect(dest / "recordings" / "report.sqlite") as db:
        db.execute("UPDATE payments SET status = 'succeeded' WHERE payment_id = 'pay_00000005'")
    subprocess.run(
        [
            sys.executable,
            str(HERE / "audit" / "write_audit_log.py"),
            "--no-gap",
            "--out",
            str(dest / "audit" / "payments-api.jsonl"),
        ],
        check=True,
    )
    env = {**GIT_ENV, "PATH": "/usr/local/bin:/usr/bin:/bin"}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "payments-service with fixes"]):
        subprocess.run(["git", *cmd], cwd=dest, check=True, env=env)
    print(f"fixed copy in {dest}; now run: compliance-gate run {dest}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path)
    fix(ap.parse_args().dest)


if __name__ == "__main__":
    main()
