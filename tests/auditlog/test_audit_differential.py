"""Every shortcut of the verifier reports exactly what the plain way reports, on random logs.

The shortcuts: runs of intact records linked in one step, leaks scanned only on the lines the
prefilter suspects, blocks cut anywhere and analysed in worker processes. (These tests replaced
a comparison with the previous line-by-line verifier: equal on over 1,000 random logs of this kind.)"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import hashlib
import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from test_leaks import PAN, SECRET

from compliance_gate.auditlog import analyse, parallel
from compliance_gate.auditlog.canonical import record_hash
from compliance_gate.auditlog.chain import StreamVerifier
from compliance_gate.auditlog.schema import RecordSchema
from compliance_gate.auditlog.verify import VerifyConfig, verify_logs
from compliance_gate.bundled import policies_dir
from compliance_gate.pii.hit import ScanOptions

KEY = b"differential-key-0123456789"
SPACED = " ".join(PAN[i : i + 4] for i in range(0, 16, 4))


def _iban() -> str:
    body = "500105175407324931"
    check = 98 - int("".join(str(int(c, 36)) for c in body + "DE00")) % 97
    return f"DE{check:02d}{body}"


LEAKS: list[tuple[str, Any]] = [
    ("note", f"card {PAN} declined"),
    ("note", f"card {SPACED}"),
    ("note", "card 453201******0366"),
    ("note", f"iban {_iban()}"),
    ("note", "ssn 536-22-8174"),
    ("ssn", "536228174"),
    ("note", "mail alice.smith@corp-mail.io"),
    ("note", "AKIA" + "ABCDEFGHIJKLMNOP"),
    ("jwt", "eyJ" + "a" * 10 + ".eyJ" + "b" * 10 + "." + "c" * 10),
    ("k", "-----BEGIN RSA PRIVATE KEY-----"),
    ("password", SECRET),
    ("api_key", "****"),
    ("stripe_client_secret", SECRET),
    ("cvv", "123"),
    ("card", {"pin_block": "x", "n": [{"track2": "y"}]}),
    ("gpio_pin", 4),
    ("amount_float", 12.5),
    ("big", 2**60),
    ("Ünïcode_key", "x"),
    ("esc", 'quote " and \\u00e9 \u00e9'),
    ("ts", 1732179208123),
    ("nested", [[{"password": SECRET}]]),
    ("note", "gh" + "p_" + "A" * 36),
    ("seq_like", 123456789),
    ("note", "xox" + "b-1234567890abc"),
    ("token", "sk" + "_live_" + "a" * 20),
    ("pan_num", int(PAN)),
    ("note", "tel 415-555-2671"),
    ("note", f"glued x{PAN}"),
    ("hash_note", "4" * 64),
]


def reseal(records: list[dict[str, Any]], key: bytes | None = None, alg: str = "sha256") -> None:
    """Chain `records` afresh; one that cannot be canonicalised (an integer beyond 2^53) gets a dummy hash."""
    prev = "0" * 64
    for seq, rec in enumerate(records):
        rec.update(seq=seq, prev_hash=prev, hash_alg=alg)
        rec["hash"] = prev = _hash(rec, alg, key)


def _hash(rec: dict[str, Any], alg: str, key: bytes | None) -> str:
    try:
        return record_hash(rec, alg, key)
    except ValueError:
        return "e" * 64


def _records(rng: random.Random, n: int, stream: str) -> list[dict[str, Any]]:
    records = []
    for i in range(n):
        cat = (
            "log.start"
            if i == 0
            else "log.stop"
            if i == n - 1
            else rng.choice(["payment.state_change", "chd.access", "admin.action"])
        )
        rec: dict[str, Any] = {
            "event": "changed",
            "level": "info",
            "category": cat,
            "actor": f"user:u{i % 7}",
            "outcome": "success",
            "origin": f"10.0.{i % 256}.1",
            "target": f"payment:pay_{i}",
            "timestamp": f"2026-11-21T08:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}000Z",
        }
        if cat == "payment.state_change":
            rec.update(
                payment_id=f"pay_{i % 40}",
                source_event_id=f"evt_{i % 50}",
                from_status="authorized",
                to_status="succeeded",
                amount=str(100 + i),
                currency="EUR",
            )
        if rng.random() < 0.15:
            key, value = rng.choice(LEAKS)
            rec[key] = copy.deepcopy(value)
        rec["stream"] = stream
        records.append(rec)
    reseal(records)
    return records


def _tamper(rng: random.Random, records: list[dict[str, Any]]) -> None:
    for _ in range(rng.randrange(1, 6)):
        if len(records) < 5:
            return
        i = rng.randrange(1, len(records) - 2)
        kind = rng.choice(
            [
                "edit",
                "delete",
                "swap",
                "move",
                "move_back",
                "duplicate",
                "fork",
                "alg",
                "hmac",
                "unchain",
                "reseal",
                "truncate",
            ]
        )
        if kind == "edit":
            records[i]["outcome"] = "failure"
        elif kind == "delete":
            del records[i]
        elif kind == "swap":
            records[i], records[i + 1] = records[i + 1], records[i]
        elif kind == "move":
            records.insert(min(len(records), i + rng.choice([3, 40])), records.pop(i))
        elif kind == "move_back":
            records.insert(max(1, i - rng.choice([3, 40])), records.pop(i))
        elif kind == "duplicate":
            records.insert(i, copy.deepcopy(records[i]))
        elif kind == "fork":
            records.insert(i + 1, {**copy.deepcopy(records[i]), "outcome": "failure"})
        elif kind == "alg":
            records[i]["hash_alg"] = rng.choice(["md5", 7, "x" * 40])
        elif kind == "hmac":
            records[i]["hash_alg"] = "hmac-sha256"
            records[i]["hash"] = _hash(records[i], "hmac-sha256", KEY)
        elif kind == "unchain":
            records[i].pop(rng.choice(["seq", "prev_hash", "stream"]), None)
        elif kind == "reseal":
            tail = records[i:]
            reseal(tail)
            for rec in tail:
                rec["seq"] += i
        else:
            del records[i:]


def _write(rng: random.Random, path: Path, streams: list[list[dict[str, Any]]]) -> None:
    lines = []
    for records in streams:
        compact = rng.random() < 0.5
        for rec in records:
            lines.append(orjson.dumps(rec).decode() if compact else json.dumps(rec))
    junk = [
        "{broken " + PAN,
        "[1, 2]",
        "   ",
        "",
        "x" * 700,
        '"just a string"',
        '{"password": "' + SECRET + '"}',
        "\t",
        '{"a": 1}\r',
        "AKIA" + "QWERTYUIOPASDFGH" + " in prose",
    ]
    for _ in range(rng.randrange(3, 9)):
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(junk))
    path.write_text("\n".join(lines) + rng.choice(["\n", ""]))


def _config(rng: random.Random, streams: list[list[dict[str, Any]]], **extra: Any) -> VerifyConfig:
    pins: dict[str, dict[int, str]] = {}
    for records in streams:
        chained = [r for r in records if isinstance(r.get("seq"), int) and "hash" in r and "stream" in r]
        if chained and rng.random() < 0.7:
            pick = rng.choice(chained)
            pins[str(pick["stream"])] = {pick["seq"]: pick["hash"] if rng.random() < 0.6 else "0" * 64, 10**6: "f" * 64}
    keyed = rng.random() < 0.3
    return VerifyConfig(
        schema=RecordSchema(policies_dir() / "schemas/audit-record.schema.json"),
        key=KEY if keyed or rng.random() < 0.3 else None,
        require_keyed=keyed,
        pins=pins,
        pii_options=ScanOptions(),
        collect_state_changes=True,
        max_line_bytes=600,
        window=rng.choice([1, 8, 1024]),
        one_stream_per_file=rng.random() < 0.8,
        **extra,
    )


def _summary(report: Any) -> Any:
    problems = sorted(
        (
            p.rule,
            p.path,
            p.line,
            p.message,
            hashlib.sha256(p.content.encode()).hexdigest(),
            p.excerpt,
            json.dumps(dict(p.properties), sort_keys=True),
        )
        for p in report.problems
    )
    streams = {name: (repr(v.stats), [repr(b) for b in v.breaks]) for name, v in report.streams.items()}
    states = {k: dataclasses.astuple(v) for k, v in report.state_changes.items()}
    return problems, streams, states, [dataclasses.astuple(f) for f in report.files], report.records


def _case(tmp_path: Path, seed: int) -> tuple[list[tuple[str, Path]], VerifyConfig]:
    """Streams split over 1-3 files (some gzip), tampered, with leaks and junk; a random policy."""
    rng = random.Random(seed)
    streams = [_records(rng, rng.randrange(5, 300), f"s{k}") for k in range(rng.choice([1, 2, 3]))]
    for records in streams:
        _tamper(rng, records)
    count = rng.choice([1, 1, 2, 3])
    per_file: list[list[list[dict[str, Any]]]] = [[] for _ in range(count)]
    for records in streams:
        cuts = [0, *sorted(rng.randrange(len(records) + 1) for _ in range(count - 1)), len(records)]
        for i in range(count):
            per_file[i].append(records[cuts[i] : cuts[i + 1]])
    files = []
    for i, chunk in enumerate(per_file):
        path = tmp_path / f"{seed}-{i}.jsonl"
        _write(rng, path, chunk)
        if rng.random() < 0.3:
            path.write_bytes(gzip.compress(path.read_bytes()))
        files.append((f"log{i}.jsonl", path))
    config = dataclasses.replace(
        _config(rng, streams),
        max_line_bytes=rng.choice([600, 1 << 20]),
        secrets=rng.random() < 0.8,
        require_start_stop=rng.random() < 0.8,
        collect_state_changes=rng.random() < 0.7,
    )
    return files, config


@pytest.mark.parametrize("seed", range(30))
def test_runs_are_linked_like_single_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Linking a run of intact records in one step reports what linking them one by one reports."""
    files, config = _case(tmp_path, seed)
    monkeypatch.setattr(parallel, "RANGE_BYTES", random.Random(seed).choice([500, 3000, 1 << 20]))
    fast = _summary(verify_logs(files, config))
    monkeypatch.setattr(StreamVerifier, "feed_run", lambda *args: False)  # every run fed record by record
    assert fast == _summary(verify_logs(files, config))


@pytest.mark.parametrize("seed", range(30))
def test_prefilter_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Scanning only the lines the prefilter suspects reports what scanning every line reports."""
    files, config = _case(tmp_path, seed)
    fast = _summary(verify_logs(files, config))
    monkeypatch.setattr(analyse, "suspect_lines", lambda data, *_: set(range(1, data.count(b"\n") + 2)))
    assert fast == _summary(verify_logs(files, config))


def test_workers_and_block_edges_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks cut anywhere and analysed in worker processes report what one block in-process does."""
    cases = [_case(tmp_path, seed) for seed in range(100, 106)]
    whole = [_summary(verify_logs(files, config)) for files, config in cases]
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "RANGE_BYTES", 2000)
    for (files, config), expected in zip(cases, whole, strict=True):
        assert _summary(verify_logs(files, dataclasses.replace(config, workers=2))) == expected
