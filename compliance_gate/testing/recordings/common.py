"""What every provider's generator shares: ids, money, clocks, fault planning and the totals.

Nothing here knows a provider's shapes. Ids are drawn from the generator's own seeded `Random`
and never contain a digit run a card-number scanner could take for a PAN: a run of 12 to 19
digits (hyphens removed) that starts with 2 to 6 is rejected and drawn again, so the data never
plants a card-number false positive by accident (Adyen's all-digit pspReferences start with 8).
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from compliance_gate.testing.recordings.expected import CurrencyTotals

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
UPPER_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B62_BYTES = bytes(ord(B62[b % 62]) for b in range(256))
_UPPER_BYTES = bytes(ord(UPPER_ALNUM[b % 36]) for b in range(256))
_LETTER_BYTES = bytes(_LETTERS[b % 52] for b in range(256))
_UPPER_LETTER_BYTES = bytes(_LETTERS[b % 26] for b in range(256))
_PANLIKE = re.compile(r"(?<!\d)[2-6]\d{11,18}(?!\d)")

# Reporting snapshot taken this long after the last payment started; no event is created after
# it minus END_MARGIN_S, and a faulted payment's last event is at least FAULT_MARGIN_S before it,
# so no planted fault falls inside a replay's in-flight grace window (15 minutes by default).
END_MARGIN_S = 60.0
FAULT_MARGIN_S = 3 * 3600.0


@dataclass(frozen=True, slots=True)
class Currency:
    code: str  # as the provider writes it (Stripe: lower case)
    exponent: int
    weight: int
    low: int  # amount range in minor units
    high: int
    step: int = 1  # Stripe's three-decimal currencies take multiples of 10


Doc = dict[str, object]
"""A provider's JSON document as the generators build it; values are narrowed where they are
read back (`num`, `text`, `sub`), so a wrong shape fails loudly in the generator."""


def num(doc: Mapping[str, object], key: str) -> int:
    """`doc[key]`, an integer (not a bool)."""
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{key}: {value!r} is not an integer")
    return value


def text(doc: Mapping[str, object], key: str) -> str:
    """`doc[key]`, a string."""
    value = doc[key]
    if not isinstance(value, str):
        raise TypeError(f"{key}: {value!r} is not a string")
    return value


def sub(doc: Mapping[str, object], key: str) -> Doc:
    """`doc[key]`, a nested object."""
    value = doc[key]
    if not isinstance(value, dict):
        raise TypeError(f"{key}: {value!r} is not an object")
    return value


def new_rng(seed: int) -> Rng:
    return Rng(seed)


def pick_currency(rng: random.Random, table: Sequence[Currency]) -> Currency:
    total = sum(c.weight for c in table)
    r = rng.random() * total
    for c in table:
        r -= c.weight
        if r < 0:
            return c
    return table[-1]


def draw_amount(rng: random.Random, cur: Currency) -> int:
    # log-uniform: many small payments, a few large ones, as in real traffic
    value = int(cur.low * (cur.high / cur.low) ** rng.random())
    return max(cur.step, value - value % cur.step)


def major(minor: int, exponent: int) -> str:
    """Integer minor units as an exact decimal string in major units (`-12.50`, `1000`, `1.250`)."""
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    if exponent == 0:
        return f"{sign}{minor}"
    unit = 10**exponent
    return f"{sign}{minor // unit}.{minor % unit:0{exponent}d}"


def pan_like(text: str) -> bool:
    """True if `text`, or `text` without hyphens, holds a 12-19 digit run starting with 2-6."""
    return bool(_PANLIKE.search(text) or ("-" in text and _PANLIKE.search(text.replace("-", ""))))


def draw_safe(make: Callable[[], str]) -> str:
    """`make()` again until its value is not PAN-like."""
    while True:
        value = make()
        if not pan_like(value):
            return value


class Rng(random.Random):
    """The generator's seeded source, with fast random identifiers.

    Identifier characters are cut from a pool of random base-62 (and upper-case alphanumeric)
    characters in which every 8th (6th) character is a letter, so no identifier can hold a run
    of digits long enough to look like a card number, and drawing one costs a slice.
    """

    _POOL = 1 << 16

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._b62, self._b62_at = "", 0
        self._upper, self._upper_at = "", 0

    def token(self, n: int) -> str:
        """`n` random base-62 characters."""
        if self._b62_at + n > len(self._b62):
            pool = bytearray(self.randbytes(self._POOL).translate(_B62_BYTES))
            pool[7::8] = pool[7::8].translate(_LETTER_BYTES)
            self._b62, self._b62_at = pool.decode(), 0
        at = self._b62_at
        self._b62_at = at + n
        return self._b62[at : at + n]

    def upper(self, n: int) -> str:
        """`n` random upper-case letters and digits."""
        if self._upper_at + n > len(self._upper):
            pool = bytearray(self.randbytes(self._POOL).translate(_UPPER_BYTES))
            pool[5::6] = pool[5::6].translate(_UPPER_LETTER_BYTES)
            self._upper, self._upper_at = pool.decode(), 0
        at = self._upper_at
        self._upper_at = at + n
        return self._upper[at : at + n]


def b62(rng: Rng, n: int) -> str:
    return rng.token(n)


def upper_alnum(rng: Rng, n: int) -> str:
    return rng.upper(n)


class Picker:
    """Weighted choice by bisection over cumulative weights (`Random.choices` re-sums each call)."""

    def __init__(self, weights: Mapping[str, float]) -> None:
        self.names = list(weights)
        self.cum: list[float] = []
        total = 0.0
        for w in weights.values():
            total += w
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: random.Random) -> str:
        return self.names[bisect.bisect_right(self.cum, rng.random() * self.total)]


_HEX_LETTERS = "abcdef"


def uuid4(rng: random.Random) -> str:
    """A random version-4 UUID drawn from `rng` (reproducible, unlike `uuid.uuid4`). Three hex
    digits are letters by construction, so no run of digits, with or without the hyphens, is
    long enough to look like a card number."""
    h = f"{rng.getrandbits(128):032x}"
    a, b, c = (_HEX_LETTERS[int(h[i], 16) % 6] for i in (5, 17, 25))
    return f"{h[:5]}{a}{h[6:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{b}{h[18:20]}-{h[20:25]}{c}{h[26:]}"


def hmac_like(rng: random.Random) -> str:
    """A base64 string of 32 random bytes: the shape of a webhook HMAC signature, not a real one
    (every 8th character a letter)."""
    raw = bytearray(base64.b64encode(rng.randbytes(32)))
    raw[7::8] = raw[7::8].translate(_LETTER_BYTES)
    return raw.decode()


def iso_utc(t: float) -> str:
    return dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


_SUMMER: dict[int, tuple[float, float]] = {}  # year -> summer time's start and end (pure memo)
_DAYS: dict[int, str] = {}  # day number -> "YYYY-MM-DD" (pure memo)


def eu_offset_hours(t: float) -> int:
    """UTC offset of Central European time at `t`: +2 from the last Sunday of March 01:00 UTC to
    the last Sunday of October 01:00 UTC, else +1 (the EU rule; no tz database needed)."""
    year = time.gmtime(t).tm_year
    bounds = _SUMMER.get(year)
    if bounds is None:
        start, end = (dt.datetime.combine(_last_sunday(year, m), dt.time(1), dt.UTC).timestamp() for m in (3, 10))
        bounds = _SUMMER[year] = (start, end)
    return 2 if bounds[0] <= t < bounds[1] else 1


def clock_text(t: int, sep: str = " ") -> str:
    """`YYYY-MM-DD HH:MM:SS` for epoch seconds `t` read as UTC (day strings memoized: this runs
    for every event and row)."""
    day, second = divmod(t, 86400)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
    hours, rest = divmod(second, 3600)
    return f"{text}{sep}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def cet_text(t: float, sep: str = " ") -> tuple[str, int]:
    """`t` as Central European wall-clock text, and its offset in hours."""
    hours = eu_offset_hours(t)
    return clock_text(int(t) + hours * 3600, sep), hours


# The recording window straddles the end of daylight-saving time in the EU (2026-10-25 01:00 UTC),
# so Adyen's eventDate offsets change from +02:00 to +01:00 in the middle of every recording.
DST_END_2026 = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC).timestamp()


@dataclass(frozen=True, slots=True)
class Window:
    """Payment i starts at `start(i)`; the reporting snapshot is taken at `as_of`."""

    t0: float
    gap: float
    payments: int

    @classmethod
    def around_dst(cls, payments: int, gap: float) -> Window:
        span = max(payments, 1) * gap
        return cls(DST_END_2026 - span / 2, gap, payments)

    def start(self, i: int) -> float:
        return self.t0 + i * self.gap

    @property
    def as_of(self) -> float:
        return self.t0 + self.payments * self.gap + 2 * END_MARGIN_S

    def limit(self, faulted: bool) -> float:
        """The latest time an event of a payment may be created."""
        return self.as_of - (FAULT_MARGIN_S if faulted else END_MARGIN_S)


def later(t: float, delay: float, limit: float) -> float:
    """`t + delay`, squeezed into what is left before `limit` (the flow keeps its order)."""
    room = limit - t
    if room <= 0:
        return t
    return t + min(delay, room * 0.5)


def plan_faults(
    rng: random.Random, payments: int, faults: Mapping[str, int], supported: Mapping[str, str], provider: str
) -> dict[int, str]:
    """Payment index -> fault kind. A double charge takes two adjacent indices (`i` is the first
    payment, `i + 1` the duplicate, marked `double_charge`). Faults are placed in the first 80% of
    the window so that none is near the snapshot. `missing_in_events` needs no index."""
    unknown = sorted(k for k in faults if k not in supported)
    if unknown:
        raise ValueError(f"{provider}: unknown fault kind(s) {unknown}; supported: {sorted(supported)}")
    wanted = [(k, int(n)) for k, n in sorted(faults.items()) if k != "missing_in_events" and n > 0]
    slots_needed = sum(n for _, n in wanted)
    usable = int(payments * 0.8) // 2
    if slots_needed > usable:
        raise ValueError(f"{provider}: {slots_needed} faults need at least {slots_needed * 2 * 5 // 4} payments")
    slots = iter(rng.sample(range(usable), slots_needed))
    plan: dict[int, str] = {}
    for kind, n in wanted:
        for _ in range(n):
            i = 2 * next(slots)
            if kind == "double_charge":
                plan[i] = "double_charge_first"
                plan[i + 1] = "double_charge"
            else:
                plan[i] = kind
    return plan


class Totals:
    """Per currency: payments, amount, captured, refunded and disputed of the replayed payments."""

    def __init__(self) -> None:
        self._by: dict[str, list[int]] = {}

    def add(self, currency: str, amount: int, captured: int, refunded: int, disputed: int) -> None:
        row = self._by.setdefault(currency, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += amount
        row[2] += captured
        row[3] += refunded
        row[4] += disputed

    def freeze(self) -> tuple[CurrencyTotals, ...]:
        return tuple(CurrencyTotals(c, *v) for c, v in sorted(self._by.items()))
