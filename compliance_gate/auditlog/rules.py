"""Rule ids of the audit-log check, their default severity, and what each one means.

Tamper evidence (the chain):
    CG-AUDIT-EDITED              a record does not match its own hash (edited, or re-sealed with
                                 another key)
    CG-AUDIT-LINK                a record's prev_hash is not the previous record's hash
    CG-AUDIT-GAP                 sequence numbers are missing (deleted records)
    CG-AUDIT-REORDERED           records appear out of sequence order
    CG-AUDIT-DUPLICATE           the same record appears twice
    CG-AUDIT-FORK                two different records claim one sequence number
    CG-AUDIT-TRUNCATED           a signed checkpoint pins records the log no longer has
    CG-AUDIT-CHECKPOINT-MISMATCH the log's hash at a checkpointed seq differs from the signed one
    CG-AUDIT-CHECKPOINT-INVALID  a checkpoint file is malformed or not signed by the pinned key
    CG-AUDIT-UNVERIFIABLE        records after a break that nothing ties to a trusted anchor
    CG-AUDIT-UNKEYED             a plain SHA-256 record where the policy requires HMAC (downgrade)
    CG-AUDIT-KEY-MISSING         HMAC records but no key to check them with
    CG-AUDIT-UNKNOWN-ALG         a `hash_alg` other than sha256 / hmac-sha256
    CG-AUDIT-NO-CHAIN            a record without usable stream/seq/prev_hash/hash fields
    CG-AUDIT-EMPTY               a listed log holds no records at all (emptied, or never written)
    CG-AUDIT-UNANCHORED          a stream with neither an HMAC key nor a matched signed checkpoint:
                                 intact as far as it goes, but a re-seal or a cut tail would look
                                 the same (medium; the pci-dss policy blocks on it)
Input hygiene:
    CG-AUDIT-BAD-JSON, CG-AUDIT-NOT-OBJECT, CG-AUDIT-HUGE-LINE, CG-AUDIT-MIXED-STREAMS,
    CG-AUDIT-SCHEMA (file, line and JSON path of each violation)
Content:
    CG-PII-* (the pii detectors: full PANs, IBANs, SSNs, CVV/track/PIN fields, e-mail, phone),
    CG-AUDIT-SECRET (a secret-named field with a clear value, or a well-known token shape)
Lifecycle and completeness:
    CG-AUDIT-NO-START / CG-AUDIT-NO-STOP (10.2.1.6 log start/stop per stream; a stream that
    ends without log.stop, and without a checkpoint pinning its last record, may have been
    truncated: high, so it blocks by default),
    CG-AUDIT-MISSING-RECORD (a replayed state change without an audit record),
    CG-AUDIT-STATE-MISMATCH (audit from/to status differs from the replay),
    CG-AUDIT-ORPHAN-RECORD (a state-change record no recorded event explains),
    CG-AUDIT-DUPLICATE-STATE-RECORD (two records for one source event)
"""

from __future__ import annotations

from compliance_gate.model import Severity

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW

SEVERITY: dict[str, Severity] = {
    "CG-AUDIT-EDITED": C,
    "CG-AUDIT-LINK": C,
    "CG-AUDIT-GAP": H,
    "CG-AUDIT-REORDERED": H,
    "CG-AUDIT-DUPLICATE": H,
    "CG-AUDIT-FORK": C,
    "CG-AUDIT-TRUNCATED": C,
    "CG-AUDIT-CHECKPOINT-MISMATCH": C,
    "CG-AUDIT-CHECKPOINT-INVALID": C,
    "CG-AUDIT-UNVERIFIABLE": M,
    "CG-AUDIT-UNKEYED": C,
    "CG-AUDIT-KEY-MISSING": H,
    "CG-AUDIT-UNKNOWN-ALG": H,
    "CG-AUDIT-NO-CHAIN": H,
    "CG-AUDIT-EMPTY": H,
    "CG-AUDIT-UNANCHORED": M,
    "CG-AUDIT-BAD-JSON": H,
    "CG-AUDIT-NOT-OBJECT": H,
    "CG-AUDIT-HUGE-LINE": H,
    "CG-AUDIT-MIXED-STREAMS": H,
    "CG-AUDIT-SCHEMA": H,
    "CG-AUDIT-SECRET": C,
    "CG-AUDIT-NO-START": M,
    "CG-AUDIT-NO-STOP": H,
    "CG-AUDIT-MISSING-RECORD": H,
    "CG-AUDIT-STATE-MISMATCH": H,
    "CG-AUDIT-ORPHAN-RECORD": H,
    "CG-AUDIT-DUPLICATE-STATE-RECORD": M,
    "CG-PII-PAN": C,
    "CG-PII-PAN-TEST": M,
    "CG-PII-IBAN": H,
    "CG-PII-IBAN-TEST": L,
    "CG-PII-SSN": H,
    "CG-PII-SAD": C,
    "CG-PII-EMAIL": L,
    "CG-PII-PHONE": L,
}

PII_RULES = frozenset(r for r in SEVERITY if r.startswith("CG-PII-"))
"""pii rules that apply to log records (field-name and logging-call rules are about code)."""


def severity_of(rule: str) -> Severity:
    return SEVERITY.get(rule, H)
