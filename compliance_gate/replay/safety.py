"""Make input-derived text safe to print: a card number hidden in an id, a status or a label is masked.

Payment ids, event ids, statuses and event types come from the recorded data; a misconfigured
producer can put a PAN in any of them. A digit run is masked to its first 6 and last 4 digits
when it is a plausible card number on its own: 12-19 digits, contiguous or grouped the way cards
are printed, not glued to a letter or digit (so UUIDs, 16-character pspReferences, `pi_...` ids
and hex hashes are left alone), with a card network's prefix and length, and a valid Luhn check
digit (`pii.cards`). An underscore or any punctuation separates: `pay_4111...` is masked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate.pii.cards import CANDIDATE_TAIL, pan_hit

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SAFE_RUN = r"[0-9](?:[ -]?[0-9]){11,}"
"""Text without a match (and at most `MAX_LEN` long) is printed as it is (also checked in SQL)."""
_RUN = re.compile(SAFE_RUN)
_CANDIDATE = re.compile(f"(?<![0-9A-Za-z])[0-9]{CANDIDATE_TAIL}(?![0-9A-Za-z])")
MAX_LEN = 120


def safe_text(value: object) -> str:
    """`value` as text with card numbers masked and length capped."""
    text = str(value)
    if len(text) > MAX_LEN:
        text = text[:MAX_LEN] + "..."
    if _RUN.search(text) is None:  # the common case: no run of 12 digits at all
        return text
    # `pan_hit` treats `_` and `*` as part of a word (source code); in ids they separate
    probe = text.replace("_", " ").replace("*", " ")
    out: list[str] = []
    last = 0
    for m in _CANDIDATE.finditer(probe):
        sep = m.group("sep") or m.group("sep2")
        hit = pan_hit(probe, m.start(), m.end(), sep)
        if hit is None:
            continue
        out.append(text[last : m.start()])
        out.append(hit.excerpt)
        last = m.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def shown_path(value: str, root: Path) -> str:
    """A path from the policy or a flag as outputs show it: relative to the repository when it
    lies inside, only its name when it lies outside (never a path of this machine), masked like
    any other input-derived text. `builtin:` names are kept."""
    path = Path(value)
    if path.is_absolute():
        try:
            value = path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            value = path.name
    return safe_text(value)


def shown_url(url: URL, root: Path) -> str:
    """A database URL without its password and, for SQLite, with the file shown as `shown_path`."""
    if url.drivername.startswith("sqlite") and url.database and Path(url.database).is_absolute():
        url = url.set(database=shown_path(url.database, root))
    return safe_text(url.render_as_string(hide_password=True))
