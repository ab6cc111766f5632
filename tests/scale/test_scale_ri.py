"""Randomization inference on compressed design cells: the same law as re-randomizing people."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proeftuin.analysis import PermutationDesign, randomization_inference
from proeftuin.scale import randomization_inference_engine

DRAWS = 2000


@pytest.fixture(scope="module")
def trial() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 3000
    arm = rng.choice(["control", "coaching", "disregard"], n)
    stratum = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    work = (rng.random(n) < 0.25 + 0.04 * (arm == "coaching") + 0.1 * (stratum == "a")).astype(float)
    return pd.DataFrame({"arm": arm, "stratum": stratum, "work": work})


def test_p_values_agree_with_the_in_memory_permutations_within_monte_carlo_error(as_table, trial) -> None:
    """Both are Monte Carlo estimates of the same permutation p-value; they differ by sampling error only."""
    engine = randomization_inference_engine(as_table(trial), outcomes=["work"], arm="arm", control="control",
                                            strata="stratum", draws=DRAWS, seed=1)
    dummies = pd.get_dummies(trial["stratum"], drop_first=True, dtype=float).to_numpy()
    memory = randomization_inference(trial[["work"]].to_numpy(), trial["arm"].to_numpy(), control="control",
                                     design=PermutationDesign(strata=trial["stratum"].to_numpy()), draws=DRAWS,
                                     outcome_names=["work"], covariates=dummies, seed=1)
    for a, b in zip(memory, engine):
        p = a.extra["ri_p_value"]
        assert abs(b.extra["ri_p_value"] - p) < 4 * np.sqrt(2 * p * (1 - p) / DRAWS) + 2 / DRAWS
    assert engine[0].extra["ri_p_value"] < 0.1 < engine[1].extra["ri_p_value"]  # the true effect shows, the null does not


def test_under_the_sharp_null_the_p_values_are_uniform(as_table, trial) -> None:
    """Many outcomes with no effect: about a tenth of the p-values fall below 0.10."""
    rng = np.random.default_rng(9)
    frame = trial.assign(**{f"y{k}": (rng.random(len(trial)) < 0.3).astype(float) for k in range(40)})
    names = [f"y{k}" for k in range(40)]
    result = randomization_inference_engine(as_table(frame), outcomes=names, arm="arm", control="control",
                                            strata="stratum", draws=500, seed=2)
    share = np.mean([e.extra["ri_p_value"] < 0.10 for e in result])
    assert 0.02 < share < 0.22


def test_a_continuous_outcome_is_refused_with_the_reason(as_table, trial) -> None:
    with pytest.raises(ValueError, match="needs a 0/1 outcome"):
        randomization_inference_engine(as_table(trial.assign(work=trial["work"] * 1.5)), outcomes=["work"], arm="arm",
                                       control="control", strata="stratum", draws=10)
