"""Shared test data of the registry tests: the Utrecht plan and the intake date."""

from __future__ import annotations

import datetime as dt

from proeftuin.design import TrialPlan, catalog_experiment

START = dt.date(2018, 6, 1)


def utrecht_plan(**randomization: object) -> TrialPlan:
    spec = catalog_experiment("utrecht")
    return TrialPlan.model_validate({
        "experiment": spec.model_dump(mode="json"),
        "randomization": {"method": "blocks", "strata": ["distance_to_labour_market"], **randomization},
        "eligibility": {"min_age": 18, "max_age": 67},
        "consent_versions": ["2018-05"],
    })
