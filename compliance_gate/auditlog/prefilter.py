"""Rule out, in a few C-speed passes over a block of lines, the lines that cannot hold a leak.

The exact scan (`leaks.scan_lines`) costs ~10 us per record; nearly every audit record is
clean. Every text rule it applies needs a trace that is cheap to find in the raw bytes:

- card numbers (12-19 digits, or printed in groups) and SSNs (9 digits, or `ddd-dd-dddd`)
  start right after a character that is not a letter, digit or `_` (else they are glued to a
  word and not reported); IBANs start with two capitals and two digits after such a character.
  The block is mapped to its shape (digit `0`, capital `A`, other letter or `_` `a`, anything
  else `.`; one `bytes.translate`) and searched with literal-led patterns. A digit run is a
  candidate only if it is 9 digits long on a line that says `ssn` or `social` (bare SSNs), or
  12-19 digits long (card numbers): runs inside hex hashes are glued to letters and drop out.
- e-mail addresses need an `@`, E.164 and `(415) 555-2671` phone numbers a `+` or a `(`;
- token shapes start with `AKIA`, `k_live_`, `gh`, `xox`, `eyJ` or `-----BEGIN `: each is found
  from its rarest byte (`memchr`), falling back to a substring search if that byte is common.

A line with any such trace is scanned exactly; the others provably have no hit. Blanking of
hashes and timestamps in the exact scan only removes hits, and non-ASCII bytes count as
separators here, so the traces are a superset. Secret-named keys are found from the parsed
record (`leaks.KeyCheck`), not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SHAPE = bytes(
    48 if 48 <= c <= 57 else 65 if 65 <= c <= 90 else 97 if 97 <= c <= 122 or c == 95 else c if c == 10 else 46
    for c in range(256)
)
"""Digit `0`, capital `A`, other letter or `_` `a`, newline kept (no candidate spans two lines),
anything else `.`."""
_DIGITS = re.compile(rb"\.000(?:000000|0\.0000|\.00\.0000|\.000\.0000)")
"""After a separator: 9+ digits (checked further), or the grouped forms 4-4(+), 3-2-4, 3-3-4."""
_LINE_DIGIT = re.compile(rb"\n0")
"""A line that starts with a digit (rare: not a JSON object) is let through whole."""
_IBAN = re.compile(rb"AA00(?<![0Aa]AA00)")
_TOKENS = ((b"AKIA", 1), (b"k_live_", 0), (b"gh", None), (b"xox", 0), (b"eyJ", 2), (b"-----BEGIN ", 5))
"""Token starts (`leaks.TOKEN_STARTS`) and the offset of a byte rare in logs to look for first
(`g` and `h` are common: `gh` is searched for as a whole)."""
_CONTEXT = ("ssn", "social")


def suspect_lines(data: bytes, detectors: frozenset[str], secrets: bool) -> set[int]:
    """1-based numbers of the lines of `data` (split at b"\\n") that may hold a leak."""
    offsets: list[int] = []
    if detectors & {"pan", "ssn", "phone", "iban"}:
        shape = data.translate(_SHAPE)
        if detectors & {"pan", "ssn", "phone"}:
            offsets.extend(_digit_candidates(data, shape, "ssn" in detectors))
        if "iban" in detectors:
            offsets.extend(m.start() for m in _IBAN.finditer(shape))
    if "email" in detectors:
        offsets.extend(_positions(data, b"@", 0))
    if "phone" in detectors:
        offsets.extend(_positions(data, b"+", 0))
        offsets.extend(_positions(data, b"(", 0))
    if secrets:
        for needle, anchor in _TOKENS:
            offsets.extend(_positions(data, needle, anchor))
    return _line_numbers(data, offsets)


def _digit_candidates(data: bytes, shape: bytes, ssn: bool) -> Iterator[int]:
    if shape[:1] == b"0":
        yield 0
    yield from (m.start() + 1 for m in _LINE_DIGIT.finditer(shape))
    for m in _DIGITS.finditer(shape):
        start = m.start() + 1  # the first digit
        if shape.find(b".", start, m.end()) >= 0:
            yield start  # a grouped form
            continue
        end = m.end()
        while end < len(shape) and shape[end] == 48:
            end += 1
        run = end - start
        if end < len(shape) and shape[end] != 46 and shape[end] != 10:
            continue  # glued to a letter or `_` (a hex hash, an id)
        if 12 <= run <= 19 or (run == 9 and ssn and _says_ssn(data, start)):
            yield start


def _positions(data: bytes, needle: bytes, anchor: int | None) -> Iterator[int]:
    """Offsets of `needle`: by `memchr` on its byte at `anchor` while that byte stays rare, else
    by the regex engine's literal search (faster here than `bytes.find`)."""
    start = 0
    if anchor is not None:
        byte, budget = needle[anchor : anchor + 1], 64 + len(data) // 2048
        at = data.find(byte, anchor)
        while at >= 0 and budget > 0:
            budget -= 1
            if data.startswith(needle, at - anchor):
                yield at - anchor
            at = data.find(byte, at + 1)
        if at < 0:
            return
        start = at - anchor  # a common byte here: search for the whole needle from here on
    yield from (m.start() for m in re.compile(re.escape(needle)).finditer(data, start))


def _line_numbers(data: bytes, offsets: list[int]) -> set[int]:
    lines: set[int] = set()
    line, cursor = 1, 0
    for offset in sorted(offsets):
        line += data.count(b"\n", cursor, offset)
        cursor = offset
        lines.add(line)
    return lines


def _says_ssn(data: bytes, offset: int) -> bool:
    """Does the line at `offset` name an SSN (the only context in which 9 bare digits are one)?"""
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    low = data[start : end if end >= 0 else len(data)].decode("utf-8", errors="replace").lower()
    return any(word in low for word in _CONTEXT)
