"""The simulator: reproducible, valid fake BSNs, and true effects that follow the calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proeftuin.design import catalog_experiment, stratified_assignment
from proeftuin.registry import is_valid_bsn
from proeftuin.simulate import Calibration, ComponentEffect, fake_bsns, simulate_trial, synthetic_population

SPEC = catalog_experiment("utrecht")


def run(seed: int = 7, calibration: Calibration | None = None, n: int = 400):
    population = synthetic_population(SPEC, n=n, seed=seed, calibration=calibration)
    arms = stratified_assignment(population.frame["stratum"], [a.code for a in SPEC.arms], [1] * 4, seed=seed + 1)
    return population, simulate_trial(population, SPEC, arms, seed=seed + 2, calibration=calibration)


def test_same_seed_same_data() -> None:
    (p1, t1), (p2, t2) = run(), run()
    pd.testing.assert_frame_equal(p1.frame, p2.frame)
    pd.testing.assert_frame_equal(t1.monthly_frame(), t2.monthly_frame())
    pd.testing.assert_frame_equal(t1.survey_frame(), t2.survey_frame())


def test_fake_bsns_are_distinct_and_pass_the_eleven_test(rng: np.random.Generator) -> None:
    numbers = fake_bsns(5000, rng)
    assert len(set(numbers)) == 5000
    assert all(is_valid_bsn(b) for b in numbers)


def test_outcomes_are_coherent() -> None:
    _, trial = run()
    working = trial.hours > 0
    assert ((trial.contract > 0) == working).all()
    assert ((trial.gross_earnings > 0) == working).all()
    assert trial.hours.max() <= 38 and trial.hours.shape == (400, 16)  # Utrecht measured 16 months
    answered = ~np.isnan(trial.scores)
    assert 0 < answered.mean() < 1  # realistic non-response
    assert np.nanmin(trial.scores) >= 0 and np.nanmax(trial.scores) <= 10


def test_no_effects_means_identical_potential_outcomes() -> None:
    _, trial = run(calibration=Calibration.default().without_effects())
    labour = trial.truth[~trial.truth["outcome"].isin(["wellbeing", "health", "self_reliance", "self_efficacy", "job_search", "social_trust", "institutional_trust", "social_participation", "service_quality", "financial_security"])]
    # only the earnings-disregard regime can still change outflow from benefit (more is kept)
    assert (labour.loc[labour["outcome"] != "outflow", "effect"] == 0).all()
    survey = trial.truth[trial.truth["outcome"] == "social_trust"]
    assert np.allclose(survey["effect"], 0)


def test_a_larger_job_start_effect_raises_the_true_effect() -> None:
    strong = Calibration.default().with_effects({"intensive": ComponentEffect(job_start={"tiny": 0.0, "small": 1.0, "large": 1.0})})
    _, base = run()
    _, boosted = run(calibration=strong)
    pick = lambda t: t.truth.query("outcome == 'work_8h' and arm == 'intensive'")["effect"].item()  # noqa: E731
    assert pick(boosted) > pick(base) + 0.05


def test_an_effect_on_an_unknown_index_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown indices"):
        Calibration.default().with_effects({"intensive": ComponentEffect(survey={"happiness": 1.0})})


def test_survey_items_score_back_to_the_latent_index() -> None:
    from proeftuin.design.plan import SurveyIndexSpec
    from proeftuin.registry.survey import index_scores
    from proeftuin.simulate.trial import survey_instrument, survey_items

    _, trial = run()
    answers = survey_items(trial, 0, seed=3)
    spec = SurveyIndexSpec(**survey_instrument()["social_trust"])
    scored = index_scores(answers[list(spec.items)].to_numpy(dtype=float), spec)
    latent = trial.scores[answers["person"].to_numpy(), 0, 5]
    assert np.corrcoef(scored, latent)[0, 1] > 0.7
    assert abs(scored.mean() - latent.mean()) < 0.3


def test_cbs_misses_small_jobs_only() -> None:
    from proeftuin.simulate.trial import statistics_netherlands_records

    _, trial = run()
    municipal = trial.monthly_frame()
    cbs = statistics_netherlands_records(trial, miss_share=0.5, seed=1)
    changed = (municipal["hours_per_week"] != cbs["hours_per_week"]).to_numpy()
    assert changed.any()
    assert (municipal.loc[changed, "hours_per_week"] < 12).all()
    assert (cbs.loc[changed, "hours_per_week"] == 0).all()
    assert (municipal["on_benefit"] == cbs["on_benefit"]).all()


def test_a_plans_population_has_exactly_its_declared_covariates_within_their_declarations() -> None:
    from pathlib import Path

    from proeftuin.design import TrialPlan
    from proeftuin.simulate import plan_population

    plan = TrialPlan.from_yaml(Path(__file__).parents[1] / "workflow" / "plans" / "zwolle-2arm.yaml")
    frame = plan_population(plan, n=500, seed=3).frame
    for name, spec in plan.covariates.items():
        if spec.type == "category":
            assert set(frame[name]) == set(spec.categories), name  # every declared category drawn, nothing else
        elif spec.type == "integer":
            assert frame[name].between(spec.minimum, spec.maximum).all(), name
    assert set(frame["stratum"]) == {f"district={d}" for d in ("noord", "zuid", "oost", "west")}
    assert (frame.loc[frame["household"] != "single-parent", "youngest_child_age"] == -1).all()
