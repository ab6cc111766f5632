"""Cost-sharer norm, art. 22a: norm = B x (40 + 30 A) / (100 A), B the couple norm."""

from __future__ import annotations

import pytest

from proeftuin.rules import compute_benefit

B_2026 = 2002.13


@pytest.mark.parametrize("a", range(2, 7))
def test_single_with_housemates(a: int) -> None:
    norm = compute_benefit(date="2026-01-01", household="single", earnings=0, cost_sharers=a).norm
    assert norm == pytest.approx(B_2026 * (40 + 30 * a) / (100 * a), abs=0.006)


def test_one_cost_sharer_is_the_plain_norm_of_art_21() -> None:
    # 0.7 x B = 1401.49, but the published single norm is 1401.50: A = 1 means art. 21 applies.
    assert compute_benefit(date="2026-01-01", household="single", earnings=0).norm == 1401.50


def test_couple_counts_both_spouses() -> None:
    norm = compute_benefit(date="2026-01-01", household="couple", earnings=0, cost_sharers=2).norm
    assert norm == pytest.approx(2 * B_2026 * 130 / 300, abs=0.006)


def test_norm_per_person_falls_with_more_cost_sharers() -> None:
    norms = [compute_benefit(date="2026-01-01", household="single", earnings=0, cost_sharers=a).norm for a in range(1, 7)]
    assert norms == sorted(norms, reverse=True)
