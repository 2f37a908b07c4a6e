"""Audit-log verification: reading, schema, hash chain, checkpoints, PII and completeness.

An audit log is JSON Lines (plain or gzip), one record per line, as structlog's JSON renderer
writes it. Every record carries the PCI DSS v4.0 10.2.2 elements (`actor`, `category`/`event`,
`timestamp`, `outcome`, `origin`, `target`) and a per-stream hash chain:

    {"stream": "payments-api", "seq": 7, "prev_hash": "<hash of seq 6>",
     "hash_alg": "sha256" | "hmac-sha256", "hash": "<hex>", ...}

`hash` is SHA-256 (or HMAC-SHA-256 with a key) over `canonical.DOMAIN` plus the RFC 8785
canonical JSON of the record without `hash`; the first record of a stream (seq 0) points at
`canonical.GENESIS`. `compliance_gate.audit` writes such records; `verify.verify_logs` checks them.
Signed checkpoints (`checkpoints.py`) pin `{stream, seq, hash}` outside the log.
"""
