"""The content-hash cache: an unchanged file is never scanned twice.

Results live in one SQLite file under the scanned repository (`.compliance-gate/cache.sqlite3`,
safe to delete at any time). A key covers everything that can change a file's result: the check,
the digest of its policy section, its engine versions, the gate version, the fingerprint key id,
the path and the sha256 of the content (hashed: the key holds neither). Only clean results are
stored: a file that errored is scanned again next time. Cached values hold findings as reported
(masked, fingerprinted) without the file's path, never raw content.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import orjson

from compliance_gate.redact import mask_labels
from compliance_gate.scanning.jobs import FileOutcome
from compliance_gate.serialize import finding_from_dict, finding_to_dict

CACHE_DIR = ".compliance-gate"
CACHE_FILE = "cache.sqlite3"


@functools.cache
def code_version(*paths: Path) -> str:
    """A version of our own scanning code that changes whenever its source does: the digest of the
    `.py` files under each path (a folder or one module). A check puts it among its engine
    versions, so cached results of a changed detector are never served (no hand-bumped numbers)."""
    digest = hashlib.sha256()
    for path in paths:
        sources = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for source in sources:
            name = source.relative_to(path).as_posix() if path.is_dir() else source.name
            digest.update(name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


def state_dir(root: Path) -> Path:
    """`ROOT/.compliance-gate/`, created with a `.gitignore` so it never dirties the work tree."""
    folder = root / CACHE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# compliance-gate cache and outputs; safe to delete\n*\n")
    return folder


def cache_key(parts: Sequence[str], engines: Mapping[str, str]) -> str:
    engine_part = ",".join(f"{k}={v}" for k, v in sorted(engines.items()))
    blob = "\x1f".join((*parts, engine_part)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(blob).hexdigest()


class ResultCache:
    """A key-value store of per-file outcomes. Not shared between processes while open."""

    def __init__(self, root: Path) -> None:
        self._db = sqlite3.connect(state_dir(root) / CACHE_FILE, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB NOT NULL)")

    def get_many(self, paths: Mapping[str, str]) -> dict[str, FileOutcome]:
        """The stored outcome of each key found, for the file `paths[key]` it was asked for."""
        keys = list(paths)
        out: dict[str, FileOutcome] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, value FROM results WHERE key IN ({marks})", chunk)  # noqa: S608 - only placeholders are interpolated
            for key, value in rows:
                out[key] = _decode(value, paths[key])
        return out

    def put_many(self, items: Iterable[tuple[str, FileOutcome]]) -> None:
        rows = [(k, _encode(o)) for k, o in items if o.error is None]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def _encode(o: FileOutcome) -> bytes:
    """No path is stored as it is: the file's own path (which may hold a card number) is left out
    and put back on reading, from the key's lookup; any other text is masked (`mask_labels`)."""
    findings = []
    for f in o.findings:
        own = f.path == o.path
        d = finding_to_dict(mask_labels(replace(f, path=None) if own else f))
        findings.append({**d, "own_path": own})
    return orjson.dumps({"findings": findings, "counts": dict(o.counts)})


def _decode(value: bytes, path: str) -> FileOutcome:
    d = orjson.loads(value)
    findings = tuple(
        replace(finding_from_dict(f), path=path) if f.get("own_path") else finding_from_dict(f) for f in d["findings"]
    )
    return FileOutcome(path, findings, d["counts"])
