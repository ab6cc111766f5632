"""The propensity-weighted reference group by aggregate passes equals the in-memory estimator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proeftuin.analysis import NON_EXPERIMENTAL, reference_group_effect
from proeftuin.scale.reference_group import reference_group_engine

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    """Participants selected on age and duration from a population of recipients."""
    rng = np.random.default_rng(4)
    n = 4000
    age = rng.normal(40, 10, n)
    duration = rng.exponential(3, n)
    participant = rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.03 * (age - 40) - 0.2 * duration)))
    work = (rng.random(n) < 0.2 + 0.05 * participant - 0.02 * duration / 3).astype(float)
    return pd.DataFrame({"participant": participant, "age": age, "duration": duration, "work": work})


@pytest.mark.parametrize("trim", [0.0, 0.1])
def test_equals_the_in_memory_reference_group(engine, as_table, population, trim) -> None:
    if engine == "spark" and trim:
        pytest.skip("trimming is engine-independent expression code; Spark runs the untrimmed case (CI time)")
    engine = reference_group_engine(as_table(population), outcome="work", participant="participant",
                                    covariates=["age", "duration"], trim=trim)
    memory = reference_group_effect(population["work"].to_numpy(), population["participant"].to_numpy(),
                                    population[["age", "duration"]], outcome_name="work", trim=trim).effect
    assert engine.estimator == NON_EXPERIMENTAL
    assert (engine.n, engine.n_arm, engine.n_control) == (memory.n, memory.n_arm, memory.n_control)
    for field in ("estimate", "std_error", "control_mean", "ci_low", "ci_high", "df"):
        assert getattr(engine, field) == pytest.approx(getattr(memory, field), rel=TOLERANCE, abs=TOLERANCE), field


def test_matches_statsmodels_logit_and_weighted_hc2(population) -> None:
    """An independent reference for both steps: statsmodels' Logit and WLS with HC2."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.regression.linear_model import WLS
    from statsmodels.tools.tools import add_constant

    from proeftuin.scale import connect

    con = connect("duckdb")
    con.con.register("population", population)
    engine = reference_group_engine(con.table("population"), outcome="work", participant="participant",
                                    covariates=["age", "duration"])
    z = add_constant(population[["age", "duration"]])
    e = Logit(population["participant"].astype(float), z).fit(disp=0, tol=1e-12).predict(z)
    weights = np.where(population["participant"], 1.0, e / (1 - e))
    fit = WLS(population["work"], add_constant(population["participant"].astype(float)), weights=weights).fit(cov_type="HC2")
    assert engine.estimate == pytest.approx(fit.params["participant"], abs=1e-8)
    assert engine.std_error == pytest.approx(fit.bse["participant"], abs=1e-8)
