"""The warm advisory cache: one SQLite file, safe to delete, that never changes an answer.

Offline, an export is indexed once per content digest (the zip's sha256, or a directory's file
names, sizes and mtimes): where each package's records sit in it, its record count and newest
`modified`, so a warm run reads only the records of the packages it audits. Online, each record is kept under its id and
`modified` time, so only new or changed advisories are fetched again. Any SQLite error turns the
cache off for the rest of the run; the answer is then computed without it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from compliance_gate.deps.osv import parse_time

SCHEMA = """
CREATE TABLE IF NOT EXISTS export_meta (key TEXT PRIMARY KEY, newest TEXT, records INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS export_members (key TEXT NOT NULL, package TEXT NOT NULL, members BLOB NOT NULL,
                                           PRIMARY KEY (key, package));
CREATE TABLE IF NOT EXISTS api_records (id TEXT NOT NULL, modified TEXT NOT NULL, record BLOB NOT NULL,
                                        PRIMARY KEY (id, modified));
"""


class AdvisoryCache:
    def __init__(self, path: Path) -> None:
        self._db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError):
            self._db = None

    @property
    def usable(self) -> bool:
        return self._db is not None

    def export_meta(self, key: str) -> tuple[datetime | None, int] | None:
        rows = self._query("SELECT newest, records FROM export_meta WHERE key = ?", (key,))
        return (parse_time(rows[0][0]), int(str(rows[0][1]))) if rows else None

    def export_records(self, key: str, packages: Iterable[str]) -> dict[str, bytes]:
        """Each package's index entry (where its records sit in the export), as `store_export` got it."""
        names = sorted(set(packages))
        out: dict[str, bytes] = {}
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT package, members FROM export_members WHERE key = ? AND package IN ({marks})"  # noqa: S608 - placeholders only
            out.update((str(name), _blob(blob)) for name, blob in self._query(sql, (key, *chunk)))
        return out

    def store_export(self, key: str, newest: datetime | None, records: int, index: Mapping[str, bytes]) -> None:
        """Replace any earlier export's index with this one (one export per cache file is the common case)."""

        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM export_members")
            db.execute("DELETE FROM export_meta")
            db.executemany("INSERT INTO export_members VALUES (?, ?, ?)", ((key, n, b) for n, b in index.items()))
            db.execute(
                "INSERT INTO export_meta VALUES (?, ?, ?)", (key, newest.isoformat() if newest else None, records)
            )

        self._write(write)

    def api_records(self, wanted: Sequence[tuple[str, str]]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for ident, modified in wanted:
            rows = self._query("SELECT record FROM api_records WHERE id = ? AND modified = ?", (ident, modified))
            if rows:
                out[ident] = _blob(rows[0][0])
        return out

    def store_api_records(self, items: Iterable[tuple[str, str, bytes]]) -> None:
        rows = list(items)
        self._write(lambda db: db.executemany("INSERT OR REPLACE INTO api_records VALUES (?, ?, ?)", rows))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _query(self, sql: str, params: Sequence[object]) -> list[tuple[object, ...]]:
        if self._db is None:
            return []
        try:
            return list(self._db.execute(sql, params))
        except sqlite3.Error:
            self.close()
            return []

    def _write(self, action: Callable[[sqlite3.Connection], object]) -> None:
        if self._db is None:
            return
        try:
            with self._db:
                action(self._db)
        except sqlite3.Error:
            self.close()


def _blob(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
