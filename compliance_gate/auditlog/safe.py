"""Make record-derived names safe to print in findings and metrics.

Stream names, payment and event ids, statuses and algorithm names come from the log itself; a
misconfigured writer can put a card number or an SSN in any of them. Any run of 9 or more digits
(optionally split by single spaces or hyphens) keeps only its last 4 digits, and text is capped.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"[0-9](?:[ -]?[0-9]){8,}")
MAX_LEN = 120


def _mask(m: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", m.group(0))
    return "*" * (len(digits) - 4) + digits[-4:]


def shown(value: object) -> str:
    """`value` as text with long digit runs masked and the length capped."""
    text = str(value)
    if len(text) > MAX_LEN:
        text = text[:MAX_LEN] + "..."
    return _RUN.sub(_mask, text) if any(c.isdigit() for c in text) else text
