"""Sensitive sample values, built programmatically so that no real-looking value is typed in."""

from __future__ import annotations

import random

from stdnum import iban as stdnum_iban

from compliance_gate.pii import ScanOptions, scan_text
from compliance_gate.pii.cards import luhn_complete


def make_pan(prefix: str, length: int, seed: int = 0) -> str:
    """A Luhn-valid number of `length` digits starting with `prefix` (not on the test list)."""
    rng = random.Random(f"{prefix}/{length}/{seed}")
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def group(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    out, at = [], 0
    for size in sizes:
        out.append(digits[at : at + size])
        at += size
    return sep.join(out)


def make_iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits for `country` + `bban` (python-stdnum computes them)."""
    return f"{country}{stdnum_iban.calc_check_digits(country + '00' + bban)}{bban}"


def printed(iban: str) -> str:
    """An IBAN as printed on paper: groups of four separated by spaces."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def make_ssn(area: int, grp: int, serial: int, sep: str = "-") -> str:
    return sep.join((f"{area:03d}", f"{grp:02d}", f"{serial:04d}"))


def rules(text: str, *detectors: str, allow: tuple[str, ...] = ()) -> list[str]:
    """The rules `scan_text` reports for `text` with only `detectors` on, in order."""
    return [h.rule for h in scan_text(text, ScanOptions(detectors=detectors, email_allow_domains=allow))]


def hits(text: str, *detectors: str) -> list[tuple[str, str]]:
    return [(h.rule, h.classification) for h in scan_text(text, ScanOptions(detectors=detectors))]
