"""Large Stripe recordings fast: one generated tile, repeated with new ids, later in time.

Generating a payment costs tens of microseconds of Python per event, so a 1M-event recording
takes a minute. For benchmarks, `stripe.generate(..., tile=T)` generates T payments once (the
*base tile*, with every planted fault) and writes it again and again, each copy:

- with every Stripe id renamed: all ids of an account share its 10-character tag (`pi_3` + 9 +
  tag + 4; the order ids behind the creation idempotency keys carry it too), so replacing the
  tag gives each copy fresh PaymentIntent, Charge, Refund, Dispute, Event, balance transaction
  and payout ids, and fresh creation keys (no copy double-charges another);
- 10^6 seconds (11.6 days) later: the base tile lies within one such aligned window, so shifting
  an epoch-second (or kcat millisecond) value only changes its leading four digits;
- without the payments a fault touches: faults are planted once, in the first copy.

Copies repeat the base tile's amounts, flows and noise, as a busy shop's traffic repeats itself;
`Expected` counts every copy (totals, payments, noise) and lists the base tile's faults.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import IO

from compliance_gate.testing.recordings.common import Rng, Window, iso_utc, major
from compliance_gate.testing.recordings.expected import CurrencyTotals, Expected
from compliance_gate.testing.recordings.stripe_objects import account_tag
from compliance_gate.testing.recordings.stripe_settlement import EXPONENT, stamp

SPAN = 1_000_000
BASE_T0 = 1_792_000_000 + 3600  # 2026-10-14; the tile's epoch seconds all start with 1792
MAX_TILE = 300_000  # 3 s a payment: the base tile, late deliveries included, stays within SPAN
# every epoch value follows a colon in this data (a lookbehind would cost ten times more)
_TIME = re.compile(rb":1792(?=\d{6})")
_PI = re.compile(rb"pi_3[0-9A-Za-z]{23}")
_OFFSET = re.compile(rb'^\{"topic":"[^"]*","partition":(\d+),"offset":(\d+),')
_DATE_COLUMNS = (1, 3, 4, 16)
_DAY_COLUMNS = (1, 4)  # payout and availability dates: midnight
_ID_COLUMNS = (0, 2, 10, 14, 15)  # payout, balance transaction, source, charge, PaymentIntent


@dataclass(frozen=True, slots=True)
class Base:
    """What the base tile's generation leaves for the copies."""

    dir: Path
    expected: Expected
    tag: str
    clean_totals: tuple[CurrencyTotals, ...]  # of the payments no fault touches
    fault_noise: Counter[str]  # noise planted on payments a fault touches


def window(tile: int) -> Window:
    if tile > MAX_TILE:
        raise ValueError(f"stripe: tile must be at most {MAX_TILE} payments")
    return Window(BASE_T0, 3.0, tile)


def tag_for(base: str, k: int) -> str:
    digest = hashlib.sha256(f"{base}:{k}".encode()).digest()
    return account_tag(Rng(int.from_bytes(digest[:8], "big")))


def replicate(base: Base, out: Path, tiles: int, gzipped: bool) -> Expected:
    """Write `tiles` copies of the base tile under `out`; return the recording's `Expected`."""
    exp = base.expected
    tags = [base.tag] + [tag_for(base.tag, k) for k in range(1, tiles)]
    involved = exp.involved()
    skip = {p.encode() for p in involved}
    written = _events(base.dir / exp.events, out / exp.events, tags, skip, gzipped)
    _report(base.dir / exp.report, out / exp.report, tags, involved)
    _settlement(base.dir / "settlement.csv", out / "settlement.csv", tags, involved)
    in_events = len(involved - {f.payment_id for f in exp.faults if f.kind == "missing_in_events"})
    copies = tiles - 1
    payments = exp.payments + copies * (exp.payments - in_events)
    noise = Counter(dict(exp.noise))
    clean_noise = noise - base.fault_noise
    for kind, n in clean_noise.items():
        noise[kind] += copies * n
    totals = {t.currency: t for t in exp.totals}
    for c in base.clean_totals:
        t = totals.get(c.currency, CurrencyTotals(c.currency, 0, 0, 0, 0, 0))
        totals[c.currency] = CurrencyTotals(
            c.currency,
            t.payments + copies * c.payments,
            t.amount + copies * c.amount,
            t.captured + copies * c.captured,
            t.refunded + copies * c.refunded,
            t.disputed + copies * c.disputed,
        )
    as_of = dt.datetime.fromisoformat(exp.as_of).timestamp() + copies * SPAN
    result = replace(
        exp,
        as_of=iso_utc(as_of),
        events_written=written,
        payments=payments,
        clean_payments=payments - in_events,
        totals=tuple(totals[c] for c in sorted(totals)),
        noise=tuple(sorted(noise.items())),
    )
    result.write(out)
    return result


def _events(src: Path, dst: Path, tags: list[str], skip: set[bytes], gzipped: bool) -> int:
    """Copy the base tile as it is, keep its clean lines aside, then write each further copy of
    those in blocks: renaming and time-shifting are two C-level passes over a block."""
    clean = src.with_name("clean.jsonl")
    offsets: Counter[int] = Counter()

    def renumber(m: re.Match[bytes]) -> bytes:
        p = int(m.group(1))
        n = offsets[p]
        offsets[p] += 1
        return m.group(0)[: m.start(2) - m.start(0)] + str(n).encode() + b","

    def emit(block: bytes) -> None:
        if block.startswith(b'{"topic"'):  # kcat: offsets count on across copies, per partition
            block = b"".join(_OFFSET.sub(renumber, line, count=1) for line in block.splitlines(keepends=True))
        out.write(block)

    written = 0
    with open(dst, "wb") as raw:
        out: IO[bytes] = raw
        if gzipped:
            out = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0)  # type: ignore[assignment]
        kept = 0
        with open(src, "rb") as fh, open(clean, "wb") as keep:
            for line in fh:
                m = _PI.search(line)
                if m is None or m.group() not in skip:
                    keep.write(line)
                    kept += 1
                emit(line)
                written += 1
        old = tags[0].encode()
        for k, tag in enumerate(tags[1:], start=1):
            new, prefix = tag.encode(), b":" + str(1792 + k).encode()
            with open(clean, "rb") as fh:
                while block := fh.read(1 << 22):
                    emit(_TIME.sub(prefix, (block + fh.readline()).replace(old, new)))
            written += kept
        if out is not raw:
            out.close()
    return written


def _report(src: Path, dst: Path, tags: list[str], involved: frozenset[str]) -> None:
    with open(src, encoding="utf-8") as fh:
        header, *rows = fh.read().splitlines()
    with open(dst, "w", encoding="utf-8") as out:
        out.write(header + "\n")
        for k, tag in enumerate(tags):
            for line in rows:
                if k and line.split(",", 1)[0] in involved:
                    continue
                out.write((line.replace(tags[0], tag) if k else line) + "\n")


def _settlement(src: Path, dst: Path, tags: list[str], involved: frozenset[str]) -> None:
    """Copy the base rows; in later copies rename ids, shift the dates and recompute each
    payout row from the rows it pays out (the faulted payments' rows are not copied)."""
    with open(src, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    days: dict[str, int] = {}

    def epoch(text: str) -> int:
        day = days.get(text[:10])
        if day is None:
            day = days[text[:10]] = int(dt.datetime.fromisoformat(text[:10]).replace(tzinfo=dt.UTC).timestamp())
        return day + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])

    clean = [
        (row, [epoch(row[c]) if row[c] else -1 for c in _DATE_COLUMNS], int(Decimal(row[8]) * 10 ** EXPONENT[row[5]]))
        for row in rows
        if row[15] not in involved
    ]
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        for k, tag in enumerate(tags[1:], start=1):
            nets: Counter[str] = Counter()
            for row, stamps, net in clean:
                out = list(row)
                for c in _ID_COLUMNS:
                    out[c] = row[c].replace(tags[0], tag)
                for c, t in zip(_DATE_COLUMNS, stamps, strict=True):
                    if t >= 0:
                        shifted = t + k * SPAN
                        out[c] = stamp(shifted - shifted % 86400 if c in _DAY_COLUMNS else shifted)
                if row[9] == "fee":
                    out[11] = f"Radar ({out[3][:10]}): Radar for Fraud Teams"
                if row[9] == "payout":  # this copy's rows, paid out
                    out[6] = out[8] = major(-nets[row[0]], EXPONENT[row[5]])
                else:
                    nets[row[0]] += net
                w.writerow(out)
