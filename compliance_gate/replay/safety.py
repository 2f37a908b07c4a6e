"""Make input-derived text safe to print: a card number hidden in an id is masked.

Payment ids, event ids and statuses come from the recorded data; a misconfigured producer can
put a PAN in any of them. Any run of 12-19 digits (optionally split by single spaces or hyphens)
that passes Luhn is masked to its first 6 and last 4 digits before it reaches a finding or report.
"""

from __future__ import annotations

import re

from compliance_gate.pii.cards import luhn_ok
from compliance_gate.redact import mask_pan

_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])")
MAX_LEN = 120


def safe_text(value: object) -> str:
    """`value` as text with PAN-like digit runs masked and length capped."""
    text = str(value)
    if len(text) > MAX_LEN:
        text = text[:MAX_LEN] + "..."
    if not any(c.isdigit() for c in text):
        return text

    def mask(m: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", m.group(0))
        return mask_pan(digits) if luhn_ok(digits) else m.group(0)

    return _RUN.sub(mask, text)
