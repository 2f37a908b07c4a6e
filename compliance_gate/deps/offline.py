"""An offline OSV export: a directory or zip of OSV JSON records, such as osv.dev's `PyPI/all.zip`.

For air-gapped runners and for tests. The export's age is the newest `modified` among its
records; older than `max_age_days` at `now` is an error, so a forgotten export can never let a
release pass against last year's advisories. A record that is not valid JSON is an error naming
the file (never a silently smaller database).

Indexing reads every record once per export digest and keeps only where each PyPI package's
records sit (zip member offsets, or file names), their count and the newest `modified`; the
warm cache stores that index. A lookup then reads and parses just the records of the packages
it is asked about, so a run costs the export's digest plus a few hundred small reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from compliance_gate.deps.cache import AdvisoryCache
from compliance_gate.deps.errors import DatabaseError, StaleDatabaseError
from compliance_gate.deps.exportzip import Member, ZipExport, ZipProblem
from compliance_gate.deps.osv import Advisory, RecordError, parse_advisory, parse_time, pypi_packages, record_id
from compliance_gate.deps.source import Lookup, Query, SourceInfo

INDEX_FORMAT = "deps-export-index/2"  # bump when the index or the cache layout changes


class OsvExport:
    """`AdvisorySource` over a local export. `path` is a directory (searched recursively) or a zip.

    `shown` is how messages and the verdict name it (repo-relative where it lies in the repository).
    """

    def __init__(
        self, path: Path, *, max_age_days: int = 7, cache: Path | None = None, shown: str | None = None
    ) -> None:
        self.path = path
        self.shown = shown or str(path)
        self.max_age_days = max_age_days
        self._cache = AdvisoryCache(cache) if cache else None
        self._key = ""
        self._index: dict[str, list[Member]] | None = None
        self._zip: ZipExport | None = None

    def open(self, now: datetime) -> SourceInfo:
        where = self.shown
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
                blobs = {name: orjson.dumps([m.row() for m in members]) for name, members in self._index.items()}
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
        index = self._members_of(names)
        parsed: dict[str, Advisory] = {}  # a record naming two locked packages is read once
        per_name: dict[str, tuple[Advisory, ...]] = {}
        for name in sorted(names):
            advisories: list[Advisory] = []
            for member in index.get(name, ()):
                if member.name not in parsed:
                    parsed[member.name] = self._advisory(member)
                advisories.append(parsed[member.name])
            per_name[name] = tuple(advisories)
        candidates = {query: per_name[query[0]] for query in queries}
        return Lookup(candidates, {"records_read": len(parsed)})

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._cache is not None:
            self._cache.close()

    def _members_of(self, names: Iterable[str]) -> dict[str, list[Member]]:
        if self._index is not None:
            return self._index
        if not (self._cache and self._cache.usable):
            self._index = self._load()[0]  # the cache failed after `open`: never answer from half of it
            return self._index
        stored = self._cache.export_records(self._key, names)
        try:
            return {name: [Member.from_row(row) for row in orjson.loads(blob)] for name, blob in stored.items()}
        except (orjson.JSONDecodeError, TypeError, ValueError):
            self._index = self._load()[0]  # a damaged cache entry: read the export itself
            return self._index

    def _advisory(self, member: Member) -> Advisory:
        blob = self._read(member)
        try:
            return parse_advisory(orjson.loads(blob))
        except orjson.JSONDecodeError as exc:
            raise DatabaseError(f"{self.shown}:{member.name}: not a valid OSV JSON record ({exc})") from exc
        except RecordError as exc:
            raise DatabaseError(f"{self.shown}:{member.name}: {exc}") from exc

    def _read(self, member: Member) -> bytes:
        try:
            if self.path.is_file():
                if self._zip is None:
                    self._zip = ZipExport(self.path)
                return self._zip.read(member)
            return (self.path / member.name).read_bytes()
        except (OSError, ZipProblem) as exc:
            raise DatabaseError(
                f"{self.shown}: cannot read the OSV export: {exc}; was it changed during the run?"
            ) from exc

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
            raise DatabaseError(f"{self.shown}: cannot read the OSV export: {exc.strerror or exc}") from exc
        return f"{INDEX_FORMAT}:{digest.hexdigest()}"

    def _load(self) -> tuple[dict[str, list[Member]], datetime | None, int]:
        """Read every record once: where each PyPI package's records are, their count, the newest `modified`."""
        index: dict[str, list[Member]] = {}
        newest: datetime | None = None
        count = 0
        normalised: dict[str, str] = {}
        for member, blob in self._members():
            try:
                record: object = orjson.loads(blob)
            except orjson.JSONDecodeError as exc:
                raise DatabaseError(f"{self.shown}:{member.name}: not a valid OSV JSON record ({exc})") from exc
            if record_id(record) is None:
                raise DatabaseError(f"{self.shown}:{member.name}: not an OSV record (no `id`)")
            names = pypi_packages(record, normalised)
            if not names:
                continue
            count += 1
            modified = parse_time(record.get("modified") if isinstance(record, dict) else None)
            if modified and (newest is None or modified > newest):
                newest = modified
            for name in names:
                index.setdefault(name, []).append(member)
        return index, newest, count

    def _members(self) -> Iterator[tuple[Member, bytes]]:
        try:
            if self.path.is_file():
                with ZipExport(self.path) as archive:
                    for member in archive.members():
                        yield member, archive.read(member)
            else:
                for file in sorted(self.path.rglob("*.json")):
                    yield Member(file.relative_to(self.path).as_posix()), file.read_bytes()
        except (OSError, ZipProblem) as exc:
            raise DatabaseError(f"{self.shown}: cannot read the OSV export: {exc}") from exc
