"""The catalog holds the six experiments of 2017-2019 with the arms and sizes of DOMAIN.md section 1."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from proeftuin.design import Component, ExperimentSpec, catalog, catalog_experiment

PUBLISHED = {  # municipality: (invited, participants, treatment arms besides control)
    "groningen": (6551, 890, 4),
    "nijmegen": (366, 304, 2),
    "utrecht": (752, 710, 3),
    "tilburg": (780, 780, 3),
    "wageningen": (410, 410, 3),
    "deventer": (1584, 364, 2),
}


def test_six_municipalities_with_their_published_sizes() -> None:
    specs = {s.slug: s for s in catalog()}
    assert set(specs) == set(PUBLISHED)
    for slug, (invited, participants, arms) in PUBLISHED.items():
        assert (specs[slug].invited, specs[slug].participants, len(specs[slug].treatments)) == (invited, participants, arms)
    assert sum(s.participants for s in catalog()) == 3458


def test_tilburg_combines_exemption_disregard_and_work_bonus() -> None:
    tilburg = catalog_experiment("tilburg")
    combined = tilburg.arm("exemption_disregard_bonus")
    assert set(combined.components) == {Component.exemption, Component.disregard, Component.work_bonus}
    assert combined.regime == "tilburg-2017"
    assert tilburg.survey_waves_analysed == (1, 2)  # mean of the two follow-ups


def test_every_disregard_arm_names_an_experimental_regime() -> None:
    from proeftuin.rules import regimes

    known = set(regimes())
    for spec in catalog():
        for arm in spec.arms:
            assert arm.regime in known
            assert (arm.regime != "regular") == (Component.disregard in arm.components)


def test_an_experiment_needs_exactly_one_control() -> None:
    base = catalog_experiment("utrecht").model_dump()
    base["arms"] = [a for a in base["arms"] if a["code"] != "control"]
    with pytest.raises(ValidationError, match="exactly one control arm"):
        ExperimentSpec.model_validate(base)


def test_the_period_must_run_forward() -> None:
    base = catalog_experiment("utrecht").model_dump()
    base["end"] = dt.date(2017, 1, 1)
    with pytest.raises(ValidationError, match="must be after start"):
        ExperimentSpec.model_validate(base)


def test_unknown_arm_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="arms: \\['control'"):
        catalog_experiment("utrecht").arm("basic_income")
