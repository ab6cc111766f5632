"""The plan schema declares a trial: arms and their pooling, covariates and categories, strata,
outcomes, survey indices, follow-up, clusters and invitations, each validated when declared."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import ValidationError

from proeftuin.design import (
    SCHEMA_VERSION,
    STANDARD_COVARIATES,
    CovariateError,
    CovariateSpec,
    TrialPlan,
    catalog_plan,
    catalog_plans,
    plan_json_schema,
)
from proeftuin.design.vocabulary import HOUSEHOLDS


def _plan(**changes: Any) -> dict[str, Any]:
    """Utrecht's catalog plan as a mapping, with ``changes`` applied at the top level."""
    data = catalog_plan("utrecht").model_dump(mode="json")
    data.update(changes)
    return data


def test_the_six_catalog_trials_are_plans_of_the_current_schema() -> None:
    plans = catalog_plans()
    assert [p.experiment.slug for p in plans] == ["groningen", "nijmegen", "utrecht", "tilburg", "wageningen", "deventer"]
    for plan in plans:
        assert plan.schema_version == SCHEMA_VERSION
        assert set(plan.covariates) == set(STANDARD_COVARIATES)
        assert len(plan.survey.indices) == 10
        assert plan.consent_versions == ("2017-09",)


def test_wageningen_arms_carry_the_names_of_seed_004() -> None:
    arms = {a.code: a for a in catalog_plan("wageningen").experiment.arms}
    assert arms["intensive"].label_nl == "Extra begeleiding"
    assert arms["disregard"].label_nl == "Verdienen loont"
    assert arms["intensive"].pool_as == "intensive"  # pools with the Extra Hulp arms of the other trials


def test_pool_as_defaults_to_the_components_joined_in_component_order() -> None:
    arms = {a.code: a for a in catalog_plan("nijmegen").experiment.arms}
    assert arms["control"].pool_as == "control"
    assert arms["exemption_disregard"].pool_as == "exemption+disregard"
    assert arms["intensive_disregard"].pool_as == "intensive+disregard"


def test_a_declared_pool_as_is_kept() -> None:
    data = _plan()
    data["experiment"]["arms"][2]["pool_as"] = "guidance"
    assert TrialPlan.model_validate(data).experiment.arm("intensive").pool_as == "guidance"


def test_groningen_choice_group_chooses_among_the_three_treatments() -> None:
    plan = catalog_plan("groningen")
    assert plan.experiment.arm("choice").choice_of == ("exemption", "intensive", "disregard")
    assert plan.invitations.recorded and plan.invitations.randomized_before_invitation


def test_a_choice_arm_chooses_only_from_treatment_arms() -> None:
    data = catalog_plan("groningen").model_dump(mode="json")
    data["experiment"]["arms"][4]["choice_of"] = ["control", "exemption"]
    with pytest.raises(ValidationError, match=r"chooses from \['control'\], which are not treatment arms"):
        TrialPlan.model_validate(data)


def test_strata_must_be_declared_discrete_covariates() -> None:
    with pytest.raises(ValidationError, match="randomization.strata: 'team' is not a declared covariate"):
        TrialPlan.model_validate(_plan(randomization={"method": "complete", "strata": ["team"]}))
    with pytest.raises(ValidationError, match="randomization.strata: 'age' is an integer; strata are formed from category"):
        TrialPlan.model_validate(_plan(randomization={"method": "complete", "strata": ["age"]}))


def test_the_benefit_rules_need_age_and_household() -> None:
    covariates = {k: v.model_dump() for k, v in STANDARD_COVARIATES.items() if k != "household"}
    data = _plan(covariates=covariates, randomization={"method": "complete", "strata": ["distance_to_labour_market"]})
    data["experiment"]["strata"] = ["distance_to_labour_market"]
    with pytest.raises(ValidationError, match="the benefit rules need household"):
        TrialPlan.model_validate(data)
    covariates["household"] = {"type": "category", "categories": ["single", "alone"]}
    data["covariates"] = covariates
    with pytest.raises(ValidationError, match="categories among single, single-parent, couple"):
        TrialPlan.model_validate(data)


def test_a_trial_declares_its_own_covariates() -> None:
    covariates = {
        "age": {"type": "integer", "minimum": 18, "maximum": 67},
        "household": {"type": "category", "categories": list(HOUSEHOLDS)},
        "district": {"type": "category", "categories": ["noord", "zuid", "oost", "west"]},
        "debts": {"type": "boolean"},
    }
    data = _plan(covariates=covariates, randomization={"method": "complete", "strata": ["district", "debts"]})
    data["experiment"]["strata"] = ["district"]
    plan = TrialPlan.model_validate(data)
    assert plan.strata == ("district", "debts")
    assert plan.parse_covariates({"age": "30", "household": "couple", "district": "zuid", "debts": "ja"}) == {
        "age": 30, "household": "couple", "district": "zuid", "debts": True}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("household", "singel", "household: 'singel' is not an allowed category (allowed: single, single-parent, couple)"),
        ("education", "lowish", "education: 'lowish' is not an allowed category (allowed: low, middle, high)"),
        ("sex", "x", "sex: 'x' is not an allowed category (allowed: female, male)"),
        ("age", "31.5", "age: '31.5' is not a whole number from 0 to 120"),
        ("health", 11, "health: 11.0 is outside the allowed range (a number from 0 to 10)"),
        ("migration_background", "maybe", "migration_background: 'maybe' is not a boolean (allowed: true, false)"),
        ("distance_to_labour_market", "", "distance_to_labour_market: is required (allowed: far, medium, near)"),
    ],
)
def test_a_value_outside_the_declaration_is_refused_with_the_allowed_values(name: str, value: object, message: str) -> None:
    person: dict[str, object] = {"age": 30, "sex": "female", "household": "single", "months_on_benefit": 12, "education": "low",
                                 "health": 6.5, "migration_background": False, "distance_to_labour_market": "far"}
    person[name] = value
    with pytest.raises(CovariateError) as caught:
        catalog_plan("utrecht").parse_covariates(person)
    assert str(caught.value) == message
    assert caught.value.name == name


def test_a_category_covariate_needs_two_distinct_categories() -> None:
    with pytest.raises(ValidationError, match="at least two distinct categories"):
        CovariateSpec(type="category", categories=("a", "a"))
    with pytest.raises(ValidationError, match="only a category covariate has categories"):
        CovariateSpec(type="integer", categories=("a", "b"))


def test_outcomes_default_to_every_labour_outcome_and_take_a_window_and_own_columns() -> None:
    data = _plan(outcomes={
        "labour": ["work_12h", {"name": "outflow", "window": {"first_month": 13, "last_month": 24}}],
        "own": {"volunteering": {"column": "volunteer_hours", "kind": "amount", "label_nl": "Vrijwilligerswerk (uur)",
                                 "label_en": "Volunteering (hours)"}},
    })
    plan = TrialPlan.model_validate(data)
    assert [o.name for o in plan.outcomes.definitions()] == ["work_12h", "outflow", "benefit_paid", "volunteering"]
    assert plan.outcomes.labour[1].window.first_month == 13
    assert len(catalog_plan("utrecht").outcomes.labour) == 10  # 4 hour thresholds, 2 contracts, 3 WML shares, outflow
    with pytest.raises(ValidationError, match="unknown labour outcome 'work_99h'"):
        TrialPlan.model_validate(_plan(outcomes={"labour": ["work_99h"]}))


def test_survey_indices_have_any_names_and_any_number_of_items() -> None:
    plan = TrialPlan.model_validate(_plan(survey={"indices": {"rust": {"items": ["r1", "r2", "r3", "r4", "r5"], "reverse": ["r5"]}}}))
    assert plan.survey.indices["rust"].items == ("r1", "r2", "r3", "r4", "r5")


def test_records_are_accepted_until_the_follow_up_end() -> None:
    plan = TrialPlan.model_validate(_plan(follow_up_end="2021-09-30"))
    assert plan.records_until == dt.date(2021, 9, 30)
    assert catalog_plan("utrecht").records_until == catalog_plan("utrecht").experiment.end
    with pytest.raises(ValidationError, match="before the experiment's end"):
        TrialPlan.model_validate(_plan(follow_up_end="2019-01-31"))


def test_clusters_household_or_team_and_household_randomization_implies_household_clusters() -> None:
    assert TrialPlan.model_validate(_plan(clusters="team")).clusters == "team"
    clustered = TrialPlan.model_validate(_plan(randomization={"method": "blocks", "strata": ["distance_to_labour_market"], "cluster": True}))
    assert clustered.clusters == "household"
    with pytest.raises(ValidationError, match="clusters must be household"):
        TrialPlan.model_validate(_plan(clusters="team", randomization={"method": "blocks", "cluster": True}))


def test_an_unknown_schema_version_is_refused() -> None:
    with pytest.raises(ValidationError, match="schema_version"):
        TrialPlan.model_validate(_plan(schema_version=2))


def test_the_json_schema_describes_every_part_of_a_plan_and_accepts_the_catalog() -> None:
    schema = plan_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"schema_version", "experiment", "covariates", "outcomes", "survey", "follow_up_end", "clusters", "invitations"} <= set(schema["properties"])
    assert schema["$defs"]["CovariateSpec"]["properties"]["type"]["enum"] == ["category", "integer", "number", "boolean"]
    jsonschema_rs = pytest.importorskip("jsonschema_rs", reason="jsonschema_rs (an independent JSON Schema validator) is not installed")
    validator = jsonschema_rs.validator_for(schema)
    for plan in catalog_plans():
        validator.validate(json.loads(plan.model_dump_json()))
    assert not validator.is_valid({**json.loads(catalog_plan("utrecht").model_dump_json()), "clusters": "street"})
