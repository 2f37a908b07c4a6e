"""Sample verdicts for the renderer tests, with hostile text and sensitive values built at run time."""

from __future__ import annotations

from datetime import UTC, datetime

from compliance_gate.fingerprint import Fingerprinter
from compliance_gate.model import (
    CheckResult,
    Finding,
    InputRecord,
    Outcome,
    PolicyRef,
    Severity,
    Source,
    Status,
    Verdict,
    Waived,
    WaiverUse,
)
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.redact import mask_pan, mask_secret

HOSTILE = "<script>alert(1)</script> | **bold** [x](http://evil.example) \n::add-mask::boom %0A =cmd"
"""Scanned text that tries to break out of every format we write."""


def raw_values() -> list[str]:
    """Sensitive values a check saw; a renderer must never print them (they are not in the verdict)."""
    return [luhn_complete("453971" + "0" * 9), "sk_live_" + "Zq8" * 8]


FP = Fingerprinter()
REPLAY_METRICS = {
    "version": 1,
    "events": {"payments": 1200, "redeliveries": 3},
    "categories": {"report_behind": {"EUR": 1}},
    "currencies": {
        "EUR": {
            "exponent": 2,
            "replay": {"gross": 1234500, "net": 1221501},
            "report": {"rows": 700, "gross": 1221501, "net": 1221501},
            "bridge": {
                "report": {
                    "replay": 1234500,
                    "report": 1221501,
                    "difference": 12999,
                    "explained": {"report_behind": 12999},
                    "residual": 0,
                },
                "settlement": {
                    "replay": 1000000,
                    "settlement": 997500,
                    "difference": 2500,
                    "explained": {},
                    "residual": 2500,
                },
            },
        },
        "JPY": {
            "exponent": 0,
            "replay": {"gross": 99000, "net": 99000},
            "bridge": {"report": {"replay": 99000, "report": 99000, "difference": 0, "explained": {}, "residual": 0}},
        },
    },
    "breaks_total": 1,
    "breaks": [{"category": "report_behind", "payment_id": "pay_0042"}],
}
T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
T1 = datetime(2025, 3, 1, 12, 0, 41, tzinfo=UTC)


def finding(
    check: str,
    rule: str,
    sev: Severity,
    path: str | None,
    line: int | None,
    message: str,
    excerpt: str | None = None,
    **props: object,
) -> Finding:
    return Finding(
        check, rule, sev, message, path, line, None, FP.fingerprint(rule, path or "", message), excerpt, props
    )


def sample_verdict(extra_findings: int = 0) -> Verdict:
    pan, secret = raw_values()
    pii = [
        finding(
            "pii",
            "CG-PII-PAN",
            Severity.CRITICAL,
            "src/pay,ments:core.py",
            12,
            "Card number (Visa) in source",
            mask_pan(pan),
            brand="visa",
        ),
        finding("pii", "CG-PII-EMAIL", Severity.LOW, "docs/notes.md", 3, HOSTILE, "j***@example.com"),
    ]
    masked = mask_pan(luhn_complete("5105" + "0" * 11))
    pii += [
        finding(
            "pii", "CG-PII-PAN", Severity.HIGH, f"fixtures/f{i:05d}.json", i + 1, f"Card number in fixture {i}", masked
        )
        for i in range(extra_findings)
    ]
    sast = [
        finding(
            "sast",
            "B105",
            Severity.HIGH,
            "src/settings.py",
            7,
            "Possible hardcoded password",
            None,
            cwe=259,
            confidence="medium",
        ),
        finding("sast", "B608", Severity.MEDIUM, "src/db.py", 40, "Possible SQL injection vector", None, cwe=89),
    ]
    waived_secret = finding(
        "secrets", "AWSKeyDetector", Severity.HIGH, "tests/fake_keys.py", 2, "AWS Access Key", mask_secret(secret)
    )
    replay_break = finding(
        "replay",
        "CG-REC-REPORT-BEHIND",
        Severity.HIGH,
        "data/events.jsonl",
        1042,
        "pay_0042: report says pending, events say succeeded",
        None,
        payment_id="pay_0042",
        currency="EUR",
        amount_minor=12999,
        events=["evt_1 (data/events.jsonl:10)", "evt_2 (data/events.jsonl:1042)"],
        replay={"state": "succeeded", "amount": 12999},
        report={"status": "pending", "line": 6},
    )
    checks = (
        CheckResult(
            "pii",
            Status.FAILED,
            tuple(pii),
            engines={"compliance-gate-pii": "1"},
            duration_s=1.25,
            counts={"files": 120},
        ),
        CheckResult(
            "secrets",
            Status.PASSED,
            waived=(Waived(waived_secret, "W-7", "Fake keys for the test suite"),),
            engines={"detect-secrets": "1.5.0"},
            duration_s=3.5,
        ),
        CheckResult("sast", Status.FAILED, tuple(sast), engines={"bandit": "1.9.4"}, duration_s=2.0),
        CheckResult(
            "replay",
            Status.FAILED,
            (replay_break,),
            engines={"replay": "1"},
            duration_s=0.75,
            inputs=(InputRecord("data/events.jsonl", "ab" * 32, rows=5000),),
            metrics=REPLAY_METRICS,
        ),
        CheckResult(
            "audit-log",
            Status.PASSED,
            engines={"jsonschema-rs": "0.60"},
            duration_s=0.5,
            metrics={"records": 5000, "streams": 2, "chain": "intact"},
        ),
        CheckResult(
            "change-scope", Status.ERROR, error="git diff failed: bad revision 'v9' (src/x.py:1)", duration_s=0.1
        ),
    )
    return Verdict(
        verdict=Outcome.FAIL,
        reasons=("pii: 1 blocking finding", "sast: 1 blocking finding", "change-scope could not evaluate"),
        checks=checks,
        policy=PolicyRef("policies/compliance-gate.yaml", "sha256:" + "c0ffee" * 10 + "abcd", "payments"),
        source=Source(
            root="/work/repo",
            mode="since",
            is_git=True,
            commit="9f" * 20,
            ref="main",
            since="v1.4.0",
            since_commit="1a" * 20,
            files=120,
            skipped={"binary": 3},
        ),
        gate_version="0.1.0",
        engines={"bandit": "1.9.4", "detect-secrets": "1.5.0"},
        started=T0,
        finished=T1,
        waivers=(
            WaiverUse("W-7", "applied", 1, "2026-01-31", "Fake keys for the test suite", "jane.doe"),
            WaiverUse("W-3", "expired", 0, "2024-12-31", "Old migration fixture", "sam.roe"),
        ),
        required_signoffs={"payments-lead": 1, "security": 2},
    )
