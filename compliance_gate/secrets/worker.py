"""The batch scanner that runs in worker processes: files in, masked findings out.

Findings carry the engine's `hashed_secret` (the unsalted SHA-1 a `.secrets.baseline` holds) in
their properties so that the check can match baseline entries; the check strips it before the
findings leave it. The raw value is used only here: to fingerprint (keyed HMAC) and to mask.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from compliance_gate.fingerprint import Fingerprinter, stamp
from compliance_gate.model import Finding, JSONValue, Severity
from compliance_gate.redact import mask_secret
from compliance_gate.scanning.jobs import FileJob, FileOutcome
from compliance_gate.secrets.classify import CI_SERVICE, PLACEHOLDER, PUBLIC_VALUE, SHAPED
from compliance_gate.secrets.config import EngineConfig, configured, engine_config
from compliance_gate.secrets.engine import FileScan, Hit, decode, dedupe, scan_lines, scan_text, skip_reason
from compliance_gate.secrets.history import read_job
from compliance_gate.secrets.options import SecretsOptions
from compliance_gate.secrets.prefilter import Planner

CHECK_ID = "secrets"
CRITICAL = SHAPED
"""Provider credential formats and private keys: critical, in every path tier by default."""
HIGH = frozenset(
    {
        "KeywordDetector",
        "BasicAuthDetector",
        "JwtTokenDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
        "CloudantDetector",
        "MailchimpDetector",
    }
)
"""A secret assigned by name (keyword, URL credentials, vendor keyword detectors) or a JWT:
high in production code, where a value that survived the engine's filters and ours is real."""
LOW = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "ArtifactoryDetector", "IPPublicDetector"})
"""Entropy alone (ids, hashes, class names, recorded payloads) and the Artifactory pattern (XSD
and other identifiers): reported, not blocking; a real secret among them is named by a keyword,
and the keyword hit blocks. A public IP address is an exposure hint, not a credential."""


def default_severity(rule: str) -> Severity:
    if rule in CRITICAL:
        return Severity.CRITICAL
    if rule in HIGH:
        return Severity.HIGH
    return Severity.LOW if rule in LOW else Severity.INFO


def rule_catalog() -> dict[str, Severity | None]:
    """Every rule of the check with its production severity (`policy explain`)."""
    names = sorted(CRITICAL | HIGH | LOW)
    return {
        **{n: default_severity(n) for n in names},
        PLACEHOLDER: Severity.INFO,
        PUBLIC_VALUE: Severity.INFO,
        CI_SERVICE: Severity.INFO,
    }


@lru_cache(maxsize=8)
def _planner(frozen_config: str) -> Planner:
    from detect_secrets.settings import get_plugins

    return Planner(get_plugins())


def current_planner(config: EngineConfig) -> Planner:
    """The prefilter for the plugins configured now (cached per configuration in this process)."""
    import json

    return _planner(json.dumps(config, sort_keys=True))


def scan_batch(jobs: Sequence[FileJob], options: SecretsOptions, key: bytes) -> list[FileOutcome]:
    """`BatchScanner` for the secrets check."""
    return _scan_jobs(jobs, options, key, _scan_file)


def scan_history_batch(jobs: Sequence[FileJob], options: SecretsOptions, key: bytes) -> list[FileOutcome]:
    """`BatchScanner` for history jobs (see `history.write_jobs`): only added lines are scanned."""
    return _scan_jobs(jobs, options, key, _scan_history_job)


JobScanner = Callable[[FileJob, Planner, Fingerprinter], FileOutcome]


def _scan_jobs(jobs: Sequence[FileJob], options: SecretsOptions, key: bytes, scan_one: JobScanner) -> list[FileOutcome]:
    """`scan_one` over each job, with the policy's engine settings applied and their prefilter."""
    config = engine_config(options)
    fp = Fingerprinter(key)
    with configured(config):
        planner = current_planner(config)
        return [scan_one(job, planner, fp) for job in jobs]


def _scan_file(job: FileJob, planner: Planner, fp: Fingerprinter) -> FileOutcome:
    try:
        with open(job.abspath, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return FileOutcome(job.path, error=f"cannot read ({exc.strerror})")
    text, bad = decode(data)
    return outcome(job.path, scan_text(job.path, text, planner.for_file(job.path), bad), fp)


def _scan_history_job(job: FileJob, planner: Planner, fp: Fingerprinter) -> FileOutcome:
    with open(job.abspath, "rb") as fh:
        commit, path, lines, added = read_job(fh.read())
    reason = skip_reason(path)
    if reason is not None:
        result = FileScan(skipped=reason)
    else:
        hits, candidates = scan_lines(path, lines, planner.for_file(path), only=added)
        result = FileScan(tuple(dedupe(hits)), None, len(added), candidates)
    found = outcome(path, result, fp, commit)
    return FileOutcome(job.path, found.findings, found.counts)


def outcome(path: str, result: FileScan, fp: Fingerprinter, commit: str | None = None) -> FileOutcome:
    counts: Counter[str] = Counter()
    if result.skipped:
        counts[f"skipped-{result.skipped.replace('_', '-')}"] += 1
        return FileOutcome(path, counts=dict(counts))
    counts["lines"] = result.lines
    counts["candidate-lines"] = result.candidates
    if result.invalid_utf8:
        counts["invalid-utf8"] += 1
    findings = list(stamp(fp, ((to_finding(path, h, commit), h.secret) for h in result.hits)))
    counts["inline-suppressions"] = sum(1 for h in result.hits if h.suppressed)
    return FileOutcome(path, tuple(findings), dict(counts))


NOT_A_CREDENTIAL = {
    PLACEHOLDER: "looks like a placeholder, example or test value, not a credential",
    PUBLIC_VALUE: "a digest, signature or commit id: public by construction",
    CI_SERVICE: "a CI service container's credential: the container lives only as long as the job",
}


def to_finding(path: str, hit: Hit, commit: str | None = None) -> Finding:
    props: dict[str, JSONValue] = {"type": hit.type, "hashed_secret": hit.hashed}
    where = f" added in commit {commit[:12]}" if commit else ""
    message = f"{hit.type}{where}; rotate it and load it from a secret store"
    if hit.kind is not None:
        props["detector"] = hit.plugin
        message = f"{hit.type}{where}: {NOT_A_CREDENTIAL[hit.kind]}"
    if hit.suppressed:
        props["suppressed"] = True
        props["suppression_reason"] = bool(hit.reason)
        message = f"{hit.type} hidden by an inline `pragma: allowlist secret`{where}"
    if commit:
        props["commit"] = commit
    rule = hit.kind or hit.plugin
    return Finding(
        check=CHECK_ID,
        rule=rule,
        severity=default_severity(rule),
        message=message,
        path=path,
        line=hit.line,
        excerpt=mask_secret(hit.secret),
        properties=props,
    )


def engine_hits(findings: Iterable[Finding]) -> set[tuple[str, int, str, str]]:
    """(path, line, type, hashed_secret) of unsuppressed findings: what `detect-secrets scan` lists."""
    return {
        (f.path or "", f.line or 0, str(f.properties["type"]), str(f.properties["hashed_secret"]))
        for f in findings
        if not f.properties.get("suppressed")
    }
