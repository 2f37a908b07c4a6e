"""The `pii` check: card numbers, IBANs, SSNs, contact details and sensitive field names.

Scans every file the policy selects with the detectors of `compliance_gate.pii` and reports:

| rule | default severity | what |
|---|---|---|
| CG-PII-PAN | critical | a payment card number (brand prefix + length + Luhn) |
| CG-PII-PAN-TABLE | critical | a card number in a source file with numbers of 3+ networks (a brand table) |
| CG-PII-PAN-TEST | info | a published network/PSP test card (`policies/known-values/test-cards.csv`) |
| CG-PII-IBAN | high | an IBAN (country length + mod 97) |
| CG-PII-IBAN-TEST | info | a documentation IBAN (`test-ibans.csv`) |
| CG-PII-SSN | high | a US Social Security number that could have been issued |
| CG-PII-SAD | critical | a CVV / track data / PIN block where it is persisted (PCI DSS 3.3.1) |
| CG-PII-LOG | high | a card, SAD or SSN name passed to a logging call or `print` |
| CG-PII-FIELD | medium | a card number, SSN or IBAN field |
| CG-PII-EMAIL | low | an email address outside documentation domains |
| CG-PII-PHONE | low | a phone number (E.164 or North American form) |

These are the production severities; the policy's path tiers rate each rule per tier (the default
policy: in tests and docs everything is info except CG-PII-PAN, which blocks in every tier), and
`compliance-gate policy explain` shows the result. Findings show masked values only (at most the
first 6 and last 4 digits of a card number; no SSN digits); their fingerprints are keyed hashes
of the value (of the line, for names); without a configured key, card numbers, IBANs and SSNs are
fingerprinted by their masked form, since anyone can compute the public key's hashes. Per-rule
severities can be changed with the common `severity:` map, for example `CG-PII-EMAIL: info`.

Policy section:

    checks:
      pii:
        detectors: [pan, iban, ssn, email, phone, sensitive-field]   # default: all
        email_allow_domains: [corp.example]
        tiers:
          test: {"*": info, CG-PII-PAN: critical}

Files are read as UTF-8, falling back to latin-1 for invalid UTF-8 (so digits are still seen);
a file that cannot be read is an error, never a pass. File *names* are scanned too (card
numbers, IBANs and SSNs; no line number): a name is copied into every listing and report, and
every output masks it like finding text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from compliance_gate.checks.interface import Check, CheckContext, CheckHelp, RuleCatalog
from compliance_gate.fingerprint import PUBLIC_KEY, Fingerprinter, stamp
from compliance_gate.model import CheckOutput, Finding, Severity
from compliance_gate.pii import hit as rules
from compliance_gate.pii.hit import ALL_DETECTORS, Hit, ScanOptions
from compliance_gate.pii.scan import scan_text
from compliance_gate.pii.testvalues import TEST_VALUES_VERSION
from compliance_gate.scanning.cache import code_version
from compliance_gate.scanning.collect import collect
from compliance_gate.scanning.jobs import FileJob, FileOutcome

SEVERITY: Mapping[str, Severity] = {
    rules.PAN: Severity.CRITICAL,
    rules.PAN_TABLE: Severity.CRITICAL,
    rules.PAN_TEST: Severity.INFO,
    rules.IBAN_TEST: Severity.INFO,
    rules.IBAN: Severity.HIGH,
    rules.SSN: Severity.HIGH,
    rules.SAD: Severity.CRITICAL,
    rules.LOG: Severity.HIGH,
    rules.FIELD: Severity.MEDIUM,
    rules.EMAIL: Severity.LOW,
    rules.PHONE: Severity.LOW,
}

MESSAGES: Mapping[str, str] = {
    rules.PAN: "payment card number ({c}) in the repository; use a provider token or a test card",
    rules.PAN_TEST: "published test card ({c})",
    rules.PAN_TABLE: "card number ({c}) in a file of numbers of several networks (a generated table?)",
    rules.IBAN: "IBAN ({c}) in the repository; keep real account numbers in the system of record",
    rules.IBAN_TEST: "documentation IBAN ({c})",
    rules.SSN: "US Social Security number in the repository",
    rules.SAD: "sensitive authentication data `{c}` is persisted here (PCI DSS 3.3.1: never store it)",
    rules.LOG: "`{c}` value passed to a logging call; log a token or the masked value instead",
    rules.FIELD: "cardholder/personal data field `{c}`; store a token or a masked value instead",
    rules.EMAIL: "email address outside documentation domains",
    rules.PHONE: "phone number",
}


@dataclass(frozen=True, slots=True)
class PiiOptions:
    detectors: tuple[str, ...] = ALL_DETECTORS
    email_allow_domains: tuple[str, ...] = ()


def engines() -> Mapping[str, str]:
    here = Path(__file__).resolve()
    return {"pii-detectors": code_version(here.parent.parent / "pii", here), "pii-test-values": TEST_VALUES_VERSION}


def read_text(abspath: str) -> str:
    """UTF-8, or latin-1 for invalid UTF-8: every byte maps to a character, digits stay digits."""
    with open(abspath, "rb") as fh:
        data = fh.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def rule_catalog() -> RuleCatalog:
    return dict(SEVERITY)


TABLE_SUFFIXES = (
    ".py",
    ".pyi",
    ".js",
    ".jsx",
    ".mjs",
    ".ts",
    ".tsx",
    ".java",
    ".kt",
    ".scala",
    ".go",
    ".rb",
    ".php",
    ".cs",
    ".swift",
    ".rs",
    ".c",
    ".cc",
    ".cpp",
    ".h",
    ".m",
    ".ex",
    ".exs",
    ".erl",
)
"""Source code. Card numbers of several networks in a source file are a brand or validation table
(`assert brand_of("...") == "amex"`), which the tiers may rate down in tests. In a data file
(CSV, JSON, SQL, a log, a dump) several networks is exactly what an export of customers' cards
looks like, so there every number off the test lists stays CG-PII-PAN and blocks in every tier."""


def fingerprinted(h: Hit, blind: bool) -> str:
    """What a finding's fingerprint is computed from. Under a configured key, the value itself (a
    fingerprint then names one card without revealing it). Under the public default key anyone
    can compute fingerprints, so a guessable value is fingerprinted by its masked form: otherwise
    a verdict or a committed baseline would give the card number back in seconds."""
    return h.excerpt if blind and h.rule in rules.GUESSABLE else h.normalized


def to_finding(h: Hit, path: str) -> Finding:
    return Finding(
        check="pii",
        rule=h.rule,
        severity=SEVERITY[h.rule],
        message=MESSAGES[h.rule].format(c=h.classification),
        path=path,
        line=h.line,
        column=h.column,
        excerpt=h.excerpt,
        properties={"classification": h.classification},
    )


NAME_DETECTORS = ("pan", "iban", "ssn")


def name_findings(path: str, options: PiiOptions, blind: bool = False) -> list[tuple[Finding, str]]:
    """A card number, IBAN or SSN in the file's *name* (folders included): names are copied into
    listings, caches, logs and reports, so the value leaks wherever the file is mentioned.
    Underscores count as separators here (`receipt_4000056655665556.pdf`)."""
    wanted = ScanOptions(tuple(d for d in options.detectors if d in NAME_DETECTORS), options.email_allow_domains)
    if not wanted.detectors:
        return []
    out = []
    for h in scan_text(path.replace("_", " "), wanted):
        finding = to_finding(h, path)
        what = finding.message.split(";", 1)[0].replace(" in the repository", "")
        message = f"{what} in a file name; rename the file (its name is copied into every report)"
        out.append((replace(finding, message=message, line=None, column=None), fingerprinted(h, blind)))
    return out


def scan_batch(jobs: Sequence[FileJob], options: PiiOptions, key: bytes) -> list[FileOutcome]:
    """The worker: scan each file of the batch; an unreadable file is an error outcome."""
    fingerprinter = Fingerprinter(key)
    blind = key == PUBLIC_KEY
    outcomes: list[FileOutcome] = []
    for job in jobs:
        try:
            text = read_text(job.abspath)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            outcomes.append(FileOutcome(job.path, error=f"{job.path}: cannot read ({reason})"))
            continue
        data_file = not job.path.lower().endswith(TABLE_SUFFIXES)
        pairs = [
            (
                to_finding(replace(h, rule=rules.PAN) if data_file and h.rule == rules.PAN_TABLE else h, job.path),
                fingerprinted(h, blind),
            )
            for h in scan_text(text, options)
        ]
        pairs += name_findings(job.path, options, blind)
        findings = tuple(stamp(fingerprinter, pairs))
        outcomes.append(FileOutcome(job.path, findings, dict(Counter(f.rule for f in findings))))
    return outcomes


def run(ctx: CheckContext[PiiOptions]) -> CheckOutput:
    scanned = collect(ctx.scan_files(scan_batch, ctx.files, ctx.options, engines=engines()))
    counts = {"files": scanned.files, **scanned.counts} if scanned.files else {}
    findings = sorted(scanned.findings, key=lambda f: (f.path or "", f.line or 0, f.column or 0, f.rule))
    return CheckOutput(findings=tuple(findings), counts=counts, engines=engines(), errors=scanned.errors)


CHECK: Check[PiiOptions] = Check(
    id="pii",
    summary="card numbers, IBANs, SSNs, contact details and sensitive field names in the code",
    run=run,
    options=PiiOptions,
    engines=engines,
    default_fail_on=Severity.HIGH,
    line_scoped=True,
    rules=rule_catalog,
    help=CheckHelp(
        "Cardholder data or personal data in the repository.",
        "Remove the value (use a network test card or a generated token), or waive it in the policy "
        "with a reason, an approver and an expiry.",
    ),
)
