"""Masking: the only forms in which sensitive values may leave a check."""

from __future__ import annotations

import re

_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){8,}")
_TOKEN = re.compile(r"(?=[A-Za-z_+=-]*\d)(?=[\d_+=-]*[A-Za-z])[A-Za-z0-9_+=-]{20,}")  # letters and digits mixed


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


def scrub(text: str, limit: int = 300) -> str:
    """Free text we did not write (an unexpected exception's message) made safe to show.

    Runs of 9 or more digits (card numbers, SSNs, account numbers) and long token-like words
    (keys, secrets) are masked; the text is capped at `limit` characters.
    """
    text = _TOKEN.sub(lambda m: mask_secret(m.group(0)), text)
    text = _DIGIT_RUN.sub(lambda m: mask_pan(re.sub(r"[ -]", "", m.group(0))), text)
    return text if len(text) <= limit else text[:limit] + "..."
