"""Small helpers shared by the DuckDB staging modules: connection, quoting, file digests."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

READ_LINES = (
    "read_csv({src}, columns={{'text': 'VARCHAR'}}, delim=chr(1), quote='', escape='', "
    "header=false, auto_detect=false, strict_mode=false, "
    "compression='{comp}')"
)


def connect(temp_dir: Path, memory_limit_mb: int) -> Any:
    """An in-memory DuckDB that spills to `temp_dir` and keeps insertion order.

    Timestamps are handled as UTC epoch microseconds, so no time-zone setting is involved.
    """
    import duckdb

    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{memory_limit_mb}MB",
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": True,
        },
    )
    return con


def literal(value: str) -> str:
    """A SQL string literal (DuckDB table functions take constants, not parameters, for paths)."""
    return "'" + value.replace("'", "''") + "'"


def values_table(con: Any, name: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
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


def compression(path: Path) -> str:
    return "gzip" if path.name.endswith(".gz") else "none"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def read_lines_sql(path: Path) -> str:
    return READ_LINES.format(src=literal(str(path)), comp=compression(path))
