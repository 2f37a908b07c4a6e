"""Small helpers shared by the DuckDB staging modules: connection, quoting, file digests."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance_gate.errors import InputError
from compliance_gate.replay.extra import MissingExtra

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection as Connection

READ_LINES = (
    "read_csv({src}, columns={{'text': 'VARCHAR'}}, delim=chr(1), quote='', escape='', "
    "header=false, auto_detect=false, strict_mode=false, "
    "compression='{comp}')"
)


DUCKDB_SHARE = 0.75
"""DuckDB's share of the replay's memory budget; the rest is for Python (the fold of irregular
payments, one finding object per break) and for what DuckDB allocates outside its buffer pool."""
BYTES_PER_INPUT_BYTE = 1.5
"""DuckDB's working set needs no more than about 1.5x the (decompressed) events file: its limit is
that, within the budget's share, so a small replay leaves the machine's memory alone (DuckDB
spills the tables it is not using to the temp folder) and a large one gets the whole share."""
MIN_DUCKDB_MB = 256
GZIP_RATIO = 6  # a gzip'd JSON Lines recording is about 6x larger decompressed


@contextlib.contextmanager
def spill_dir(temp_dir: str, prefix: str) -> Iterator[Path]:
    """A fresh folder for DuckDB to spill to, inside `temp_dir` (the policy's) or the system's temp dir."""
    if temp_dir and not Path(temp_dir).is_dir():
        raise InputError(f"checks.replay.temp_dir: {temp_dir} is not a folder; create it or leave the key out")
    with tempfile.TemporaryDirectory(prefix=prefix, dir=temp_dir or None) as tmp:
        yield Path(tmp)


def connect(temp_dir: Path, memory_limit_mb: int, input_bytes: int = 0) -> Connection:
    """An in-memory DuckDB that spills to `temp_dir` and keeps insertion order. Its memory limit
    is `DUCKDB_SHARE` of the budget `memory_limit_mb`, or less for an input of `input_bytes`
    (`duckdb_limit_mb`).

    Timestamps are handled as UTC epoch microseconds, so no time-zone setting is involved.
    """
    try:
        import duckdb
    except ImportError:
        raise MissingExtra("duckdb") from None

    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{duckdb_limit_mb(memory_limit_mb, input_bytes)}MiB",
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": True,
        },
    )
    return con


def duckdb_limit_mb(memory_limit_mb: int, input_bytes: int = 0) -> int:
    """DuckDB's memory limit in MiB: its share of the budget, or what an input of `input_bytes`
    needs if that is less (0: unknown, the whole share)."""
    share = int(memory_limit_mb * DUCKDB_SHARE)
    if input_bytes <= 0:
        return share
    return min(share, max(MIN_DUCKDB_MB, int(input_bytes * BYTES_PER_INPUT_BYTE / 2**20)))


def input_size(path: Path) -> int:
    """The events file's size as DuckDB will hold it: decompressed (estimated for gzip)."""
    size = path.stat().st_size
    return size * GZIP_RATIO if path.name.endswith(".gz") else size


def iso_from_us(us: int) -> str:
    """A UTC epoch-microseconds timestamp (as staged) in ISO 8601 with a Z."""
    return dt.datetime.fromtimestamp(us / 1_000_000, dt.UTC).isoformat().replace("+00:00", "Z")


def fetch_rows(cur: Connection, batch: int = 20000) -> Iterator[tuple[Any, ...]]:
    """The rows of the query `cur` ran, fetched in batches so a large result is never held whole."""
    while rows := cur.fetchmany(batch):
        yield from rows


def literal(value: str) -> str:
    """A SQL string literal (DuckDB table functions take constants, not parameters, for paths)."""
    return "'" + value.replace("'", "''") + "'"


def values_table(con: Connection, name: str, columns: str, rows: Sequence[tuple[str | int, ...]]) -> None:
    """Create table `name` from literal rows in one statement (executemany is slow in DuckDB)."""
    con.execute(f"CREATE OR REPLACE TABLE {name}({columns})")
    if rows:
        body = ", ".join(
            "(" + ", ".join(literal(v) if isinstance(v, str) else str(int(v)) for v in row) + ")" for row in rows
        )
        con.execute(f"INSERT INTO {name} VALUES {body}")


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def json_path(dotted: str) -> str:
    """`data.object.amount` -> `$."data"."object"."amount"` (each key quoted)."""
    return "$." + ".".join('"' + part.replace('"', '\\"') + '"' for part in dotted.split("."))


def number_re(dotted: str) -> str:
    """A SQL regex literal capturing the raw text of the JSON number under the last key of `dotted`
    (re-read from the line where a double may have lost digits)."""
    return literal(f'"{dotted.split(".")[-1]}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)')


def csv_select(con: Connection, path: Path, display: str, columns: Mapping[str, str]) -> str:
    """SQL reading a CSV file with a header row as text: `line`, `ok`, then per name the column
    `columns` maps it to, NULL where the file has no such column."""
    src = f"read_csv({literal(str(path))}, all_varchar=true, header=true, strict_mode=false)"
    try:
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
    except Exception as exc:  # duckdb raises its own error classes for unreadable CSV
        raise InputError(f"{display}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    cols = ", ".join(
        f"{ident(col)} AS {ident(name)}" if col and col in present else f"NULL AS {ident(name)}"
        for name, col in columns.items()
    )
    # line 1 is the header; quoted multi-line fields would shift this, so messages say "row"
    return f"SELECT row_number() OVER () + 1 AS line, true AS ok, {cols} FROM {src}"


def compression(path: Path) -> str:
    return "gzip" if path.name.endswith(".gz") else "none"


def sha256_file(path: Path) -> str:
    return scan_file(path, count_lines=False).sha256


@dataclass(frozen=True, slots=True)
class FileScan:
    """A file's digest and, of its (decompressed) text, the line count and whether a lone CR occurs."""

    sha256: str
    lines: int
    lone_cr: bool


def scan_file(path: Path, count_lines: bool = True) -> FileScan:
    """One pass over the bytes (hashlib and zlib release the GIL, so this can run beside DuckDB)."""
    h = hashlib.sha256()
    counter = _LineCounter()
    plain = count_lines and not path.name.endswith(".gz")
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            if plain:
                counter.add(chunk)
    if count_lines and not plain:
        with gzip.open(path, "rb") as gz:
            while chunk := gz.read(1 << 20):
                counter.add(chunk)
    return FileScan(h.hexdigest(), counter.lines(), counter.crs != counter.crlfs)


class _LineCounter:
    def __init__(self) -> None:
        self.newlines = self.crs = self.crlfs = 0
        self.last = b""

    def add(self, chunk: bytes) -> None:
        self.newlines += chunk.count(b"\n")
        self.crs += chunk.count(b"\r")
        self.crlfs += chunk.count(b"\r\n") + (self.last == b"\r" and chunk[:1] == b"\n")
        self.last = chunk[-1:]

    def lines(self) -> int:
        """Lines as a reader numbers them: a last line without its newline still counts."""
        return self.newlines + (self.last not in (b"", b"\n"))


def read_lines_sql(path: Path) -> str:
    return READ_LINES.format(src=literal(str(path)), comp=compression(path))
