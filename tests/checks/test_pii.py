"""The pii check: options, severities by path, encodings, errors, fingerprints, and no leaks."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from collections import Counter
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from gitutil import commit

sys.path.insert(0, str(Path(__file__).parents[1] / "pii"))

from checkutil import in_process
from piiutil import group, make_iban, make_pan, make_ssn

from compliance_gate.checks import pii
from compliance_gate.checks.interface import CheckContext
from compliance_gate.cli import main
from compliance_gate.decide import Judging, settle
from compliance_gate.engine import parse_policy, run
from compliance_gate.errors import PolicyError
from compliance_gate.fingerprint import PUBLIC_KEY, Fingerprinter
from compliance_gate.model import Outcome, Severity, Status
from compliance_gate.policy import PathRules
from compliance_gate.render import json as render_json
from compliance_gate.scanning.jobs import FileJob
from compliance_gate.scanning.workspace import open_workspace

PAN = make_pan("4", 16, seed=3)
IBAN = make_iban("GB", "NWBK60161331926818")
SSN = make_ssn(536, 22, 8174)
RAW = (PAN, group(PAN, (4, 4, 4, 4), " "), IBAN, SSN, SSN.replace("-", ""))

SERVICE = {
    "app/billing.py": (
        "import logging\n"
        "log = logging.getLogger(__name__)\n"
        f"FALLBACK_CARD = '{group(PAN, (4, 4, 4, 4), ' ')}'\n"
        "def charge(card_number: str, cvv: str) -> None:\n"
        "    log.info('charging %s', card_number)\n"
    ),
    "app/payout.yaml": f"payout:\n  iban: {IBAN}\n  owner_ssn: {SSN}\n",
    "app/demo.py": "DEMO_CARD = '4242424242424242'\n",
    "tests/test_billing.py": "CARD = '4111111111111111'\n",
    "app/models.py": "class Card(models.Model):\n    cvv = models.CharField(max_length=4)\n",
    "docs/contact.md": "Write to someone@example.com or ops@payments-team.io\n",
}


def context(root: Path, policy_text: str = "version: 1\nchecks:\n  pii: {}\n") -> CheckContext[pii.PiiOptions]:
    policy = parse_policy(policy_text)
    workspace = open_workspace(root, PathRules())
    section = policy.checks["pii"]
    return CheckContext("pii", section.options, policy, workspace, workspace.files, Fingerprinter(),
                        in_process, section.fail_on, parse_policy)  # fmt: skip


def by_rule(findings: Sequence[Any]) -> dict[str, list[tuple[str, int, str]]]:
    out: dict[str, list[tuple[str, int, str]]] = {}
    for f in findings:
        out.setdefault(f.rule, []).append((f.path, f.line, f.severity.value))
    return out


def test_findings_and_severities_through_a_hand_built_context(repo: Path) -> None:
    """Each planted value is found at its line with its default severity; test cards by path."""
    commit(repo, SERVICE)
    output = pii.run(context(repo))
    assert output.errors == ()
    assert by_rule(output.findings) == {
        "CG-PII-PAN": [("app/billing.py", 3, "critical")],
        "CG-PII-FIELD": [("app/billing.py", 4, "medium"), ("app/payout.yaml", 2, "medium"),
                         ("app/payout.yaml", 3, "medium")],
        "CG-PII-SAD": [("app/models.py", 2, "critical")],
        "CG-PII-LOG": [("app/billing.py", 5, "high")],
        "CG-PII-PAN-TEST": [("app/demo.py", 1, "info"), ("tests/test_billing.py", 1, "info")],
        "CG-PII-IBAN": [("app/payout.yaml", 2, "high")],
        "CG-PII-SSN": [("app/payout.yaml", 3, "high")],
        "CG-PII-EMAIL": [("docs/contact.md", 1, "low")],
    }  # fmt: skip
    assert output.counts["files"] == 6
    assert output.counts["CG-PII-PAN-TEST"] == 2
    assert output.engines == pii.engines()


def test_policy_options_select_detectors_and_test_value_rules(repo: Path) -> None:
    """`detectors`, `tiers` and `email_allow_domains` change what is reported and how: a
    published test card is info in production code and, by this policy's tier table, high in tests."""
    commit(repo, SERVICE)
    policy_text = (
        "version: 1\nchecks:\n  pii:\n    detectors: [pan, email]\n"
        "    tiers: {test: {CG-PII-PAN-TEST: high}}\n"
        "    email_allow_domains: [payments-team.io]\n"
    )
    policy = parse_policy(policy_text)
    output = pii.run(context(repo, policy_text))
    result = settle(
        policy.checks["pii"], output, (), dt.date(2026, 1, 1), 0.0, Counter(), Judging(tier_of=policy.tier_of)
    )
    assert by_rule(result.findings) == {
        "CG-PII-PAN": [("app/billing.py", 3, "critical")],
        "CG-PII-PAN-TEST": [("tests/test_billing.py", 1, "high"), ("app/demo.py", 1, "info")],
    }
    assert [f.properties.get("tier") for f in result.findings if f.rule == "CG-PII-PAN-TEST"] == ["test", None]


def test_unknown_detector_is_a_policy_error() -> None:
    """A misspelt detector name is rejected with its key path, not silently ignored."""
    with pytest.raises(PolicyError) as err:
        parse_policy("version: 1\nchecks:\n  pii:\n    detectors: [pan, ibna]\n")
    assert "checks.pii.detectors" in err.value.diagnostics()


def test_invalid_utf8_falls_back_to_latin1(repo: Path) -> None:
    """A file with invalid UTF-8 is still scanned; its digits are still seen."""
    commit(repo, {"legacy.txt": b"Kunde M\xfcller\xff card " + PAN.encode() + b"\n"})
    output = pii.run(context(repo))
    assert [(f.rule, f.line, f.column) for f in output.findings] == [("CG-PII-PAN", 1, 20)]


def test_unreadable_file_is_an_error_not_a_pass(tmp_path: Path) -> None:
    """A file that vanished or cannot be read is an error naming the file."""
    job = FileJob("gone.py", str(tmp_path / "gone.py"), "0" * 64, 10)
    (outcome,) = pii.scan_batch([job], pii.PiiOptions(), PUBLIC_KEY)
    assert outcome.error is not None and outcome.error.startswith("gone.py: cannot read")


def test_fingerprints_survive_line_moves_and_change_with_the_value(repo: Path) -> None:
    """Moving a card down the file keeps its fingerprint; another card gets another one."""
    commit(repo, {"a.py": f"x = '{PAN}'\n"})
    before = pii.run(context(repo)).findings[0].fingerprint
    commit(repo, {"a.py": f"# moved\n\n\nx = '{PAN}'\n"})
    moved = pii.run(context(repo)).findings[0]
    commit(repo, {"a.py": f"x = '{make_pan('4', 16, seed=4)}'\n"})
    other = pii.run(context(repo)).findings[0].fingerprint
    assert moved.line == 4 and moved.fingerprint == before and other != before


def test_end_to_end_fail_and_nothing_raw_in_any_output(repo: Path) -> None:
    """Through the engine and the CLI the run fails, and no raw value reaches JSON, console or logs."""
    commit(repo, SERVICE)
    verdict = run(parse_policy("version: 1\nchecks:\n  pii:\n    severity: {CG-PII-EMAIL: info}\n"), repo)
    (result,) = verdict.checks
    assert verdict.verdict is Outcome.FAIL and result.status is Status.FAILED
    assert {f.severity for f in result.findings if f.rule == "CG-PII-EMAIL"} == {Severity.INFO}
    shown = [render_json.render(verdict)] + [str(f) for f in result.findings]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--log-format", "json", "-v", "run", str(repo), "--policy", "default", "--format", "json",
                     "--no-cache", "--out", str(repo.parent / "out")])  # fmt: skip
    assert code == 1
    shown += [out.getvalue(), err.getvalue(), (repo.parent / "out" / "verdict.json").read_text()]
    for text in shown:
        assert not any(value in text for value in RAW)
    data = json.loads((repo.parent / "out" / "verdict.json").read_text())
    pii_result = next(c for c in data["checks"] if c["id"] == "pii")
    excerpts = {f["excerpt"] for f in pii_result["findings"]}
    assert PAN[:6] + "******" + PAN[-4:] in excerpts


def test_clean_repository_passes_and_cache_answers_the_rerun(repo: Path) -> None:
    """A repository with only test cards in tests/ passes, and a warm-cache re-run agrees."""
    commit(repo, {"tests/test_x.py": "CARD = '4242424242424242'\n", "app.py": "x = 1\n"})
    policy = parse_policy("version: 1\nchecks:\n  pii: {}\n")
    first = run(policy, repo)
    second = run(policy, repo)
    assert first.verdict is Outcome.PASS and second.verdict is Outcome.PASS
    assert second.checks[0].findings == first.checks[0].findings


@pytest.mark.parametrize(
    "name",
    [f"docs/receipt_{PAN}.txt", f"exports/{group(PAN, (4, 4, 4, 4), '-')}/notes.md", f"payouts/{IBAN}.csv"],
    ids=["pan-in-file-name", "dashed-pan-in-folder-name", "iban-in-file-name"],
)
def test_a_card_number_in_a_file_name_is_found_and_masked_everywhere(repo: Path, name: str) -> None:
    """The name is a finding, and no output (stdout, logs, every report, the verdict, the cache) holds it raw."""
    commit(repo, {name: "nothing sensitive inside\n", "app.py": "x = 1\n"})
    out_dir = repo.parent / "out"
    out, err = io.StringIO(), io.StringIO()
    args = ["--log-format", "json", "-v", "run", str(repo), "--policy", "default", "--out", str(out_dir),
            "--format", "text,json,html,markdown,sarif,junit,csv,github"]  # fmt: skip
    with redirect_stdout(out), redirect_stderr(err):
        assert main(args) == 1
        assert main(args) == 1  # the second run answers from the cache
    data = json.loads((out_dir / "verdict.json").read_text())
    named = [f for c in data["checks"] for f in c["findings"] if "file name" in f["message"]]
    assert named and named[0]["rule"] in ("CG-PII-PAN", "CG-PII-IBAN") and named[0]["line"] is None
    assert "*" in named[0]["path"] and named[0]["excerpt"] in named[0]["path"].replace("_", " ")
    raw = [name.split("/")[1].split("_")[-1].removesuffix(".txt").removesuffix(".csv"), PAN, IBAN]
    texts = [out.getvalue(), err.getvalue(), *(p.read_text() for p in out_dir.iterdir() if p.is_file())]
    texts += [blob.decode("latin-1") for blob in _cache_blobs(repo)]
    assert len(texts) >= 10
    for text in texts:
        assert not any(value in text for value in raw)


def _cache_blobs(repo: Path) -> list[bytes]:
    import sqlite3

    db = sqlite3.connect(repo / ".compliance-gate" / "cache.sqlite3")
    try:
        rows = list(db.execute("SELECT key, value FROM results"))
    finally:
        db.close()
    assert rows
    return [k.encode() + v for k, v in rows]


def test_without_a_key_a_card_fingerprint_cannot_be_reversed(repo: Path) -> None:
    """Under the public default key anyone can compute fingerprints; from the masked form about
    10^5 candidates remain, so a fingerprint of the number would give it back in seconds. It is
    taken from the masked form instead; with a configured key, from the number."""
    commit(repo, {"a.py": f"x = '{PAN}'\n"})
    job = FileJob("a.py", str(repo / "a.py"), "0" * 64, 10)
    (public,) = pii.scan_batch([job], pii.PiiOptions(), PUBLIC_KEY)
    (finding,) = public.findings
    anyone = Fingerprinter()
    assert finding.fingerprint != anyone.fingerprint("CG-PII-PAN", "a.py", PAN)
    assert finding.fingerprint == anyone.fingerprint("CG-PII-PAN", "a.py", finding.excerpt or "")
    secret = b"a long random key from the secret store"
    (keyed,) = pii.scan_batch([job], pii.PiiOptions(), secret)
    assert keyed.findings[0].fingerprint == Fingerprinter(secret).fingerprint("CG-PII-PAN", "a.py", PAN)
