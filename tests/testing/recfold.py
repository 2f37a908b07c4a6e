"""An independent reading of generated recordings, written from PROVIDERS.md, for the generator's tests.

It shares no code with the generator: stdlib `json` and `csv`, its own ordering, deduplication
and folding. The tests compare what it computes with `Expected`, the report and the settlement.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

KCAT_KEYS = {"topic", "partition", "offset", "tstype", "ts", "broker", "key", "payload"}


@dataclass(frozen=True)
class Record:
    position: int
    partition: int
    offset: int
    key: str | None
    payload: Any  # the parsed event; None for a Kafka tombstone


def read_records(path: Path) -> Iterator[Record]:
    """Every line of an events file: plain JSON Lines or `kcat -C -J` envelopes, gzipped or not."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            data = json.loads(line)
            if isinstance(data, dict) and set(data) == KCAT_KEYS:
                assert isinstance(data["payload"], str | None)
                payload = None if data["payload"] is None else json.loads(data["payload"])
                yield Record(n, data["partition"], data["offset"], data["key"], payload)
            else:
                yield Record(n, 0, n, None, data)


def minor(text: str, exponent: int) -> int:
    """A decimal major-unit amount as integer minor units (exact)."""
    value = Decimal(text) * (10**exponent)
    assert value == value.to_integral_value(), text
    return int(value)


def read_report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_id = {r["payment_id"]: r for r in rows}
    assert len(by_id) == len(rows), "a payment id appears twice in the report"
    return by_id


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Replayed:
    status: str = ""
    amount: int = 0
    currency: str = ""
    captured: int = 0
    refunds: dict[str, int] = field(default_factory=dict)
    disputed: int = 0
    key: str | None = None  # the creation idempotency key / merchantReference / idempotency_key

    @property
    def refunded(self) -> int:
        return sum(self.refunds.values())


@dataclass
class Fold:
    payments: dict[str, Replayed]
    conflicts: set[str]
    duplicates: int
    illegal: set[str] = field(default_factory=set)


def fold_stripe(path: Path) -> Fold:
    """Order by `created`, then position; an event id seen again is a redelivery when only
    `pending_webhooks` differs, else a conflict; the payment is the PaymentIntent."""
    seen: dict[str, dict[str, Any]] = {}
    kept: list[tuple[int, int, dict[str, Any]]] = []
    conflicts: set[str] = set()
    duplicates = 0
    for rec in read_records(path):
        e = rec.payload
        norm = {k: v for k, v in e.items() if k != "pending_webhooks"}
        if e["id"] in seen:
            duplicates += 1
            if seen[e["id"]] != norm:
                conflicts.add(_stripe_pid(e))
            continue
        seen[e["id"]] = norm
        kept.append((e["created"], rec.position, e))
    kept.sort(key=lambda x: (x[0], x[1]))
    pays: dict[str, Replayed] = defaultdict(Replayed)
    refunds: dict[str, tuple[str, int, str]] = {}
    disputes: dict[str, tuple[str, int, str, bool]] = {}
    for _, _, e in kept:
        obj = e["data"]["object"]
        pid = _stripe_pid(e)
        p = pays[pid]
        if obj["object"] == "payment_intent":
            p.status, p.amount, p.currency, p.captured = (
                obj["status"],
                obj["amount"],
                obj["currency"],
                obj["amount_received"],
            )
            if e["type"] == "payment_intent.created":
                p.key = e["request"]["idempotency_key"]
        elif obj["object"] == "refund":
            refunds[obj["id"]] = (pid, obj["amount"], obj["status"])
        elif obj["object"] == "dispute":
            disputes[obj["id"]] = (pid, obj["amount"], obj["status"], bool(obj["balance_transactions"]))
    for pid, amount, status in refunds.values():
        if status in ("pending", "succeeded"):
            pays[pid].refunds[f"{len(pays[pid].refunds)}"] = amount
    for pid, amount, status, withdrawn in disputes.values():
        if withdrawn and status in ("needs_response", "under_review", "lost"):
            pays[pid].disputed += amount
    return Fold(dict(pays), conflicts, duplicates)


def _stripe_pid(e: dict[str, Any]) -> str:
    obj = e["data"]["object"]
    return str(obj["id"] if obj["object"] == "payment_intent" else obj["payment_intent"])


def adyen_items(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    n = 0
    for rec in read_records(path):
        body = rec.payload
        assert body["live"] == "false"
        for wrapper in body["notificationItems"]:
            yield n, wrapper["NotificationRequestItem"]
            n += 1


def instant(event_date: str) -> float:
    return dt.datetime.fromisoformat(event_date).timestamp()


def fold_adyen(path: Path) -> Fold:
    """Identical items are redeliveries; one (pspReference, eventCode) with two contents is a
    conflict. Order by eventDate as an instant, then receipt."""
    seen: dict[tuple[str, str], str] = {}
    kept: list[tuple[float, int, dict[str, Any]]] = []
    conflicts: set[str] = set()
    duplicates = 0
    for n, it in adyen_items(path):
        ident = (it["pspReference"], it["eventCode"])
        text = json.dumps(it, sort_keys=True)
        if ident in seen:
            duplicates += 1
            if seen[ident] != text:
                conflicts.add(it.get("originalReference") or it["pspReference"])
            continue
        seen[ident] = text
        kept.append((instant(it["eventDate"]), n, it))
    kept.sort(key=lambda x: (x[0], x[1]))
    pays: dict[str, Replayed] = {}
    flags: dict[str, set[str]] = defaultdict(set)
    for _, _, it in kept:
        code, ok, value = it["eventCode"], it["success"] == "true", it["amount"]["value"]
        if code == "AUTHORISATION":
            pays[it["pspReference"]] = Replayed(
                amount=value, currency=it["amount"]["currency"], key=it["merchantReference"]
            )
            flags[it["pspReference"]].add("authorised" if ok else "refused")
            continue
        p, f = pays[it["originalReference"]], flags[it["originalReference"]]
        action = it["additionalData"].get("modification.action")
        if code == "CAPTURE" and ok:
            p.captured += value
        elif (code == "CANCELLATION" and ok) or (code == "CANCEL_OR_REFUND" and action == "cancel"):
            f.add("cancelled")
        elif code in ("REFUND", "CANCEL_OR_REFUND") and ok:
            p.refunds[it["pspReference"]] = value
        elif code == "REFUND_FAILED":
            p.refunds.pop(it["pspReference"], None)
        elif code == "CHARGEBACK":
            p.disputed += value
        elif code == "CHARGEBACK_REVERSED":
            p.disputed -= value
    for psp, p in pays.items():
        f = flags[psp]
        p.status = (
            "Refused"
            if "refused" in f
            else "Cancelled"
            if "cancelled" in f
            else "Refunded"
            if p.captured and p.refunded > 0
            else "Captured"
            if p.captured
            else "Authorised"
        )
    return Fold(pays, conflicts, duplicates)


ALLOWED = {
    "pending": {"requires_action", "authorized", "captured", "failed", "canceled"},
    "requires_action": {"authorized", "captured", "failed", "canceled"},
    "authorized": {"captured", "canceled"},
    "captured": {"partially_refunded", "refunded", "disputed"},
    "partially_refunded": {"refunded", "disputed"},
}


def debezium_changes(path: Path) -> Iterator[tuple[Record, dict[str, Any] | None]]:
    """Each record with its change payload (the schema envelope unwrapped; None for a tombstone)."""
    for rec in read_records(path):
        value = rec.payload
        if value is None:
            yield rec, None
        else:
            yield rec, value["payload"] if "schema" in value else value


def fold_debezium(path: Path) -> Fold:
    """Order by `source.lsn`, then position. A change seen again at the same LSN with the same
    images is a connector restart's re-send; with other images, a conflict."""
    seen: dict[tuple[int, str, str], str] = {}
    kept: list[tuple[int, int, dict[str, Any]]] = []
    conflicts: set[str] = set()
    duplicates = 0
    for rec, ch in debezium_changes(path):
        if ch is None:
            continue
        rid = (ch["after"] or ch["before"])["id"]
        ident = (ch["source"]["lsn"], rid, ch["op"])
        text = json.dumps({k: v for k, v in ch.items() if k not in ("ts_ms", "ts_us", "ts_ns")}, sort_keys=True)
        if ident in seen:
            duplicates += 1
            if seen[ident] != text:
                conflicts.add(rid)
            continue
        seen[ident] = text
        kept.append((ch["source"]["lsn"], rec.position, ch))
    kept.sort(key=lambda x: (x[0], x[1]))
    rows: dict[str, dict[str, Any]] = {}
    illegal: set[str] = set()
    for _, _, ch in kept:
        if ch["op"] == "d":
            rows.pop(ch["before"]["id"], None)
            continue
        after = ch["after"]
        old = rows.get(after["id"])
        if (
            old is not None
            and ch["op"] == "u"
            and after["status"] not in ALLOWED.get(old["status"], set()) | {old["status"]}
        ):
            illegal.add(after["id"])
        rows[after["id"]] = after
    pays = {
        rid: Replayed(
            status=r["status"],
            amount=r["amount_minor"],
            currency=r["currency"],
            captured=r["captured_minor"],
            refunds={"all": r["refunded_minor"]} if r["refunded_minor"] else {},
            key=r["idempotency_key"],
        )
        for rid, r in rows.items()
    }
    return Fold(pays, conflicts, duplicates, illegal)


def double_charges(fold: Fold) -> set[str]:
    """The later payment id (sorted) of each key under which more than one payment captured."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for pid, p in fold.payments.items():
        if p.key and p.captured > 0:
            by_key[p.key].append(pid)
    return {pid for pids in by_key.values() if len(pids) > 1 for pid in sorted(pids)[1:]}


def totals(fold: Fold) -> dict[str, tuple[int, int, int, int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for p in fold.payments.values():
        t = out[p.currency]
        for i, v in enumerate((1, p.amount, p.captured, p.refunded, p.disputed)):
            t[i] += v
    return {c: (t[0], t[1], t[2], t[3], t[4]) for c, t in out.items()}
