"""Bar charts drawn on the server as SVG: no JavaScript, no CDN, readable when printed.

`bar_chart(rows, title=...)` takes (label, value) rows — or (label, [v1, v2, ...]) rows with
`series=[...]` for stacked bars — and returns what `depok_kds/_bar_chart.html` draws.
Used where a person would rather look than read: recipients per programme, poverty by
kelurahan, outcomes of a matching run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format

# Colours that stay distinguishable in grey print and for common colour blindness.
PALETTE = ["#0b6e4f", "#e0a100", "#b42318", "#3b6fb6", "#7a5195", "#5d6b7a"]
# Colours that carry a meaning, for series that are outcomes: done well, refused, waiting.
GOOD, BAD, WAITING, NEUTRAL = "#067647", "#b42318", "#e0a100", "#3b6fb6"
ROW_HEIGHT = 24
LABEL_WIDTH = 270
BAR_AREA = 330
VALUE_WIDTH = 80


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    value: float
    series: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    total: float
    total_display: str
    segments: list[Segment]


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str


@dataclass(frozen=True)
class BarChart:
    title: str
    unit: str
    bars: list[Bar]
    legend: list[LegendItem]
    width: int = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    label_width: int = LABEL_WIDTH
    value_x: int = LABEL_WIDTH + BAR_AREA + 6

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 4


def bar_chart(
    rows: Sequence[tuple[str, float | Sequence[float]]],
    *,
    title: str,
    unit: str = "",
    series: Sequence[str] = (),
    colours: Sequence[str] = (),
    label_width: int = LABEL_WIDTH,
) -> BarChart:
    """`colours`, one per series, give series their meaning (GOOD, BAD, WAITING);
    without them series take the palette in order."""
    colours = list(colours) or PALETTE
    values = [[float(v)] if isinstance(v, int | float) else [float(x) for x in v] for _, v in rows]
    largest = max((sum(v) for v in values), default=0.0) or 1.0
    bars = []
    for index, ((label, _), parts) in enumerate(zip(rows, values, strict=True)):
        x = float(label_width)
        segments = []
        for position, value in enumerate(parts):
            width = BAR_AREA * value / largest
            segments.append(
                Segment(
                    x=round(x, 1),
                    width=round(width, 1),
                    colour=colours[position % len(colours)],
                    value=value,
                    series=series[position] if position < len(series) else "",
                )
            )
            x += width
        total = float(sum(parts))
        bars.append(
            Bar(
                label=str(label),
                y=index * ROW_HEIGHT,
                total=total,
                total_display=number_format(
                    total, decimal_pos=0 if total.is_integer() else 1, force_grouping=True
                ),
                segments=segments,
            )
        )
    legend = [LegendItem(str(name), colours[i % len(colours)]) for i, name in enumerate(series)]
    return BarChart(
        title=str(title),
        unit=unit,
        bars=bars,
        legend=legend,
        width=label_width + BAR_AREA + VALUE_WIDTH,
        label_width=label_width,
        value_x=label_width + BAR_AREA + 6,
    )
