"""A small inline SVG bar chart of reconciliation totals: one group of bars per currency.

Amounts of different currencies are not comparable, so each currency is scaled to its own largest
value; negative amounts (refunds, net outflows) draw to the left of a zero line.
"""

from __future__ import annotations

from html import escape

from compliance_gate.render.common import CurrencyTotals, money

WIDTH = 640
LABEL = 200
BAR = 14
GAP = 4
GROUP_GAP = 14


def totals_chart(totals: list[CurrencyTotals], max_bars: int = 60) -> str:
    """An `<svg>` element (no external references), or "" when there is nothing to draw."""
    rows: list[tuple[str, str, float | int, float, int | None]] = []  # currency, name, value, max, exponent
    for t in totals:
        peak = max((abs(float(v)) for _, v in t.values), default=0.0) or 1.0
        rows.extend((t.currency, name, v, peak, t.exponent) for name, v in t.values)
    rows = rows[:max_bars]
    if not rows:
        return ""
    plot = WIDTH - LABEL - 10
    zero = LABEL + plot / 2 if any(v < 0 for _, _, v, _, _ in rows) else LABEL
    span = plot / 2 if zero != LABEL else plot
    parts: list[str] = []
    y = 4
    current = None
    for currency, name, value, peak, exponent in rows:
        if currency != current:
            if current is not None:
                y += GROUP_GAP
            parts.append(f'<text x="0" y="{y + 11}" font-weight="bold">{escape(currency)}</text>')
            y += BAR + GAP
            current = currency
        length = abs(value) / peak * span
        x = zero if value >= 0 else zero - length
        colour = "#2f81f7" if value >= 0 else "#cf222e"
        parts.append(
            f'<text x="8" y="{y + 11}">{escape(name[:30])}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{max(length, 0.5):.1f}" height="{BAR}" fill="{colour}">'
            f"<title>{escape(currency)} {escape(name)}: {money(value, exponent)}</title></rect>"
        )
        y += BAR + GAP
    height = y + 4
    axis = f'<line x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{height}" stroke="#57606a"/>'
    return (
        f'<svg role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-label="Reconciliation totals per currency">'
        + axis
        + "".join(parts)
        + "</svg>"
    )
