"""Copy the example service and fix its planted problems, so the gate can be seen to PASS.

    python examples/payments-service/fix.py /tmp/payments-fixed
    compliance-gate run /tmp/payments-fixed

Each fix is what the service's engineers would really do: redact the card number from the
support note, move the export job's AWS keys to the secret store, parse money with Decimal,
correct the reporting system's stale status (after investigating the break), write the audit
log without the missing record, and upgrade the stale certifi pin in requirements.txt (what
`uv pip compile requirements.in --universal --generate-hashes -o requirements.txt -P certifi`
writes). The copy is made a git repository so the verdict records a
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

CERTIFI_PLANTED = """certifi==2022.12.7 \\
    --hash=sha256:35824b4c3a97115964b408844d64aa14db1cc518f6562e8d7261699d1350a9e3 \\
    --hash=sha256:4ad3232f5e926d6718ec31cfc1fcadfde020920e278684144551c91769c7bc18
"""
CERTIFI_FIXED = """certifi==2026.10.19.post1 \\
    --hash=sha256:1324c476b4811eff41a8bc2122cd0bbd4d9c7234c725446d99ab1612b3a7fdd2
"""


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
    lock = dest / "requirements.txt"
    if CERTIFI_PLANTED not in lock.read_text():
        sys.exit(f"{lock}: the planted certifi pin is not there; update fix.py")
    lock.write_text(lock.read_text().replace(CERTIFI_PLANTED, CERTIFI_FIXED))
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
