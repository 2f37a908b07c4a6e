"""The offline OSV export: directory or zip, its age against `now`, broken exports, and the warm cache."""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from depsutil import FRESH, OSV_DIR, newest_modified

from compliance_gate.deps import DatabaseError, OsvExport, StaleDatabaseError
from compliance_gate.deps.exportzip import ZipExport, ZipProblem
from compliance_gate.deps.osv import parse_advisory, pypi_packages


def _zip(tmp_path: Path) -> Path:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for record in sorted(OSV_DIR.glob("*.json")):
            out.write(record, record.name)
    return archive


def _ids(export: OsvExport, name: str, version: str) -> set[str]:
    return {a.id for a in export.lookup([(name, version)]).candidates[(name, version)]}


def test_directory_and_zip_hold_the_same_records(tmp_path: Path) -> None:
    """A directory of OSV JSON files and a zip of them (as osv.dev's PyPI/all.zip) give the same records."""
    folder, archive = OsvExport(OSV_DIR), OsvExport(_zip(tmp_path))
    for export in (folder, archive):
        info = export.open(FRESH)
        assert (info.kind, info.records, info.newest) == ("offline", 20, newest_modified())
    assert (
        _ids(folder, "requests", "2.30.0")
        == _ids(archive, "requests", "2.30.0")
        == {
            "PYSEC-2023-74",
            "GHSA-j8r2-6x86-q33q",
            "PYSEC-2018-28",
            "GHSA-x84v-xcm2-53pg",
            "GHSA-9wx4-h78v-vm56",
            "PYSEC-2015-17",
        }
    )


@pytest.mark.parametrize(
    ("age_days", "max_age_days", "fresh"), [(6.9, 7, True), (7.1, 7, False), (29, 30, True), (31, 30, False)]
)
def test_the_export_age_is_its_newest_record(age_days: float, max_age_days: int, fresh: bool) -> None:
    """Older than max_age_days at `now` (newest `modified` as the age) is an error naming the age."""
    export = OsvExport(OSV_DIR, max_age_days=max_age_days)
    now = newest_modified() + timedelta(days=age_days)
    if fresh:
        assert export.open(now).newest == newest_modified()
    else:
        with pytest.raises(StaleDatabaseError, match=rf"{age_days:.1f} days old .*max_age_days \({max_age_days}\)"):
            export.open(now)


def test_a_new_record_makes_the_export_fresh(tmp_path: Path) -> None:
    """The age follows the records: one record modified at `now` makes an old export current."""
    shutil.copytree(OSV_DIR, tmp_path / "osv")
    now = newest_modified() + timedelta(days=400)
    with pytest.raises(StaleDatabaseError):
        OsvExport(tmp_path / "osv").open(now)
    record = json.loads((OSV_DIR / "PYSEC-2023-74.json").read_text())
    record["modified"] = (now - timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    (tmp_path / "osv" / "PYSEC-2023-74.json").write_text(json.dumps(record))
    assert OsvExport(tmp_path / "osv").open(now).newest == now - timedelta(hours=3)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such OSV export"),
        (lambda p: (p / "bad.json").write_text("{not json") and p, "bad.json: not a valid OSV JSON record"),
        (lambda p: (p / "x.json").write_text('{"id": "X-1", "affected": []}') and p, "no PyPI records"),
        (
            lambda p: (p / "all.zip").write_bytes(b"PK\x03\x04 truncated") and p / "all.zip",
            "cannot read the OSV export",
        ),
        (lambda p: (p / "list.json").write_text("[1, 2]") and p, "not an OSV record"),
    ],
)
def test_a_broken_export_is_an_error(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    """A missing, unreadable, empty or invalid export is an error, never a smaller database."""
    with pytest.raises(DatabaseError, match=message):
        OsvExport(make(tmp_path)).open(FRESH)


def test_warm_cache_answers_without_reading_the_export(tmp_path: Path) -> None:
    """The second run reads the index from the cache (same answer); changing the export invalidates it."""
    shutil.copytree(OSV_DIR, tmp_path / "osv")
    cache = tmp_path / ".compliance-gate" / "deps.sqlite3"
    cold = OsvExport(tmp_path / "osv", cache=cache)
    assert cold.open(FRESH).cache == "miss"
    warm = OsvExport(tmp_path / "osv", cache=cache)
    info = warm.open(FRESH)
    assert (info.cache, info.records, info.newest) == ("hit", 20, newest_modified())
    assert _ids(warm, "django", "4.2.2") == _ids(cold, "django", "4.2.2") == {"PYSEC-2023-100", "GHSA-jh3w-4vvf-mjgr"}
    record = json.loads((OSV_DIR / "GHSA-jh3w-4vvf-mjgr.json").read_text())
    record["id"] = "GHSA-test-0000-0000"
    (tmp_path / "osv" / "GHSA-test-0000-0000.json").write_text(json.dumps(record))
    changed = OsvExport(tmp_path / "osv", cache=cache)
    assert changed.open(FRESH).cache == "miss"
    assert "GHSA-test-0000-0000" in _ids(changed, "django", "4.2.2")


def test_an_unusable_cache_still_answers(tmp_path: Path) -> None:
    """A cache path that cannot be opened turns the cache off; the export is read directly."""
    (tmp_path / "cache").write_text("not a directory")
    export = OsvExport(OSV_DIR, cache=tmp_path / "cache" / "deps.sqlite3")
    assert export.open(FRESH).cache == "off"
    assert "PYSEC-2023-74" in _ids(export, "requests", "2.30.0")


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_corrupt_zip_member_is_an_error(tmp_path: Path, method: int) -> None:
    """A member whose bytes do not match its CRC is an error naming it, for stored and deflated members."""
    archive = tmp_path / "all.zip"
    record = (OSV_DIR / "PYSEC-2023-74.json").read_bytes()
    with zipfile.ZipFile(archive, "w", method) as out:
        out.writestr("PYSEC-2023-74.json", record)
    data = bytearray(archive.read_bytes())
    at = data.index(b"PYSEC-2023-74.json") + len("PYSEC-2023-74.json") + 40
    data[at] ^= 0x55
    archive.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="cannot read the OSV export"):
        OsvExport(archive).open(FRESH)


def test_the_index_answers_as_a_full_scan_does(tmp_path: Path) -> None:
    """For every package of the export, the index (cold, then from the warm cache) finds exactly the
    records that name it, parsed as reading the file directly parses them."""
    expected: dict[str, set[str]] = {}
    for path in sorted(OSV_DIR.glob("*.json")):
        record = json.loads(path.read_text())
        for name in pypi_packages(record):
            expected.setdefault(name, set()).add(parse_advisory(record).id)
    cache = tmp_path / "deps.sqlite3"
    for source in (_zip(tmp_path), OSV_DIR):
        for state in ("miss", "hit"):
            export = OsvExport(source, cache=cache)
            assert export.open(FRESH).cache == state
            found = export.lookup([(name, "0") for name in expected]).candidates
            assert {name: {a.id for a in found[(name, "0")]} for name in expected} == expected


def _members_via_zipfile(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as z:
        return {i.filename: z.read(i) for i in z.infolist() if i.filename.endswith(".json")}


def _members_via_export(archive: Path) -> dict[str, bytes]:
    with ZipExport(archive) as z:
        return {m.name: z.read(m) for m in z.members()}


def _zip64_end(data: bytes) -> bytes:
    """The same archive ended the zip64 way (end record + locator, the classic end record's fields
    at their 0xFFFF... markers), as writers do past 65,535 members or 4 GiB."""
    at = data.rfind(b"PK\x05\x06")
    _, _, on_disk, total, size, offset, _ = struct.unpack_from("<HHHHIIH", data, at + 4)
    end64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, on_disk, total, size, offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, at, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return data[:at] + end64 + locator + end


@pytest.mark.parametrize("shape", ["deflated", "stored", "zip64", "zip64-end", "prefixed", "bzip2", "lzma"])
def test_the_zip_reader_reads_what_zipfile_reads(tmp_path: Path, shape: str) -> None:
    """Members read from the mapped central directory equal `zipfile`'s, for zip64 archives, archives
    with a stub prepended, and methods read through `zipfile` (bzip2, lzma)."""
    archive = tmp_path / "all.zip"
    method = {"stored": zipfile.ZIP_STORED, "bzip2": zipfile.ZIP_BZIP2, "lzma": zipfile.ZIP_LZMA}.get(
        shape, zipfile.ZIP_DEFLATED
    )
    with zipfile.ZipFile(archive, "w", method) as out:
        out.writestr("README.txt", "not a record")
        for record in sorted(OSV_DIR.glob("*.json")):
            with out.open(f"PyPI/{record.name}", "w", force_zip64=shape == "zip64") as member:
                member.write(record.read_bytes())
    if shape == "prefixed":
        archive.write_bytes(b"#!/bin/sh\nexit 0\n" + archive.read_bytes())
    if shape == "zip64-end":
        archive.write_bytes(_zip64_end(archive.read_bytes()))
    expected = {f"PyPI/{p.name}": p.read_bytes() for p in OSV_DIR.glob("*.json")}
    if shape != "prefixed":
        assert _members_via_zipfile(archive) == expected
    assert _members_via_export(archive) == expected
    assert OsvExport(archive).open(FRESH).records == 20


def test_an_encrypted_member_is_an_error(tmp_path: Path) -> None:
    """A member flagged as encrypted cannot be read: an error naming it, never a skipped record."""
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("PYSEC-2023-74.json", (OSV_DIR / "PYSEC-2023-74.json").read_bytes())
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    archive.write_bytes(bytes(data))
    with pytest.raises(ZipProblem, match=r"PYSEC-2023-74\.json: encrypted"):
        _members_via_export(archive)
    with pytest.raises(DatabaseError, match="encrypted member"):
        OsvExport(archive).open(FRESH)


def test_a_damaged_cache_entry_is_not_trusted(tmp_path: Path) -> None:
    """A cache row that does not decode is ignored: the export itself answers."""
    cache = tmp_path / "deps.sqlite3"
    OsvExport(OSV_DIR, cache=cache).open(FRESH)
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE export_members SET members = ? WHERE package = 'requests'", (b"[[1, 2]]",))
    export = OsvExport(OSV_DIR, cache=cache)
    assert export.open(FRESH).cache == "hit"
    assert "PYSEC-2023-74" in _ids(export, "requests", "2.30.0")
