"""SVG charts of report rows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from finance_core.reports import ReportRow
from finance_import.charts import render_svg

NS = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


class TestCharts:
    def test_one_panel_per_currency(self) -> None:
        """Figures in different currencies never share an axis."""
        rows = [
            ReportRow("2024-01", "EUR", group="food", total=Decimal("12.50"), count=1),
            ReportRow("2024-01", "USD", group="food", total=Decimal("3.00"), count=1),
        ]
        labels = texts(render_svg("spending", rows, "Spending"))
        assert "EUR" in labels and "USD" in labels

    def test_bars_for_spending_and_a_line_for_balances(self) -> None:
        """Spending draws one bar per group and period; balances draw a polyline."""
        spending = render_svg(
            "spending",
            [ReportRow(f"2024-0{m}", "USD", group="g", total=Decimal(m), count=1) for m in (1, 2)],
            "S",
        )
        bars = [
            r for r in ET.fromstring(spending).iter(f"{NS}rect") if r.find(f"{NS}title") is not None
        ]
        assert len(bars) == 2
        history = render_svg(
            "balance-history", [ReportRow("2024-01-01", "USD", balance=Decimal(5))], "B"
        )
        assert ET.fromstring(history).find(f".//{NS}polyline") is not None

    def test_many_periods_thin_out_their_labels(self) -> None:
        """A year of days labels only some of them, so the labels never overlap."""
        rows = [ReportRow(f"2024-01-{d:02d}", "USD", balance=Decimal(d)) for d in range(1, 32)]
        dated = [
            t for t in texts(render_svg("balance-history", rows, "B")) if t.startswith("2024-")
        ]
        assert 2 <= len(dated) < 31

    def test_text_is_escaped(self) -> None:
        """Group names with markup characters cannot break the document."""
        rows = [ReportRow("2024-01", "USD", group="<b>&co", total=Decimal(1), count=1)]
        assert "<b>&co" in texts(render_svg("spending", rows, "A & B"))

    def test_no_rows_says_so(self) -> None:
        """An empty report still renders a valid chart."""
        assert "no data" in texts(render_svg("cashflow", [], "Empty"))
