"""A zip of OSV records read fast: the central directory walked straight from the mapped file.

osv.dev's `PyPI/all.zip` holds tens of thousands of small members. `zipfile.ZipFile` builds a
`ZipInfo` per member when it opens (most of a second for 25,000) and seeks per `read()`; here the
central directory (zip64 included) is walked with `struct` over an mmap, and a member is one
slice, one inflate and one CRC check. Stored and deflated members are read this way; other
methods go through `zipfile`; encrypted or multi-disk archives are a `ZipProblem` naming the
member, never a silently skipped record.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
import zlib
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

MAX_RECORD = 64 << 20
"""No OSV record is this large; a member that inflates past it is refused (a zip bomb)."""
_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_LOCATOR64 = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_CENTRAL_FIELDS = struct.Struct("<HHHHIIIHHHHHII")  # from the version-needed field's end to the offset
_FULL32 = 0xFFFFFFFF


class ZipProblem(Exception):
    """The zip cannot be read as an export: not a zip, damaged, encrypted, or a bad member."""


class Member(NamedTuple):
    """Where one record sits: a zip member (local header `offset`, compressed `size`, `method`,
    `crc`), or a file of a directory export (`offset` -1). A tuple: an export has tens of
    thousands, built in a tight loop."""

    name: str
    offset: int = -1
    size: int = 0
    method: int = 0
    crc: int = 0

    def row(self) -> list[str | int]:
        return [self.name, self.offset, self.size, self.method, self.crc]

    @classmethod
    def from_row(cls, row: object) -> Member:
        """A member as `row()` wrote it (the warm cache); ValueError for anything else."""
        if not isinstance(row, list) or len(row) != 5:
            raise ValueError("not a member row")
        name, *numbers = row
        if not isinstance(name, str) or not all(isinstance(n, int) for n in numbers):
            raise ValueError("not a member row")
        offset, size, method, crc = (int(n) for n in numbers)
        return cls(name, offset, size, method, crc)


class ZipExport:
    """An open zip: `members()` lists its `.json` members, `read(member)` returns one's bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("rb")
        try:
            self._data = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            self._handle.close()
            raise ZipProblem(f"not a zip file ({exc})") from exc
        self._fallback: zipfile.ZipFile | None = None

    def __enter__(self) -> ZipExport:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._fallback is not None:
            self._fallback.close()
        self._data.close()
        self._handle.close()

    def members(self) -> list[Member]:
        try:
            return self._members()
        except (struct.error, IndexError, UnicodeDecodeError) as exc:
            raise ZipProblem(f"damaged central directory ({exc})") from exc

    def _members(self) -> list[Member]:
        data = self._data
        count, size, start, base = self._directory()
        out: list[Member] = []
        at = start
        for _ in range(count):
            if data[at : at + 4] != _CENTRAL:
                raise ZipProblem(f"damaged central directory at byte {at}")
            fields = _CENTRAL_FIELDS.unpack_from(data, at + 8)
            flags, method, crc, csize, usize = fields[0], fields[1], fields[4], fields[5], fields[6]
            name_len, extra_len, comment_len, offset = fields[7], fields[8], fields[9], fields[13]
            name = bytes(data[at + 46 : at + 46 + name_len]).decode("utf-8" if flags & 0x800 else "cp437")
            if _FULL32 in (csize, usize, offset):
                extra = bytes(data[at + 46 + name_len : at + 46 + name_len + extra_len])
                usize, csize, offset = _zip64_sizes(extra, usize, csize, offset, name)
            at += 46 + name_len + extra_len + comment_len
            if name.endswith("/") or not name.endswith(".json"):
                continue
            if flags & 0x1:
                raise ZipProblem(f"{name}: encrypted member")
            out.append(Member(name, offset + base, csize, method, crc))
        if at > start + size:
            raise ZipProblem("central directory larger than the archive says")
        return out

    def read(self, member: Member) -> bytes:
        try:
            return self._read(member)
        except struct.error as exc:
            raise ZipProblem(f"{member.name}: damaged ({exc})") from exc

    def _read(self, member: Member) -> bytes:
        if member.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return self._read_other(member)
        data, at = self._data, member.offset
        if data[at : at + 4] != _LOCAL:
            raise ZipProblem(f"{member.name}: bad local header")
        name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
        start = at + 30 + name_len + extra_len
        raw = data[start : start + member.size]
        if len(raw) != member.size:
            raise ZipProblem(f"{member.name}: truncated")
        if member.method == zipfile.ZIP_DEFLATED:
            try:
                inflater = zlib.decompressobj(-15)
                blob = inflater.decompress(raw, MAX_RECORD + 1)
            except zlib.error as exc:
                raise ZipProblem(f"{member.name}: {exc}") from exc
            if len(blob) > MAX_RECORD:
                raise ZipProblem(f"{member.name}: inflates past {MAX_RECORD >> 20} MiB")
        else:
            blob = raw
        if zlib.crc32(blob) != member.crc:
            raise ZipProblem(f"{member.name}: CRC mismatch")
        return blob

    def _read_other(self, member: Member) -> bytes:
        try:
            if self._fallback is None:
                self._fallback = zipfile.ZipFile(self.path)
            with self._fallback.open(member.name) as handle:
                blob = handle.read(MAX_RECORD + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, KeyError, EOFError) as exc:
            raise ZipProblem(f"{member.name}: {exc}") from exc
        if len(blob) > MAX_RECORD:
            raise ZipProblem(f"{member.name}: inflates past {MAX_RECORD >> 20} MiB")
        return blob

    def _directory(self) -> tuple[int, int, int, int]:
        """(entries, size, offset) of the central directory, from the (zip64) end record, and the
        number of bytes prepended to the archive (a self-extracting stub), which every offset skips."""
        data = self._data
        at = data.rfind(_EOCD, max(0, len(data) - 22 - 0xFFFF))
        if at < 0 or len(data) < at + 22:
            raise ZipProblem("not a zip file (no end of central directory)")
        disk, cd_disk, _, count, size, offset, _ = struct.unpack_from("<HHHHIIH", data, at + 4)
        if 0xFFFF in (count, disk) or _FULL32 in (size, offset):
            locator = at - 20
            if locator < 0 or data[locator : locator + 4] != _LOCATOR64:
                raise ZipProblem("zip64 archive without its end-of-directory locator")
            (end64,) = struct.unpack_from("<Q", data, locator + 8)
            if data[end64 : end64 + 4] != _EOCD64:
                raise ZipProblem("damaged zip64 end of central directory")
            disk, cd_disk = struct.unpack_from("<II", data, end64 + 16)
            count, size, offset = struct.unpack_from("<QQQ", data, end64 + 32)
            base = 0
        else:
            base = at - size - offset
        if disk or cd_disk:
            raise ZipProblem("multi-disk archives are not supported")
        if base < 0 or offset + base + size > len(data):
            raise ZipProblem("central directory outside the file (truncated archive?)")
        return count, size, offset + base, base


def _zip64_sizes(extra: bytes, usize: int, csize: int, offset: int, name: str) -> tuple[int, int, int]:
    """Sizes and offset from a member's zip64 extra field (only the ones the header left at 0xFFFFFFFF)."""
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, at)
        if kind == 0x0001:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, at + 4))
            if usize == _FULL32:
                usize = values.pop(0)
            if csize == _FULL32:
                csize = values.pop(0)
            if offset == _FULL32:
                offset = values.pop(0)
            return usize, csize, offset
        at += 4 + length
    raise ZipProblem(f"{name}: zip64 sizes missing")
