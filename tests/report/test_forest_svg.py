"""The forest figure written as plain SVG: every row's numbers, hover text, positions and axis."""

from __future__ import annotations

import math
import re
from dataclasses import replace
import xml.etree.ElementTree as ET

from proeftuin.analysis.results import Effect
from proeftuin.design.outcomes import OutcomeDefinition
from proeftuin.design.spec import ArmSpec, Component
from proeftuin.report.forest import format_effect
from proeftuin.report.forest_svg import draw_forest, tick_digits, ticks, x_range

NS = "{http://www.w3.org/2000/svg}"
WORK = OutcomeDefinition("work_8h", "Werk > 8 uur per week", "Work > 8 hours a week", "labour", "binary")
CONTROL = ArmSpec(code="control", label_nl="Controlegroep", label_en="Control group")
EXEMPTION = ArmSpec(code="exemption", label_nl="Zelf in Actie <&>", label_en="Self in Action <&>", components=(Component.exemption,))
INTENSIVE = ArmSpec(code="intensive", label_nl="Extra Hulp", label_en="Extra Help", components=(Component.intensive,))


def effect(term: str, estimate: float, half_width: float, *, not_estimable: str | None = None) -> Effect:
    return Effect(outcome="work_8h", term=term, estimate=estimate, std_error=half_width / 1.645, statistic=0.0, p_value=0.5,
                  ci_low=estimate - half_width, ci_high=estimate + half_width, df=100.0, n=300, n_arm=100, n_control=100,
                  control_mean=0.21, level=0.90, vcov="HC2", not_estimable=not_estimable)


def test_each_row_has_its_numbers_beside_it_and_as_hover_text_escaped() -> None:
    panels = [("Groningen", [effect("exemption", 0.042, 0.07), effect("intensive", -0.03, 0.05)], (CONTROL, EXEMPTION, INTENSIVE), 0.21)]
    svg = draw_forest(panels, outcome=WORK, lang="nl", level=0.90)
    root = ET.fromstring(svg)  # well-formed: labels with <&> are escaped
    texts = [t.text for t in root.iter(f"{NS}text")]
    estimate, ci = format_effect(0.042, 0.042 - 0.07, 0.042 + 0.07, WORK, "nl")
    assert f"{estimate} {ci}" in texts and estimate == "+4,2"
    assert "Zelf in Actie <&>" in texts and "Groningen — Controlegroep: 21%" in texts
    assert [t.text for t in root.iter(f"{NS}title")] == [f"Zelf in Actie <&>: {estimate} {ci}", "Extra Hulp: -3,0 [-8,0; +2,0]"]
    assert "Effect (procentpunten) (90%-BI)" in texts


def test_rows_follow_the_arms_order_and_points_sit_on_the_scale() -> None:
    panels = [("A", [effect("intensive", 0.10, 0.05), effect("exemption", -0.10, 0.05)], (CONTROL, EXEMPTION, INTENSIVE), 0.5)]
    root = ET.fromstring(draw_forest(panels, outcome=WORK, lang="en"))
    labels = [t for t in root.iter(f"{NS}text") if t.get("text-anchor") == "end"]
    assert [t.text for t in labels] == ["Self in Action <&>", "Extra Help"]  # declared order, top to bottom
    assert float(labels[0].get("y")) < float(labels[1].get("y"))
    points = [float(c.get("cx")) for c in root.iter(f"{NS}circle")]
    lines = [(float(line.get("x1")), float(line.get("x2"))) for g in root.iter(f"{NS}g") for line in g.iter(f"{NS}line")]
    assert points[0] < points[1]  # -10 pp left of +10 pp
    assert all(abs((a + b) / 2 - p) < 0.11 for (a, b), p in zip(lines, points, strict=True))  # each point mid-interval (0.1 pt rounding)


def test_a_pooled_row_is_a_diamond_and_a_not_estimable_row_is_words_without_marks() -> None:
    pooled = replace(effect("exemption", 0.05, 0.02), estimator="pooled")
    missing = effect("intensive", math.nan, math.nan, not_estimable="no variation")
    svg = draw_forest([("Gepoold", [pooled, missing], (EXEMPTION, INTENSIVE), math.nan)], outcome=WORK, lang="nl")
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{NS}path"))) >= 2 and not list(root.iter(f"{NS}circle"))  # the axes' path and the diamond
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Gepoold" in texts  # no control level for a pooled panel
    assert not re.search(r"\bnan\b", svg, flags=re.IGNORECASE)
    assert len([g for g in root.iter(f"{NS}g") if g.find(f"{NS}line") is not None]) == 1  # only the pooled row has an interval


def test_the_axis_spans_every_interval_and_zero_with_round_ticks() -> None:
    low, high = x_range([effect("exemption", 0.12, 0.03)], 100.0)
    assert low < 0 < 9 < 15 < high
    marks = ticks(low, high)
    assert marks[0] >= low and marks[-1] <= high and 0.0 in marks
    assert tick_digits([0.0, 2.5, 5.0]) == 1 and tick_digits([0.0, 5.0, 10.0]) == 0
    svg = draw_forest([("A", [effect("exemption", 0.12, 0.03)], (CONTROL, EXEMPTION), 0.3)], outcome=WORK, lang="nl")
    numbers = re.findall(r'text-anchor="middle"[^>]*>(-?\d+(?:,\d+)?)</text>', svg)
    assert numbers and numbers == [f"{v:.{tick_digits(marks)}f}".replace(".", ",") for v in marks]
