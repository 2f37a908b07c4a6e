"""The layout of the inline SVG bar chart of reconciliation totals: one group per currency.

Amounts of different currencies are not comparable, so each currency is scaled to its own largest
value; negative amounts (refunds, net outflows) draw to the left of a zero line. This module only
computes positions; the HTML report's template draws them (escaped like everything there).
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance_gate.render.summaries import money
from compliance_gate.summary import CurrencyTotals

WIDTH = 640
LABEL = 200
BAR = 14
GAP = 4
GROUP_GAP = 14


@dataclass(frozen=True, slots=True)
class Bar:
    """A currency heading (`heading`) or one bar: its label, geometry and amount as text."""

    y: int
    currency: str
    heading: bool = False
    name: str = ""
    x: str = ""
    length: str = ""
    colour: str = ""
    amount: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    zero: str
    bar_height: int
    bars: tuple[Bar, ...]


def totals_chart(totals: list[CurrencyTotals], max_bars: int = 60) -> Chart | None:
    """The chart's layout, or None when there is nothing to draw."""
    rows: list[tuple[str, str, float | int, float, int | None]] = []  # currency, name, value, max, exponent
    for t in totals:
        peak = max((abs(float(v)) for _, v in t.values), default=0.0) or 1.0
        rows.extend((t.currency, name, v, peak, t.exponent) for name, v in t.values)
    rows = rows[:max_bars]
    if not rows:
        return None
    plot = WIDTH - LABEL - 10
    zero = LABEL + plot / 2 if any(v < 0 for _, _, v, _, _ in rows) else LABEL
    span = plot / 2 if zero != LABEL else plot
    bars: list[Bar] = []
    y = 4
    current = None
    for currency, name, value, peak, exponent in rows:
        if currency != current:
            if current is not None:
                y += GROUP_GAP
            bars.append(Bar(y, currency, heading=True))
            y += BAR + GAP
            current = currency
        length = abs(value) / peak * span
        x = zero if value >= 0 else zero - length
        colour = "#2f81f7" if value >= 0 else "#cf222e"
        bars.append(
            Bar(y, currency, False, name, f"{x:.1f}", f"{max(length, 0.5):.1f}", colour, money(value, exponent))
        )
        y += BAR + GAP
    return Chart(WIDTH, y + 4, f"{zero:.1f}", BAR, tuple(bars))
