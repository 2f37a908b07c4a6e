"""Masking: the only forms in which sensitive values may leave a check."""

from __future__ import annotations


def mask_pan(digits: str) -> str:
    """At most the first 6 and last 4 digits (PCI DSS 3.4.1); fewer for short numbers."""
    n = len(digits)
    head = 6 if n >= 16 else max(0, min(6, n - 10))
    return digits[:head] + "*" * (n - head - 4) + digits[-4:]


def mask_secret(value: str) -> str:
    """A few leading characters and the length, so a reviewer can tell values apart."""
    shown = 3 if len(value) >= 16 else 0
    return f"{value[:shown]}***({len(value)} chars)"


def mask_middle(value: str, keep: int = 2) -> str:
    """Keep `keep` characters at each end (IBAN country code, SSN last digits are not kept)."""
    if len(value) <= 2 * keep + 2:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]
