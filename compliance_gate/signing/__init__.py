"""Signatures the gate makes and checks: keys (ECDSA P-256, Ed25519) and DSSE envelopes.

Below everything that signs: the verdict and sign-offs (`compliance_gate.attest`) and the
audit-log checkpoints (`compliance_gate.auditlog.checkpoints`).
"""
