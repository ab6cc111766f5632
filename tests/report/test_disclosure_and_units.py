"""Reports: binary outcomes in percentage points, scores in points, and small cells suppressed."""

from __future__ import annotations

from proeftuin.report import format_count, is_disclosive
from proeftuin.design.outcomes import outcome
from proeftuin.report.forest import format_level, scale


def test_binary_outcomes_are_percentage_points_and_scores_points() -> None:
    assert scale(outcome("work_8h")) == 100.0
    assert scale(outcome("social_trust")) == 1.0
    assert format_level(0.283, outcome("work_8h"), "nl") == "28%"
    assert format_level(6.04, outcome("social_trust"), "nl") == "6,0"
    assert format_level(6.04, outcome("social_trust"), "en") == "6.0"


def test_cells_under_ten_are_suppressed() -> None:
    assert is_disclosive(9, 120)
    assert not is_disclosive(10, 120)
    assert not is_disclosive(0, 120)  # an empty cell discloses nobody
    assert format_count(7) == "<10" and format_count(12) == "12"
    assert is_disclosive(12, 4, min_cell=5) and format_count(4, min_cell=5) == "<5"
