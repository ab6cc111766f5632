"""Net income by hours at the minimum wage, the chart, and the hours that end benefit."""

from __future__ import annotations

import pytest

from proeftuin.rules import exit_hours, income_curve, plot_income_curve


def test_curve_has_one_column_per_regime_and_starts_at_the_norm() -> None:
    df = income_curve(date="2018-03-01", household="single", regimes=["regular", "experiment-50"])
    assert list(df.columns) == ["earnings", "regular", "experiment-50"]
    assert list(df.index) == list(range(0, 41))
    assert df.loc[0, "regular"] == 992.12
    assert (df["experiment-50"] >= df["regular"]).all()


def test_chart_labels_are_dutch_by_default_and_english_on_request() -> None:
    from matplotlib.figure import Figure  # not at module level: with its 3-D projections 0.9 s at every collection

    df = income_curve(date="2018-03-01", household="single", regimes=["regular"], hours=[0, 20])
    assert isinstance(plot_income_curve(df), Figure)
    assert plot_income_curve(df).axes[0].get_xlabel().startswith("Uren")
    assert plot_income_curve(df, lang="en").axes[0].get_xlabel().startswith("Hours")


def test_leaving_benefit_where_earnings_reach_norm_plus_cap() -> None:
    hours = exit_hours(date="2018-03-01", household="single")
    # (992.12 + 202) net = hours x 10.12 (the 36-hour WML rate of 1,578.00) x 52/12 x 0.90
    # (assumed net share). Was 1,594.20 and a cap of 200: both start half a year or more later.
    assert hours == pytest.approx((992.12 + 202) / (10.12 * 52 / 12 * 0.90), abs=0.02)


def test_chart_legend_sits_below_the_axes_and_coinciding_lines_stay_visible() -> None:
    # QA: the legend of long regime descriptions was drawn over the lines and cut off at the
    # figure's left edge; regular and experiment-50 coincide above 20 hours and hid each other
    frame = income_curve(date="2018-06-01", household="single", regimes=["regular", "experiment-50", "tilburg-2017"])
    figure = plot_income_curve(frame)
    ax = figure.axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert [t.split(":")[0] for t in texts] == ["regular", "experiment-50", "tilburg-2017"]
    assert all(len(line) <= 90 for t in texts for line in t.splitlines())
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    assert legend.get_window_extent(renderer).y1 <= ax.get_window_extent(renderer).y0  # below the axes
    assert len({line.get_linestyle() for line in ax.get_lines()}) == 3
