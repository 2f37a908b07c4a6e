"""An offline OSV export: a directory or zip of OSV JSON records, such as osv.dev's `PyPI/all.zip`.

For air-gapped runners and for tests. The export's age is the newest `modified` among its
records; older than `max_age_days` at `now` is an error, so a forgotten export can never let a
release pass against last year's advisories. A record that is not valid JSON is an error naming
the file (never a silently smaller database). Records are indexed by PyPI package once per
export digest and kept in the warm cache when one is given.
"""

from __future__ import annotations

import hashlib
import mmap
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from compliance_gate.deps.cache import AdvisoryCache
from compliance_gate.deps.errors import DatabaseError, StaleDatabaseError
from compliance_gate.deps.osv import Advisory, RecordError, parse_advisory, parse_time, pypi_packages, slim
from compliance_gate.deps.source import Lookup, Query, SourceInfo

INDEX_FORMAT = "deps-export-index/1"  # bump when `osv.slim` or the cache layout changes


class OsvExport:
    """`AdvisorySource` over a local export. `path` is a directory (searched recursively) or a zip."""

    def __init__(self, path: Path, *, max_age_days: int = 7, cache: Path | None = None) -> None:
        self.path = path
        self.max_age_days = max_age_days
        self._cache = AdvisoryCache(cache) if cache else None
        self._key = ""
        self._index: dict[str, list[dict[str, Any]]] | None = None

    def open(self, now: datetime) -> SourceInfo:
        where = str(self.path)
        if not self.path.exists():
            raise DatabaseError(f"{where}: no such OSV export (checks.deps.database); download one or fix the path")
        self._key = self._digest()
        meta = self._cache.export_meta(self._key) if self._cache else None
        state = "hit" if meta else ("miss" if self._cache and self._cache.usable else "off")
        if meta:
            newest, count = meta
        else:
            self._index, newest, count = self._load()
            if self._cache:
                blobs = {name: orjson.dumps(slims) for name, slims in self._index.items()}
                self._cache.store_export(self._key, newest, count, blobs)
        if count == 0:
            raise DatabaseError(f"{where}: the OSV export holds no PyPI records; is it the PyPI ecosystem's export?")
        if newest is None:
            raise DatabaseError(f"{where}: no record has a `modified` time, so the export's age is unknown")
        if now - newest > timedelta(days=self.max_age_days):
            raise StaleDatabaseError(where, newest, now, self.max_age_days)
        return SourceInfo("offline", where, count, newest, self._key.removeprefix(f"{INDEX_FORMAT}:"), state)

    def lookup(self, queries: Sequence[Query]) -> Lookup:
        names = {name for name, _ in queries}
        stored = self._cache.export_records(self._key, names) if self._cache and self._index is None else {}
        if self._index is None and not (self._cache and self._cache.usable):
            self._index = self._load()[0]  # the cache failed after `open`: never answer from half of it
        per_name: dict[str, tuple[Advisory, ...]] = {}
        for name in names:
            if self._index is not None:
                records = self._index.get(name, [])
            else:
                records = orjson.loads(stored[name]) if name in stored else []
            per_name[name] = tuple(self._advisory(record) for record in records)
        candidates = {query: per_name[query[0]] for query in queries}
        return Lookup(candidates, {"records_read": sum(len(v) for v in per_name.values())})

    def _advisory(self, record: dict[str, Any]) -> Advisory:
        try:
            return parse_advisory(record)
        except RecordError as exc:
            raise DatabaseError(f"{self.path}: {exc}") from exc

    def _digest(self) -> str:
        """What identifies this export's content: the zip's sha256, or a directory's names, sizes and mtimes."""
        digest = hashlib.sha256()
        try:
            if self.path.is_file():
                with self.path.open("rb") as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
            else:
                for file in sorted(self.path.rglob("*.json")):
                    stat = file.stat()
                    digest.update(
                        f"{file.relative_to(self.path).as_posix()}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\n".encode()
                    )
        except OSError as exc:
            raise DatabaseError(f"{self.path}: cannot read the OSV export: {exc.strerror or exc}") from exc
        return f"{INDEX_FORMAT}:{digest.hexdigest()}"

    def _load(self) -> tuple[dict[str, list[dict[str, Any]]], datetime | None, int]:
        index: dict[str, list[dict[str, Any]]] = {}
        newest: datetime | None = None
        count = 0
        for member, blob in self._members():
            try:
                record = orjson.loads(blob)
            except orjson.JSONDecodeError as exc:
                raise DatabaseError(f"{self.path}:{member}: not a valid OSV JSON record ({exc})") from exc
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise DatabaseError(f"{self.path}:{member}: not an OSV record (no `id`)")
            names = pypi_packages(record)
            if not names:
                continue
            count += 1
            modified = parse_time(record.get("modified"))
            if modified and (newest is None or modified > newest):
                newest = modified
            kept = slim(record)
            for name in names:
                index.setdefault(name, []).append(kept)
        return index, newest, count

    def _members(self) -> Iterator[tuple[str, bytes]]:
        try:
            if self.path.is_file():
                yield from _zip_members(self.path)
            else:
                for file in sorted(self.path.rglob("*.json")):
                    yield file.relative_to(self.path).as_posix(), file.read_bytes()
        except (OSError, zipfile.BadZipFile, zlib.error, struct.error) as exc:
            raise DatabaseError(f"{self.path}: cannot read the OSV export: {exc}") from exc


def _zip_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """The `.json` members of a zip, CRC-checked. Stored and deflated members are read straight from
    the mapped file (tens of thousands of small members: `ZipFile.read` per member costs more than
    the inflating); anything else goes through `zipfile`."""
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            for info in archive.infolist():
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                plain = info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) and not info.flag_bits & 1
                if not plain:
                    yield info.filename, archive.read(info)
                    continue
                at = info.header_offset
                if data[at : at + 4] != b"PK\x03\x04":
                    raise zipfile.BadZipFile(f"{info.filename}: bad local header")
                name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
                start = at + 30 + name_len + extra_len
                raw = data[start : start + info.compress_size]
                blob = zlib.decompress(raw, -15) if info.compress_type == zipfile.ZIP_DEFLATED else raw
                if zlib.crc32(blob) != info.CRC:
                    raise zipfile.BadZipFile(f"{info.filename}: CRC mismatch")
                yield info.filename, blob
        finally:
            data.close()
