"""Labour outcomes from monthly records: each record is measured against its own month's minimum wage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def test_earnings_are_compared_with_the_minimum_wage_of_each_records_own_month() -> None:
    """Rolling intake: month 1 is June 2017 for one person, January 2018 for the other (the WML changed)."""
    from proeftuin.analysis.trial import labour_outcomes
    from proeftuin.rules import minimum_wage

    people = pd.DataFrame({"participant_id": [1, 2]})
    # exactly half the WML of 2017-07 (1,565.40): above 50% nowhere; half of 2018-01 (1,594.20) is more
    months = pd.DataFrame({"participant_id": [1, 2], "month": [1, 1], "period": [dt.date(2017, 7, 1), dt.date(2018, 1, 1)],
                           "hours_per_week": [20.0, 20.0], "contract": ["temporary", "temporary"],
                           "gross_earnings": [0.5 * 1565.40 + 0.01, 0.5 * 1565.40 + 0.01], "on_benefit": [True, True]})
    earns_half = labour_outcomes(people, months, minimum_wage)["earn_50"][:, 0]
    np.testing.assert_array_equal(earns_half, [1.0, 0.0])


def test_clusters_of_a_plan_are_its_households_or_teams_and_only_households_randomized_together_are_permuted() -> None:
    from proeftuin.analysis import PermutationDesign
    from proeftuin.analysis.trial import assignment_clusters, cluster_labels
    from proeftuin.design import TrialPlan

    base = TrialPlan.from_yaml(Path(__file__).parents[1] / "workflow" / "plans" / "zwolle-2arm.yaml")
    people = pd.DataFrame({"cluster": ["h1", "h1", "h2", "h3", "h3", "h4"], "team": ["a", "b", "a", "b", "a", "b"],
                           "arm": ["c", "c", "t", "c", "c", "t"]})
    assert cluster_labels(base, people) is None and assignment_clusters(base, people) is None
    teams = base.model_copy(update={"clusters": "team"})
    assert cluster_labels(teams, people).tolist() == people["team"].tolist()
    assert assignment_clusters(teams, people) is None  # teams are not randomized whole
    households = base.model_copy(update={"clusters": "household",
                                         "randomization": base.randomization.model_copy(update={"cluster": True})})
    units = assignment_clusters(households, people)
    assert units is not None and units.tolist() == people["cluster"].tolist()
    draws = PermutationDesign(clusters=units).draw(np.array([0, 0, 1, 0, 0, 1]), np.random.default_rng(1), 50)
    assert (draws[:, 0] == draws[:, 1]).all() and (draws[:, 3] == draws[:, 4]).all()  # whole households move
    missing = people.assign(team=[None, "b", "a", "b", "a", "b"])
    with pytest.raises(KeyError, match="1 participants have no team"):
        cluster_labels(teams, missing)
