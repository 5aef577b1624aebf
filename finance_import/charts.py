"""SVG charts of report rows, written by hand: no plotting library, no fonts to install.

Bars for spending and cash flow, lines for balances. One panel per currency,
since figures in different currencies never share an axis.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Final

from finance_core.forecast import AccountForecast
from finance_core.reports import ReportRow

WIDTH: Final = 760
PANEL_HEIGHT: Final = 300
PALETTE: Final = ("#3b6ea5", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e")
MARGIN_LEFT: Final = 80
MARGIN_RIGHT: Final = 160
MARGIN_TOP: Final = 40
MARGIN_BOTTOM: Final = 50


def _series(report: str, rows: Sequence[ReportRow]) -> dict[str, dict[str, dict[str, Decimal]]]:
    """currency -> series name -> period -> value."""
    out: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        period = row.period or "all"
        if report == "spending":
            out[row.currency][row.group or "(none)"][period] = row.total or Decimal(0)
        elif report == "cashflow":
            out[row.currency]["income"][period] = row.income or Decimal(0)
            out[row.currency]["expenses"][period] = row.expenses or Decimal(0)
        else:
            # One line per group: a forecast names each account; other reports have one.
            out[row.currency][row.group or "balance"][period] = row.balance or Decimal(0)
    return out


def _nice_range(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    if low == high:
        high = low + 1
    return low, high


def render_svg(report: str, rows: Sequence[ReportRow], title: str) -> str:
    """A complete SVG document charting ``rows`` of the named report."""
    panels = _series(report, rows)
    height = MARGIN_TOP + max(1, len(panels)) * PANEL_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="16">{escape(title)}</text>',
    ]
    if not panels:
        parts.append(f'<text x="{WIDTH / 2}" y="{height / 2}" text-anchor="middle">no data</text>')
    for index, (currency, series) in enumerate(sorted(panels.items())):
        top = MARGIN_TOP + index * PANEL_HEIGHT
        parts.extend(_panel(report, currency, series, top))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    report: str, currency: str, series: dict[str, dict[str, Decimal]], top: float
) -> list[str]:
    periods = sorted({p for values in series.values() for p in values})
    names = sorted(series)
    values = [v for s in series.values() for v in s.values()]
    low, high = _nice_range(values)
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = PANEL_HEIGHT - MARGIN_BOTTOM - 20
    base = top + 20

    def y(value: Decimal) -> float:
        return base + float((high - value) / (high - low)) * plot_h

    out = [
        f'<text x="{MARGIN_LEFT}" y="{base - 6}" font-weight="bold">{escape(currency)}</text>',
        f'<line x1="{MARGIN_LEFT}" y1="{y(Decimal(0)):.1f}" x2="{MARGIN_LEFT + plot_w}" '
        f'y2="{y(Decimal(0)):.1f}" stroke="#888"/>',
    ]
    for tick in (low, (low + high) / 2, high):
        out.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick.quantize(Decimal('0.01')):,}</text>"
        )
    slot = plot_w / max(1, len(periods))
    # Label only every step-th period so that labels (about 7 px a character) never overlap.
    widest = max((len(p) for p in periods), default=1) * 7 + 10
    step = max(1, math.ceil(widest / slot))
    for i, period in enumerate(periods):
        if i % step == 0:
            out.append(
                f'<text x="{MARGIN_LEFT + slot * (i + 0.5):.1f}" y="{base + plot_h + 16}" '
                f'text-anchor="middle">{escape(period)}</text>'
            )
    line_chart = report in ("net-worth", "balance-history", "forecast")
    for n, name in enumerate(names):
        colour = PALETTE[n % len(PALETTE)]
        if line_chart:
            points = " ".join(
                f"{MARGIN_LEFT + slot * (i + 0.5):.1f},{y(series[name][p]):.1f}"
                for i, p in enumerate(periods)
                if p in series[name]
            )
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        else:
            bar_w = slot * 0.8 / len(names)
            for i, period in enumerate(periods):
                value = series[name].get(period)
                if value is None:
                    continue
                x = MARGIN_LEFT + slot * (i + 0.1) + n * bar_w
                y0, y1 = sorted((y(value), y(Decimal(0))))
                out.append(
                    f'<rect x="{x:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" '
                    f'height="{max(y1 - y0, 0.5):.1f}" fill="{colour}">'
                    f"<title>{escape(name)} {escape(period)}: {value}</title></rect>"
                )
        legend_y = base + 14 * n
        out.append(
            f'<rect x="{WIDTH - MARGIN_RIGHT + 12}" y="{legend_y}" width="10" height="10" '
            f'fill="{colour}"/><text x="{WIDTH - MARGIN_RIGHT + 28}" y="{legend_y + 9}">'
            f"{escape(name[:22])}</text>"
        )
    return out


def render_forecast_svg(forecasts: Sequence[AccountForecast], title: str) -> str:
    """The forecast as a line per account, one panel per currency."""
    rows = [
        ReportRow(
            period=day.date.isoformat(),
            currency=f.currency,
            group=f"{f.name} #{f.account_id}",
            balance=day.balance,
        )
        for f in forecasts
        for day in f.days
    ]
    return render_svg("forecast", rows, title)
