"""Masking: the only forms in which sensitive values may leave a check."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
from collections.abc import Callable, Mapping
from typing import TypeVar, cast

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


_NOT_HEX_BEFORE, _NOT_HEX_AFTER = r"(?<![0-9A-Fa-f])", r"(?![0-9A-Fa-f])"
_LABEL_PAN = re.compile(
    _NOT_HEX_BEFORE
    + r"(?:[0-9]{12,19}"  # contiguous
    + r"|[0-9]{4}(?P<s>[ -])[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{1,7}"  # 4-4-4-4(-3)
    + r"|[0-9]{4}(?P<t>[ -])[0-9]{6}(?P=t)[0-9]{4,5})"  # 4-6-5 (Amex), 4-6-4 (Diners)
    + _NOT_HEX_AFTER
)
"""Card numbers as they are written; digits next to a hex letter are left alone (digests, commit
ids and fingerprints are hex), while `v4000...`, `pay_4000...` and `4000...:` are masked."""
_LABEL_IBAN = re.compile(r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?: ?[0-9A-Z]){11,30}(?![0-9A-Za-z])")
_LABEL_SSN = re.compile(r"(?<![0-9])([0-9]{3})([ -])([0-9]{2})\2([0-9]{4})(?![0-9])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_valid(compact: str) -> bool:
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _mask_pan_run(m: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", m.group(0))
    return mask_pan(digits) if 12 <= len(digits) <= 19 and luhn_valid(digits) else m.group(0)


def _mask_iban(m: re.Match[str]) -> str:
    compact = m.group(0).replace(" ", "")
    return mask_middle(compact) if 15 <= len(compact) <= 34 and _iban_valid(compact) else m.group(0)


def _mask_ssn(m: re.Match[str]) -> str:
    area, group, serial = m.group(1), m.group(3), m.group(4)
    issuable = area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"
    return "***-**-****" if issuable else m.group(0)


def mask_label(text: str) -> str:
    """A value taken from an input and used as a key, label or path in an output (a file name,
    a status cell, a stream name), with what the `pii` detectors would report masked the way
    findings mask it: a Luhn-valid 12-19 digit card number (plain, spaced or dashed) keeps at
    most its first 6 and last 4 digits, a valid IBAN its first and last 2 characters, a dashed
    SSN none. Digits next to a hex letter (hashes, commit ids, fingerprints) are left alone."""
    if not any(c.isdigit() for c in text):
        return text
    text = _LABEL_IBAN.sub(_mask_iban, text)
    text = _LABEL_SSN.sub(_mask_ssn, text)
    return _LABEL_PAN.sub(_mask_pan_run, text)


T = TypeVar("T")


def mask_labels(value: T, rewrite: Callable[[str], str] | None = None) -> T:
    """`value` (a `Verdict`, a `Finding`, metrics...) with every string in it, mapping keys
    included, through `mask_label` (after `rewrite`, which the engine uses to turn paths of the
    machine into repo-relative ones): the one choke point before anything is written or shown."""
    label = mask_label if rewrite is None else (lambda text: mask_label(rewrite(text)))
    return cast(T, _masked(value, label))


def _masked(value: object, label: Callable[[str], str]) -> object:
    if isinstance(value, enum.Enum | bool | int | float | datetime.date | datetime.datetime) or value is None:
        return value
    if isinstance(value, str):
        return label(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _masked(getattr(value, f.name), label) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, Mapping):
        return {_masked(k, label): _masked(v, label) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_masked(v, label) for v in value)
    if isinstance(value, list):
        return [_masked(v, label) for v in value]
    return value


def machine_paths(replacements: Mapping[str, str]) -> Callable[[str], str]:
    """A rewrite for `mask_labels`: each absolute folder (the checkout, the gate's bundled files, a
    staged snapshot) becomes its stand-in (`""` for repo-relative, `builtin:`), longest first."""
    pairs = sorted(((k.rstrip("/") + "/", v) for k, v in replacements.items() if k), key=lambda kv: -len(kv[0]))

    def rewrite(text: str) -> str:
        if "/" not in text:
            return text
        for folder, stand_in in pairs:
            if text == folder[:-1]:
                return stand_in.rstrip("/") or "."
            text = text.replace(folder, stand_in)
        return text

    return rewrite
