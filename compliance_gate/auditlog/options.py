"""The audit-log check's options: the keys of `checks.audit-log` in a policy (see the check's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from compliance_gate.auditlog.fields import AuditRecords, FieldMap

DEFAULT_SCHEMA = "builtin:schemas/audit-record.schema.json"


@dataclass(frozen=True, slots=True)
class AuditLogOptions:
    logs: tuple[str, ...] = ()
    schema: str = DEFAULT_SCHEMA
    key_env: str | None = None
    checkpoints: tuple[str, ...] = ()
    checkpoint_keys: tuple[str, ...] = ()
    require_checkpoint: bool = False
    require_start_stop: bool = True
    one_stream_per_file: bool = True
    scan_pii: bool = True
    pii_detectors: tuple[str, ...] = ("pan", "iban", "ssn", "email", "sensitive-field")
    email_allow_domains: tuple[str, ...] = ()
    scan_secrets: bool = True
    completeness: str = "auto"
    max_line_bytes: int = 1 << 20
    reorder_window: int = 1024
    fields: FieldMap = field(default_factory=FieldMap)
    audit_records: AuditRecords = field(default_factory=AuditRecords)
