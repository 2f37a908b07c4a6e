"""in-toto Statement v1: what our envelopes carry.

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "payments-api", "digest": {"gitCommit": "<40 or 64 hex>"}},
                 {"name": "dist/app.whl", "digest": {"sha256": "<64 hex>"}}],
     "predicateType": "https://compliance-gate.dev/verdict/v1",
     "predicate": <the verdict's JSON form, see compliance_gate.serialize>}

Sign-off approvals use the same shape with predicateType `.../signoff/v1` and a subject naming
the verdict payload by its sha256. The payload is the statement's RFC 8785 canonical JSON
(`compliance_gate.canonical`), so the bytes signed are reproducible from the statement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate.canonical import canonical_json
from compliance_gate.errors import UsageError
from compliance_gate.model import JSONObject, JSONValue
from compliance_gate.signing.dsse import Rejected

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
VERDICT_PREDICATE = "https://compliance-gate.dev/verdict/v1"
SIGNOFF_PREDICATE = "https://compliance-gate.dev/signoff/v1"


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    digest: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSONValue]:
        return {"name": self.name, "digest": dict(self.digest)}


@dataclass(frozen=True, slots=True)
class Statement:
    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: JSONObject

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [s.to_dict() for s in self.subjects],
            "predicateType": self.predicate_type,
            "predicate": dict(self.predicate),
        }

    def encode(self) -> bytes:
        """The payload bytes: RFC 8785 canonical JSON (verifiers read them as they are, so
        envelopes written by earlier versions, as `json.dumps(sort_keys=True)`, still verify)."""
        return canonical_json(self.to_dict())


def repo_subject(name: str, commit: str) -> Subject:
    return Subject(name or "repository", {"gitCommit": commit.lower()})


def file_subject(path: str | Path) -> Subject:
    """A file artifact by its sha256; unreadable files are usage errors."""
    p = Path(path)
    h = hashlib.sha256()
    try:
        with open(p, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the subject file ({exc.strerror})") from None
    return Subject(p.name, {"sha256": h.hexdigest()})


def parse_statement(payload: bytes, expected_predicate: str) -> Statement:
    """Parse a verified payload; raise `Rejected` naming `statement` or `predicateType`."""
    try:
        doc = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise Rejected("statement", "the signed payload is not JSON") from None
    if not isinstance(doc, dict) or doc.get("_type") != STATEMENT_TYPE:
        raise Rejected("statement", f"the signed payload is not an in-toto {STATEMENT_TYPE} statement")
    if doc.get("predicateType") != expected_predicate:
        raise Rejected("predicateType", f"is {str(doc.get('predicateType'))[:100]!r}, expected {expected_predicate}")
    subjects = doc.get("subject")
    predicate = doc.get("predicate")
    if not isinstance(subjects, list) or not isinstance(predicate, dict):
        raise Rejected("statement", "`subject` must be a list and `predicate` an object")
    return Statement(tuple(_subject(s) for s in subjects), expected_predicate, predicate)


def _subject(s: JSONValue) -> Subject:
    if not isinstance(s, dict) or not isinstance(s.get("digest"), dict):
        raise Rejected("statement", "a subject lacks its digest")
    digest = s["digest"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in digest.items()):
        raise Rejected("statement", "a subject digest is not a map of strings")
    return Subject(str(s.get("name", "")), {k: v.lower() for k, v in digest.items()})


def digests(subjects: Sequence[Subject], algorithm: str) -> set[str]:
    return {s.digest[algorithm] for s in subjects if algorithm in s.digest}
