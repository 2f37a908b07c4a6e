"""Every kind of tampering is detected and classified; untouched logs verify."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from auditlogs import read, reseal, write, write_log

from compliance_gate.auditlog.chain import Link, StreamVerifier
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs

KEY = b"chain-key-0123456789abcdef"
Records = list[dict[str, Any]]


def edit(r: Records) -> None:
    r[4]["amount"] = "999999"


def edit_and_rehash_one(r: Records) -> None:
    from compliance_gate.auditlog.canonical import record_hash

    r[4]["amount"] = "999999"
    r[4]["hash"] = record_hash(r[4], "sha256")


def delete(r: Records) -> None:
    del r[4]


def swap(r: Records) -> None:
    r[4], r[5] = r[5], r[4]


def move_far(r: Records) -> None:
    r.insert(8, r.pop(2))


def duplicate(r: Records) -> None:
    r.insert(5, copy.deepcopy(r[4]))


def fork(r: Records) -> None:
    extra = copy.deepcopy(r[4])
    extra["amount"] = "1"
    r.insert(6, extra)


def truncate(r: Records) -> None:
    del r[7:]


def reseal_plain(r: Records) -> None:
    r[4]["amount"] = "999999"
    reseal(r)


def reseal_wrong_key(r: Records) -> None:
    r[4]["amount"] = "999999"
    reseal(r, b"attacker-key-0123456789", "hmac-sha256")


CASES: list[tuple[str, Callable[[Records], None], bytes | None, set[str]]] = [
    ("edit", edit, None, {"CG-AUDIT-EDITED", "CG-AUDIT-UNVERIFIABLE"}),
    ("edit+rehash", edit_and_rehash_one, None, {"CG-AUDIT-LINK", "CG-AUDIT-UNVERIFIABLE"}),
    ("delete", delete, None, {"CG-AUDIT-GAP", "CG-AUDIT-UNVERIFIABLE"}),
    ("swap", swap, None, {"CG-AUDIT-REORDERED"}),
    ("move-far", move_far, None, {"CG-AUDIT-REORDERED"}),
    ("duplicate", duplicate, None, {"CG-AUDIT-DUPLICATE"}),
    ("fork", fork, None, {"CG-AUDIT-FORK"}),
    ("truncate-no-checkpoint", truncate, None, {"CG-AUDIT-NO-STOP"}),
    ("reseal-unkeyed-no-checkpoint", reseal_plain, None, set()),
    ("reseal-keyed-wrong-key", reseal_wrong_key, KEY, {"CG-AUDIT-EDITED", "CG-AUDIT-UNVERIFIABLE"}),
    ("reseal-keyed-as-plain", reseal_plain, KEY, {"CG-AUDIT-UNKEYED", "CG-AUDIT-UNVERIFIABLE"}),
]


@pytest.mark.parametrize(("name", "mutate", "key", "expected"), CASES, ids=[c[0] for c in CASES])
def test_tampering_is_classified(
    tmp_path: Path, name: str, mutate: Callable[[Records], None], key: bytes | None, expected: set[str]
) -> None:
    """Each tampering gives exactly its own rules (an unkeyed full re-seal needs a checkpoint)."""
    path = write_log(tmp_path / "a.jsonl", 10, key=key)
    records = read(path)
    mutate(records)
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig(key=key, require_keyed=key is not None))
    assert {p.rule for p in report.problems} == expected
    assert all(p.path == "a.jsonl" and p.line for p in report.problems)


def test_every_break_is_reported_and_runs_are_collapsed(tmp_path: Path) -> None:
    """Two separate edits give two findings; a keyed re-seal of the whole stream gives one range."""
    path = write_log(tmp_path / "a.jsonl", 10)
    records = read(path)
    records[2]["amount"] = "1"
    records[7]["amount"] = "2"
    write(path, records)
    report = verify_logs([("a.jsonl", path)], VerifyConfig())
    assert sorted(p.line or 0 for p in report.problems if p.rule == "CG-AUDIT-EDITED") == [3, 8]
    unverifiable = [p for p in report.problems if p.rule == "CG-AUDIT-UNVERIFIABLE"]
    assert len(unverifiable) == 1 and unverifiable[0].line == 3 and "10 record(s)" in unverifiable[0].message

    path2 = write_log(tmp_path / "b.jsonl", 50, key=KEY)
    recs = read(path2)
    reseal(recs, b"another-key-0123456789", "hmac-sha256")
    write(path2, recs)
    report = verify_logs([("b.jsonl", path2)], VerifyConfig(key=KEY, require_keyed=True))
    edited = [p for p in report.problems if p.rule == "CG-AUDIT-EDITED"]
    assert len(edited) == 1 and edited[0].properties["records"] == 52


def test_gap_reported_while_streaming_past_the_window() -> None:
    """A deletion is classified as a gap once the reorder window fills, not only at the end."""
    v = StreamVerifier("s", window=4)
    prev = "0" * 64
    links = []
    for seq in range(20):
        h = f"{seq:064x}"
        links.append(Link("f", seq + 1, seq, prev, h, h, "", seq))
        prev = h
    for link in links[:5] + links[6:]:
        v.feed(link)
    assert [b.rule for b in v.breaks] == ["CG-AUDIT-GAP"]
    v.finish()
    assert v.stats.unverifiable == 14 and v.stats.verified == 5


def test_stream_continues_across_files(tmp_path: Path) -> None:
    """A stream split over two files (rotation) verifies as one chain when both are given in order."""
    path = write_log(tmp_path / "a.jsonl", 10)
    lines = path.read_text().splitlines(keepends=True)
    (tmp_path / "a.1.jsonl").write_text("".join(lines[:6]))
    (tmp_path / "a.2.jsonl").write_text("".join(lines[6:]))
    files = [(n, tmp_path / n) for n in ("a.1.jsonl", "a.2.jsonl")]
    assert verify_logs(files, VerifyConfig()).problems == []
    assert {p.rule for p in verify_logs(files[1:], VerifyConfig()).problems} >= {"CG-AUDIT-GAP", "CG-AUDIT-NO-START"}
