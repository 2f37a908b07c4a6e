"""Keyed fingerprints: how baselines and waivers recognise a finding without storing its value.

A fingerprint is HMAC-SHA-256 over rule, path, the normalised content (the secret or card number
itself, never stored) and the occurrence index of that content in the file. Moving lines does not
change it; changing the value does. The key matters: without one, a fingerprint of a 9-digit SSN
or of the six hidden digits of a PAN could be brute-forced, so policies handling real cardholder
data require a key from the environment (PCI DSS 3.5.1.1: keyed cryptographic hashes).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from compliance_gate.model import Finding

PUBLIC_KEY = b"compliance-gate/fingerprint/v1/public-default"
"""Used when no key is configured; fingerprints are then only as strong as the value's entropy."""


@dataclass(frozen=True, slots=True)
class Fingerprinter:
    key: bytes = PUBLIC_KEY
    key_id: str = field(default="public-default")

    @classmethod
    def from_secret(cls, secret: bytes) -> Fingerprinter:
        key_id = "hmac:" + hashlib.sha256(b"key-id:" + secret).hexdigest()[:16]
        return cls(secret, key_id)

    def fingerprint(self, rule: str, path: str, content: str, occurrence: int = 0) -> str:
        return hmac.new(self.key, _message(rule, path, content, occurrence), hashlib.sha256).hexdigest()[:32]

    def many(self) -> Callable[[str, str, str, int], str]:
        """`fingerprint` for a large batch of findings: the key schedule is computed once."""
        keyed = hmac.new(self.key, digestmod=hashlib.sha256)

        def one(rule: str, path: str, content: str, occurrence: int = 0) -> str:
            h = keyed.copy()
            h.update(_message(rule, path, content, occurrence))
            return h.hexdigest()[:32]

        return one


def _message(rule: str, path: str, content: str, occurrence: int) -> bytes:
    return "\x1f".join((rule, path, content, str(occurrence))).encode("utf-8", "surrogatepass")


def stamp(fingerprinter: Fingerprinter, pairs: Iterable[tuple[Finding, str]]) -> Iterator[Finding]:
    """Give each (finding, normalised content) pair its fingerprint, counting occurrences.

    The n-th finding with the same rule, path and content gets occurrence index n, so two equal
    secrets in one file have distinct fingerprints that stay put when lines move.
    """
    seen: Counter[tuple[str, str, str]] = Counter()
    for finding, content in pairs:
        slot = (finding.rule, finding.path or "", content)
        fp = fingerprinter.fingerprint(finding.rule, finding.path or "", content, seen[slot])
        seen[slot] += 1
        yield replace(finding, fingerprint=fp)
