"""When each webhook of one payment reaches the endpoint: latency, reordering, lateness, retries.

Events of a payment are created in causal order at whole-second timestamps (Stripe `created`,
Adyen `eventDate`). A delivery arrives a moment later; some are overtaken by the next event
(out of order), a few arrive minutes late, and some are delivered twice (the endpoint recorded
the first attempt but answered with an error, so the provider retried). Reordering only ever
moves an event behind a later one *with a strictly later timestamp*: ordering the recording by
timestamp, then by position, always restores the causal order, which is what a correct replay
does. Events sharing a timestamp keep their causal order in the file.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rates:
    swap: float = 0.04  # overtaken by the next event
    late: float = 0.005  # 5 to 60 minutes late
    redeliver: float = 0.02  # delivered a second time, 30 s to 2 h later


def deliveries(
    rng: random.Random, created: Sequence[int], noise: Counter[str], rates: Rates
) -> tuple[list[float], list[tuple[int, float]]]:
    """Delivery time of each event, and (index, time) of each redelivery."""
    out: list[float] = []
    prev = float("-inf")
    for t in created:
        prev = max(t + rng.uniform(0.2, 2.5), prev + 0.001)
        out.append(prev)
    n = len(out)
    for k in range(n):
        last = k == n - 1
        if not last and created[k] >= created[k + 1]:
            continue
        r = rng.random()
        if r < rates.late:
            out[k] += rng.uniform(300.0, 3600.0)
            noise["late_delivery"] += 1
        elif r < rates.late + rates.swap and not last:
            out[k] = out[k + 1] + rng.uniform(0.01, 0.5)
            noise["out_of_order"] += 1
    again: list[tuple[int, float]] = []
    for k in range(n):
        if rng.random() < rates.redeliver:
            again.append((k, out[k] + rng.uniform(30.0, 7200.0)))
            noise["redelivery"] += 1
    return out, again
