"""US Social Security numbers: CG-PII-SSN.

**What it finds.** `AAA-GG-SSSS` with a group and serial that the SSA could have issued (area
not 000, 666 or 900-999; group not 00; serial not 0000), and bare nine-digit numbers only when
the same line names them (`ssn`, `social security`): nine digits alone are far more often an
id, an amount or a routing number.

**Why it matters.** An SSN is the key to identity theft; it never belongs in source, fixtures or
logs. Excerpts show no digits at all.

**Example.** `customer = {"name": "A. Person", "ssn": "536-22-8174"}`.

**Instead.** Use a clearly invalid number in tests (area 000 or 9xx is never issued).

The voided advertising numbers 078-05-1120, 123-45-6789 and 219-09-9999 are not reported: the
SSA invalidated them, they identify nobody and they appear in documentation everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from compliance_gate.pii.hit import SSN, RawHit, neighbours
from compliance_gate.pii.testvalues import PUBLIC_SSNS

_BARE = re.compile(r"(?<![\w.+-])[0-9]{9}(?![\w-]|\.[0-9])")
_CONTEXT = ("ssn", "social")
EXCERPT = "***-**-****"


def issuable(digits: str) -> bool:
    """Could the SSA have issued these nine digits (and are they not a voided public example)?"""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        area != "000" and area != "666" and area[0] != "9"
        and group != "00" and serial != "0000"
        and digits not in PUBLIC_SSNS
    )  # fmt: skip


def ssn_hit(text: str, start: int, end: int) -> RawHit | None:
    before, after = neighbours(text, start, end)
    if before.isalnum() or after.isalnum() or before in "_.+-" or after in "_-":
        return None
    if after == "." and text[end + 1 : end + 2].isdigit():
        return None
    digits = text[start:end].replace("-", "")
    return RawHit(start, SSN, digits, EXCERPT, "ssn") if issuable(digits) else None


def find_bare_ssns(text: str, low: str) -> Iterator[RawHit]:
    """Nine-digit SSNs on lines that say `ssn` or `social security`."""
    lines: set[int] = set()
    for word in _CONTEXT:
        at = low.find(word)
        while at >= 0:
            if word == "ssn" or low.startswith("security", at + 6) or low.startswith("security", at + 7):
                lines.add(text.rfind("\n", 0, at) + 1)
            at = low.find(word, at + len(word))
    for line_start in sorted(lines):
        line_end = text.find("\n", line_start)
        line = text[line_start : len(text) if line_end < 0 else line_end]
        for m in _BARE.finditer(line):
            if issuable(m.group()):
                yield RawHit(line_start + m.start(), SSN, m.group(), EXCERPT, "ssn")
