"""The server-drawn charts stay legible: a bar's figure never sits on the dashed target
line, and an axis is labelled at a readable spacing whatever its span."""

import re
from decimal import Decimal

from reporting import charts


def _value_x(svg: str, text: str) -> float:
    return float(re.search(rf'class="chart__value" x="([\d.]+)"[^>]*>{re.escape(text)}<', svg)[1])


def test_a_bars_figure_is_written_past_the_target_line_not_on_it():
    svg = str(
        charts.bars(
            [("Year 1", Decimal("95.50")), ("Year 2", Decimal("85.00"))],
            title="t",
            desc="d",
            target=Decimal("96.00"),
        )  # fmt: skip
    )
    target_x = float(re.search(r'class="chart__target" x1="([\d.]+)"', svg)[1])
    assert _value_x(svg, "95.50%") > target_x  # would start just left of it and cross it
    assert _value_x(svg, "85.00%") + charts.VALUE_W < target_x  # far from it: beside its bar


def test_a_week_chart_from_0_to_100_labels_every_20_points():
    svg = str(
        charts.columns(
            [("w/c 2 Nov", Decimal("0.00")), ("w/c 9 Nov", Decimal("95.00"))],
            title="t",
            desc="d",
            target=Decimal("96.00"),
        )  # fmt: skip
    )
    labels = re.findall(r'class="chart__tick" x="32" [^>]*>(\d+)<', svg)
    assert labels == ["0", "20", "40", "60", "80", "100"]
    narrow = str(charts.columns([("w/c 2 Nov", Decimal("91.00"))], title="t", desc="d"))
    assert re.findall(r'class="chart__tick" x="32" [^>]*>(\d+)<', narrow) == [
        "80", "85", "90", "95", "100"
    ]  # fmt: skip
