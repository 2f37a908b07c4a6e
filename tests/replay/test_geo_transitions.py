"""Geo rules with a MaxMind database written by mmdb-writer, and the transitions contract."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest
from netaddr import IPSet
from replayutil import found, options, run_check, write_jsonl

from compliance_gate.errors import InputError
from compliance_gate.pii.cards import luhn_complete
from compliance_gate.replay import generate as gen
from compliance_gate.replay.transitions import Transition, replay_transitions


def _mmdb(path: Path) -> Path:
    from mmdb_writer import MMDBWriter

    w = MMDBWriter(ip_version=4, database_type="GeoLite2-Country")
    w.insert_network(IPSet(["203.0.113.0/24"]), {"country": {"iso_code": "DE"}})
    w.insert_network(IPSet(["198.51.100.0/24"]), {"country": {"iso_code": "US"}})
    w.to_db_file(str(path))
    return path


def _events(ip: str, currency: str, region: str) -> list[dict[str, object]]:
    base = {"payment_id": "p1", "currency": currency, "ip": ip, "region": region, "partition": 0}
    return [
        {
            **base,
            "event_id": "e1",
            "type": "payment.created",
            "amount": "5.00",
            "offset": 0,
            "occurred_at": "2026-01-01T00:00:00Z",
        },
        {
            **base,
            "event_id": "e2",
            "type": "payment.captured",
            "amount": "5.00",
            "offset": 1,
            "occurred_at": "2026-01-01T00:00:01+01:00",
        },
    ]


def _run(tmp: Path, ip: str, currency: str, region: str) -> dict[str, set[str]]:
    _mmdb(tmp / "geo.mmdb")
    write_jsonl(tmp / "events.jsonl", _events(ip, currency, region))
    (tmp / "report.csv").write_text(f"payment_id,status,amount,currency\np1,completed,5.00,{currency}\n")
    out = run_check(
        tmp,
        {
            "events": {"path": "events.jsonl"},
            "reported": {"path": "report.csv"},
            "grace_s": 0,
            "geo": {**gen.GEO_RULES, "mmdb": "geo.mmdb"},
        },
    )
    assert out.errors == ()
    assert "203.0.113" not in str(out.metrics) + str([f.message for f in out.findings])
    return found(out)


def test_country_from_ip_allows_local_currency_and_region(tmp_path: Path) -> None:
    """An IP in Germany paying EUR processed in eu-central-1 breaks no rule."""
    assert _run(tmp_path, "203.0.113.9", "EUR", "eu-central-1") == {}


def test_country_from_ip_flags_currency_and_residency(tmp_path: Path) -> None:
    """An IP in Germany paying USD processed in us-east-1 breaks both the currency and residency rules."""
    assert _run(tmp_path, "203.0.113.9", "USD", "us-east-1") == {"geo_currency": {"p1"}, "geo_residency": {"p1"}}


def test_replay_transitions_contract(tmp_path: Path) -> None:
    """Applied transitions come in replay order with event ids and file:line; illegal ones are left out."""
    g = gen.generate(tmp_path, payments=8, faults={"stale": 1, "illegal_transition": 1}, seed=5)
    ts = list(replay_transitions(options({"events": {"path": g.events.name}}), tmp_path))
    first = [t for t in ts if t.payment_id == "pay_00000000"]
    assert first[0].from_state is None and first[0].to_state == "created"
    assert all(a.to_state == b.from_state for a, b in itertools.pairwise(first))
    assert all(isinstance(t, Transition) and t.source.startswith("events.jsonl:") for t in ts)
    illegal_pid = next(iter(g.expected["illegal_transition"]))
    assert [t.to_state for t in ts if t.payment_id == illegal_pid][-1] == "failed"


def test_replay_transitions_error_masks_a_card_number(tmp_path: Path) -> None:
    """An unreadable row stops the transitions with an error that shows a card number only masked
    (a card number on its own: a digit run glued to letters is an identifier, see `safety`)."""
    pan = luhn_complete("4539" + "1488" + "0343" + "640")
    write_jsonl(tmp_path / "events.jsonl", [{**_events("", "USD", "r1")[0], "amount": f"card {pan}"}])
    with pytest.raises(InputError, match="not a plain decimal") as err:
        list(replay_transitions(options({"events": {"path": "events.jsonl"}}), tmp_path))
    assert pan not in str(err.value) and pan[:6] in str(err.value)
