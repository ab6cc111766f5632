"""One vocabulary (issue 9): the categories declared in ``design.vocabulary`` are those the benefit
rules, the simulator's calibration and the simulated people use (the web form reads the plan)."""

from __future__ import annotations

from proeftuin.design import STANDARD_COVARIATES
from proeftuin.design.vocabulary import DISTANCES, EDUCATION_LEVELS, HOUSEHOLDS, SEXES


def test_the_rules_household_types_are_the_vocabulary() -> None:
    from proeftuin.rules.households import HOUSEHOLD_NAMES

    assert HOUSEHOLD_NAMES == HOUSEHOLDS


def test_the_simulator_draws_the_vocabularys_categories() -> None:
    from proeftuin.design import catalog_experiment
    from proeftuin.simulate import Calibration, synthetic_population

    population = Calibration.default().population
    assert set(population["household_shares"]) == set(HOUSEHOLDS)
    assert set(population["education_shares"]) == set(EDUCATION_LEVELS)
    frame = synthetic_population(catalog_experiment("utrecht"), n=600, seed=1).frame
    # regression (issue 9): the simulator said female/male and middle, the web form f/m and medium
    assert set(frame["sex"]) == set(SEXES)
    assert set(frame["education"]) == set(EDUCATION_LEVELS)
    assert set(frame["distance_to_labour_market"]) == set(DISTANCES)


def test_the_standard_covariates_take_their_categories_from_the_vocabulary() -> None:
    assert STANDARD_COVARIATES["sex"].categories == SEXES
    assert STANDARD_COVARIATES["education"].categories == EDUCATION_LEVELS
    assert STANDARD_COVARIATES["household"].categories == HOUSEHOLDS
    assert STANDARD_COVARIATES["distance_to_labour_market"].categories == DISTANCES
