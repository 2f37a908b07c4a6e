"""Lines come out numbered and bounded, from plain or gzip files, with the on-disk digest."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from compliance_gate.auditlog import reader
from compliance_gate.auditlog.reader import LogReader


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_lines_numbers_and_digest(tmp_path: Path, compress: bool) -> None:
    """Blank lines are skipped but counted, CRLF and a missing final newline are fine."""
    data = b'{"a":1}\r\n\n{"a":2}\n  \n{"a":3}'
    path = tmp_path / "log.jsonl"
    path.write_bytes(gzip.compress(data) if compress else data)
    r = LogReader(path, 1024)
    got = [(n, line.strip() if line else line) for n, line in r]
    assert got == [(1, b'{"a":1}'), (3, b'{"a":2}'), (5, b'{"a":3}')]
    assert r.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert r.compressed is compress


@pytest.mark.parametrize("size", [5000, 3 * 4096 + 7])
def test_huge_line_is_reported_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """A line over the limit yields None in its place, across chunk boundaries, then reading goes on."""
    monkeypatch.setattr(reader, "CHUNK_BYTES", 4096)
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a":1}\n' + b"x" * size + b'\n{"a":2}\n' + b"y" * size)
    assert list(LogReader(path, 1024)) == [(1, b'{"a":1}'), (2, None), (3, b'{"a":2}'), (4, None)]
