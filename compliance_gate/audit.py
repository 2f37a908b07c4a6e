"""The producer side of audit logs, under the name the README documents.

`AuditChain`, `log_started` and `log_stopped` live in `compliance_gate.auditlog.writer`, beside
the verifier; this module keeps `from compliance_gate.audit import AuditChain` working.
"""

from __future__ import annotations

from compliance_gate.auditlog.writer import AuditChain, log_started, log_stopped

__all__ = ["AuditChain", "log_started", "log_stopped"]
