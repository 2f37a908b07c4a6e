"""All three generators: determinism, kcat and gzip forms, no card-number look-alikes, the API."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import recfold

from compliance_gate.pii import ScanOptions, scan_text
from compliance_gate.testing.recordings import adyen, debezium, stripe
from compliance_gate.testing.recordings.common import eu_offset_hours, major, new_rng, pan_like, uuid4
from compliance_gate.testing.recordings.expected import Expected

PROVIDERS = {"stripe": stripe, "adyen": adyen, "debezium": debezium}


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize(("kcat", "gz"), [(False, False), (True, True)], ids=["plain", "kcat-gzip"])
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, name: str, kcat: bool, gz: bool) -> None:
    """Every file, gzip included, is byte-identical for one seed; another seed changes the events."""
    mod: ModuleType = PROVIDERS[name]
    faults = {k: 1 for k in mod.FAULTS}
    a = mod.generate(tmp_path / "a", payments=300, seed=3, faults=faults, kcat=kcat, gzip=gz)
    b = mod.generate(tmp_path / "b", payments=300, seed=3, faults=faults, kcat=kcat, gzip=gz)
    c = mod.generate(tmp_path / "c", payments=300, seed=4, faults=faults, kcat=kcat, gzip=gz)
    assert a == b and _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a")[a.events] != _files(tmp_path / "c")[c.events]
    assert a.events.endswith(".gz") == gz


@pytest.mark.parametrize("name", PROVIDERS)
def test_kcat_envelopes_wrap_the_same_payloads_with_offsets(tmp_path: Path, name: str) -> None:
    """kcat -C -J: payload is the JSON as a string (null for a tombstone), offsets count up per
    partition, and the payloads are those of the plain recording of the same seed."""
    mod: ModuleType = PROVIDERS[name]
    plain = mod.generate(tmp_path / "plain", payments=300, seed=9)
    wrapped = mod.generate(tmp_path / "kcat", payments=300, seed=9, kcat=True, gzip=True)
    with gzip.open(tmp_path / "kcat" / wrapped.events, "rt") as fh:
        envelopes = [json.loads(line) for line in fh]
    assert all(set(e) == recfold.KCAT_KEYS for e in envelopes)
    assert all(e["tstype"] == "create" and isinstance(e["ts"], int) for e in envelopes)
    offsets: dict[int, list[int]] = {}
    for e in envelopes:
        offsets.setdefault(e["partition"], []).append(e["offset"])
    assert all(v == list(range(len(v))) for v in offsets.values())
    unwrapped = [r.payload for r in recfold.read_records(tmp_path / "kcat" / wrapped.events)]
    assert unwrapped == [r.payload for r in recfold.read_records(tmp_path / "plain" / plain.events)]
    if name == "debezium":
        assert any(e["payload"] is None for e in envelopes)
        assert all(json.loads(e["key"])["payload"]["id"] for e in envelopes)


@pytest.mark.parametrize("name", PROVIDERS)
def test_nothing_written_looks_like_a_card_number(tmp_path: Path, name: str) -> None:
    """The gate's own PAN detector finds nothing in events, report or settlement (ids, UUIDs,
    all-digit pspReferences and timestamps included)."""
    mod: ModuleType = PROVIDERS[name]
    exp = mod.generate(tmp_path, payments=1500, seed=21, faults={k: 1 for k in mod.FAULTS})
    for f in (exp.events, exp.report, exp.settlement):
        if f is None:
            continue
        hits = list(scan_text((tmp_path / f).read_text(encoding="utf-8"), ScanOptions(detectors=("pan",))))
        assert hits == [], f"{f}: {hits[:3]}"


def test_unknown_or_too_many_faults_are_refused_with_the_supported_list(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"stripe: unknown fault kind\(s\) \['illegal_transition'\]; supported"):
        stripe.generate(tmp_path, payments=100, faults={"illegal_transition": 1})
    with pytest.raises(ValueError, match=r"debezium: unknown fault kind\(s\) \['settlement_missing'\]"):
        debezium.generate(tmp_path, payments=100, faults={"settlement_missing": 1})
    with pytest.raises(ValueError, match="faults need at least"):
        adyen.generate(tmp_path, payments=20, faults={"report_behind": 15})
    with pytest.raises(ValueError, match="replica_identity"):
        debezium.generate(tmp_path, payments=10, replica_identity="nothing")


def test_expected_round_trips_through_expected_json(tmp_path: Path) -> None:
    exp = adyen.generate(tmp_path, payments=200, seed=2, faults={"double_charge": 1, "missing_in_events": 2})
    assert Expected.load(tmp_path / "expected.json") == exp
    assert exp.by_category()["missing_in_events"] <= set(recfold.read_report(tmp_path / exp.report))
    dc = next(f for f in exp.faults if f.kind == "double_charge")
    assert dc.related and dc.related[0] < dc.payment_id and dc.related[0] in exp.involved()


def test_central_european_offsets_follow_the_eu_rule() -> None:
    """+2 from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC."""

    def at(y: int, mo: int, d: int, h: int, mi: int) -> float:
        return dt.datetime(y, mo, d, h, mi, tzinfo=dt.UTC).timestamp()

    assert eu_offset_hours(at(2026, 3, 29, 0, 59)) == 1 and eu_offset_hours(at(2026, 3, 29, 1, 0)) == 2
    assert eu_offset_hours(at(2026, 10, 25, 0, 59)) == 2 and eu_offset_hours(at(2026, 10, 25, 1, 0)) == 1
    assert eu_offset_hours(at(2027, 10, 31, 0, 59)) == 2 and eu_offset_hours(at(2027, 10, 31, 1, 0)) == 1


def test_money_is_written_in_major_units_by_exponent() -> None:
    assert [major(1050, 2), major(-5, 2), major(1000, 0), major(1250, 3), major(-1, 3)] == [
        "10.50",
        "-0.05",
        "1000",
        "1.250",
        "-0.001",
    ]


def test_identifiers_never_look_like_card_numbers() -> None:
    """UUIDs are valid version 4 and, hyphens or not, hold no PAN-like digit run."""
    rng = new_rng(1)
    ids = [uuid4(rng) for _ in range(20000)] + [rng.token(40) for _ in range(5000)]
    assert not any(pan_like(i) for i in ids)
    assert pan_like("4111111111111111") and pan_like("x-4111-1111-1111-1111-") and not pan_like("8815316497539921")
