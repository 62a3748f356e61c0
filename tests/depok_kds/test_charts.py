"""The server-side bar chart."""

from __future__ import annotations

from django.template.loader import render_to_string

from depok_kds.charts import BAR_AREA, bar_chart


def test_bars_are_scaled_to_the_largest_value():
    chart = bar_chart([("Beji", 50), ("Tapos", 100), ("Limo", 0)], title="Miskin")
    widths = [bar.segments[0].width for bar in chart.bars]
    assert widths == [BAR_AREA / 2, BAR_AREA, 0]


def test_stacked_bars_carry_their_series():
    chart = bar_chart([("Beji", [3, 1])], title="Kelas", series=["miskin", "rentan"])
    (bar,) = chart.bars
    assert bar.total == 4
    assert [s.series for s in bar.segments] == ["miskin", "rentan"]
    assert bar.segments[1].x == bar.segments[0].x + bar.segments[0].width
    assert [item.label for item in chart.legend] == ["miskin", "rentan"]


def test_the_chart_renders_as_accessible_svg():
    chart = bar_chart([("KIS PBI-APBD", 276017)], title="Penerima 2023")
    html = render_to_string("depok_kds/_bar_chart.html", {"chart": chart})
    assert 'role="img"' in html and 'aria-label="Penerima 2023"' in html
    assert "KIS PBI-APBD" in html


def test_an_empty_chart_says_so():
    html = render_to_string("depok_kds/_bar_chart.html", {"chart": bar_chart([], title="x")})
    assert "<svg" not in html
