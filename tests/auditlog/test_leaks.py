"""Card numbers, CVV/track/PIN fields and secrets in records are found, masked, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from auditlogs import write_log

from compliance_gate.auditlog.analyse import Block, analyse
from compliance_gate.auditlog.leaks import CHUNK_LINES
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.pii.hit import ScanOptions

PAN = luhn_complete("453201511283036")  # a Visa-shaped number, not a published test card
SECRET = "Zq8" + "x7Pw2" * 5


def _scan(lines: list[str]) -> list[tuple[str, int]]:
    block = Block("log.jsonl", data="".join(line + "\n" for line in lines).encode())
    facts = analyse(block, VerifyConfig(pii_options=ScanOptions()), "log.jsonl")
    return [(p.rule, p.line or 0) for p in facts.problems if p.rule.startswith(("CG-PII-", "CG-AUDIT-SECRET"))]


CORPUS = [
    ("pan in a field", f'{{"note": "card {PAN} declined"}}', "CG-PII-PAN"),
    ("spaced pan", '{{"note": "{}"}}'.format(" ".join(PAN[i : i + 4] for i in range(0, 16, 4))), "CG-PII-PAN"),
    ("cvv field", '{"cvv": "123"}', "CG-PII-SAD"),
    ("track field", f'{{"track2": ";{PAN[:6]}=2512?"}}', "CG-PII-SAD"),
    ("nested pin block", '{"card": {"pin_block": "x"}}', "CG-PII-SAD"),
    ("pin-like but safe", '{"gpio_pin": 4, "cvv_present": true}', None),
    ("password field", f'{{"password": "{SECRET}"}}', "CG-AUDIT-SECRET"),
    ("client secret", f'{{"stripe_client_secret": "{SECRET}"}}', "CG-AUDIT-SECRET"),
    ("aws key id", '{"note": "AKIA' + "ABCDEFGHIJKLMNOP" + '"}', "CG-AUDIT-SECRET"),
    ("private key", '{"k": "-----BEGIN RSA PRIVATE KEY-----"}', "CG-AUDIT-SECRET"),
    ("masked pan", '{"pan": "453201******0366"}', None),
    ("last four", '{"card_last4": "0366", "card_number": "************0366"}', None),
    ("epoch millis", '{"at": 1732179208123}', None),
    ("redacted password", '{"password": "[REDACTED]"}', None),
    ("starred secret", '{"api_key": "****"}', None),
    ("hash fields", '{{"hash": "{}", "prev_hash": "{}"}}'.format("4" * 64, "0" * 64), None),
]


@pytest.mark.parametrize(("name", "line", "rule"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(name: str, line: str, rule: str | None) -> None:
    """Each line gives its rule on line 2 (after a clean line), or nothing at all."""
    found = _scan(['{"event": "ok"}', line])
    assert found == ([(rule, 2)] if rule else [])


def test_line_numbers_survive_chunking() -> None:
    """Hits map back to the right file line across chunk boundaries."""
    lines = ['{"event": "ok"}'] * (CHUNK_LINES + 10)
    lines[CHUNK_LINES + 3] = f'{{"note": "{PAN}"}}'
    assert _scan(lines) == [("CG-PII-PAN", CHUNK_LINES + 4)]


def test_pan_in_a_log_never_reaches_output(tmp_path: Path) -> None:
    """A PAN and a secret in a chained log give findings with masked excerpts only."""
    path = write_log(tmp_path / "a.jsonl", 3, extra={"note": f"card {PAN}", "password": SECRET})
    report = verify_logs([("a.jsonl", path)], VerifyConfig(pii_options=ScanOptions()))
    rules = sorted({p.rule for p in report.problems})
    assert rules == ["CG-AUDIT-SECRET", "CG-PII-PAN"]
    shown = repr([(p.rule, p.path, p.line, p.message, p.excerpt, dict(p.properties)) for p in report.problems])
    assert PAN not in shown and SECRET not in shown
    assert PAN[:6] in shown and PAN[-4:] in shown


def test_card_number_in_ids_is_masked_everywhere(tmp_path: Path) -> None:
    """A PAN used as stream name, payment id or hash_alg never reaches a message or property."""
    from auditlogs import read, write

    from compliance_gate.auditlog.completeness import cross_check

    path = write_log(tmp_path / "a.jsonl", 3, stream=PAN, extra={"payment_id": PAN})
    records = read(path)
    records[2]["hash_alg"] = PAN
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig(pii_options=ScanOptions(), collect_state_changes=True))
    problems = [*report.problems, *cross_check([], report.state_changes)]
    assert {"CG-AUDIT-UNKNOWN-ALG", "CG-AUDIT-ORPHAN-RECORD", "CG-PII-PAN"} <= {p.rule for p in problems}
    assert PAN not in repr([(p.message, p.excerpt, dict(p.properties)) for p in problems])
    assert all(PAN not in v.stream for v in report.streams.values())  # the name findings show
