"""The gate's own signed audit checkpoints are not secrets, though they look like them.

`compliance-gate audit-checkpoint` writes a DSSE envelope: a base64 payload, a 64-hex key id and
a base64 signature. Teams commit it beside the policy so the `audit-log` check can pin the log's
heads; the entropy detectors then flag all three strings. A file is the gate's checkpoint only if
it is byte for byte what the gate writes: the envelope's exact layout, the checkpoint payload type,
a payload that is the canonical JSON of a checkpoint (`_type`, `created`, `log`, `heads` of
`stream`, `seq`, a 64-hex `hash`, `hash_alg`) and nothing else, and one or two signatures that are a key id
and at most 72 bytes (ECDSA P-256 or Ed25519). Anything else, a copy with one more field or a
reformatted one included, is scanned like any file. The signature is not verified here (that
needs the pinned key, which is the `audit-log` check's business), so a forged checkpoint is not
a secret either: it carries no field a credential could hide in except the names of logs and
streams, which the gate wrote from the command line.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from compliance_gate.auditlog.canonical import HMAC_SHA256, SHA256
from compliance_gate.auditlog.checkpoints import CHECKPOINT_TYPE, PAYLOAD_TYPE
from compliance_gate.canonical import NotCanonical, canonical_json
from compliance_gate.gitrepo import GitProblem, GitRepo
from compliance_gate.model import Finding
from compliance_gate.signing.dsse import Envelope, Signature

MAX_BYTES = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")
_WHEN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_HEAD_KEYS = {"stream", "seq", "hash", "hash_alg"}


def is_audit_checkpoint(data: bytes) -> bool:
    """Whether `data` is exactly an audit checkpoint as `compliance-gate audit-checkpoint` writes it."""
    if len(data) > MAX_BYTES or not data.startswith(b"{"):
        return False
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or set(doc) != {"payload", "payloadType", "signatures"}:
            return False
        payload = base64.b64decode(doc["payload"], validate=True)
        sigs = doc["signatures"]
        if not isinstance(sigs, list) or not 1 <= len(sigs) <= 2 or not all(_signature(s) for s in sigs):
            return False
        envelope = Envelope(
            payload, doc["payloadType"], tuple(Signature(s["keyid"], base64.b64decode(s["sig"])) for s in sigs)
        )
        return envelope.payload_type == PAYLOAD_TYPE and envelope.to_json() == data and _payload(payload)
    except (ValueError, TypeError, binascii.Error, NotCanonical):
        return False


def _signature(item: object) -> bool:
    if not isinstance(item, dict) or set(item) != {"keyid", "sig"} or not isinstance(item["sig"], str):
        return False
    keyid_ok = isinstance(item["keyid"], str) and _HEX64.fullmatch(item["keyid"]) is not None
    return keyid_ok and 8 <= len(base64.b64decode(item["sig"], validate=True)) <= 72


def _payload(payload: bytes) -> bool:
    doc = json.loads(payload)
    ok = (
        isinstance(doc, dict)
        and set(doc) == {"_type", "created", "log", "heads"}
        and doc["_type"] == CHECKPOINT_TYPE
        and isinstance(doc["created"], str)
        and _WHEN.fullmatch(doc["created"]) is not None
        and isinstance(doc["log"], str)
        and isinstance(doc["heads"], list)
        and all(_head(h) for h in doc["heads"])
    )
    return ok and canonical_json(doc) == payload


def _head(item: object) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == _HEAD_KEYS
        and isinstance(item["stream"], str)
        and type(item["seq"]) is int
        and isinstance(item["hash"], str)
        and _HEX64.fullmatch(item["hash"]) is not None
        and item["hash_alg"] in (SHA256, HMAC_SHA256)
    )


def without_checkpoints(
    findings: Sequence[Finding], read: Callable[[Finding], bytes | None]
) -> tuple[list[Finding], int]:
    """The findings not in one of the gate's checkpoints, and how many were. `read` gives the
    bytes of the file version a finding was made in (the tree's, or a commit's), None if unknown."""
    memo: dict[tuple[str, str], bool] = {}
    kept: list[Finding] = []
    for f in findings:
        where = (f.path or "", str(f.properties.get("commit", "")))
        if where not in memo:
            data = read(f)
            memo[where] = data is not None and is_audit_checkpoint(data)
        if not memo[where]:
            kept.append(f)
    return kept, len(findings) - len(kept)


def file_reader(root: Path, git_top: str | None) -> Callable[[Finding], bytes | None]:
    """Reads the version a finding was made in: the file under `root`, or, for a finding of the
    release's history (`commit` property), the file at that commit."""

    def read(f: Finding) -> bytes | None:
        path, commit = root / (f.path or ""), f.properties.get("commit")
        try:
            if not commit:
                return path.read_bytes() if path.is_file() and path.stat().st_size <= MAX_BYTES else None
            if git_top is None:
                return None
            rel = path.resolve().relative_to(Path(git_top).resolve()).as_posix()
            return GitRepo.at(git_top).run_bytes("show", f"{commit}:{rel}")
        except (OSError, ValueError, GitProblem):
            return None

    return read
