"""Synthetic recipients of social assistance with baseline covariates and latent employability.

Generative model (parameters in ``calibration.yaml``)::

    age ~ N(mean, sd) clipped; sex ~ Bernoulli(female_share); household ~ Categorical
    months_on_benefit ~ LogNormal(log median, sigma) clipped; education ~ Categorical
    migration_background ~ Bernoulli; health ~ N(mean + age_slope (age - 40), sd) clipped 0-10
    z = age_slope (age-40) + edu_effect + health_slope (health-6) + log_duration_slope log(mob/12)
        + migration_effect + municipality_shift + N(0, noise_sd)
    distance_to_labour_market = tertile of z: far / medium / near

The latent ``z`` drives outcomes and survey response; it is never stored in the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from proeftuin.design.plan import TrialPlan
from proeftuin.design.spec import ExperimentSpec
from proeftuin.simulate.bsn import fake_bsns
from proeftuin.simulate.calibration import Calibration


@dataclass(frozen=True)
class Population:
    """People of one synthetic municipality: ``frame`` has one row per person.

    Columns: bsn, age, sex, household, youngest_child_age, months_on_benefit,
    education, health, migration_background,
    distance_to_labour_market, employability (latent), stratum.
    """

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def covariates(self) -> pd.DataFrame:
        """The baseline covariates a municipality records (no BSN, no latent variable)."""
        return self.frame.drop(columns=["bsn", "employability"])


def _categorical(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    names = list(shares)
    p = np.array([shares[k] for k in names], dtype=float)
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())]


def stratum_labels(frame: pd.DataFrame, strata: tuple[str, ...]) -> np.ndarray:
    """``"a=x|b=y"`` per person over the stratification variables (``"all"`` without strata),
    the labels :func:`proeftuin.design.stratum_key` gives the registry's participants."""
    if not strata:
        return np.full(len(frame), "all", dtype=object)
    parts = [f"{name}=" + frame[name].astype(str).to_numpy(dtype=object) for name in strata]
    labels = parts[0]
    for part in parts[1:]:
        labels = labels + "|" + part
    return labels


def synthetic_population(
    spec: ExperimentSpec, *, n: int, seed: int, calibration: Calibration | None = None
) -> Population:
    """``n`` synthetic recipients for the municipality of ``spec``; same seed, same people."""
    cal = (calibration or Calibration.default()).population
    rng = np.random.Generator(np.random.PCG64(seed))
    age = np.clip(np.rint(rng.normal(cal["age"]["mean"], cal["age"]["sd"], n)), cal["age"]["min"], cal["age"]["max"]).astype(int)
    female = rng.random(n) < cal["female_share"]
    household = _categorical(rng, cal["household_shares"], n)
    youngest = np.where(household == "single-parent", rng.integers(0, 18, n), -1)
    mob = cal["months_on_benefit"]
    months = np.clip(np.rint(np.exp(rng.normal(np.log(mob["median"]), mob["sigma"], n))), mob["min"], mob["max"]).astype(int)
    education = _categorical(rng, cal["education_shares"], n)
    migration = rng.random(n) < cal["migration_background_share"]
    h = cal["health"]
    health = np.clip(rng.normal(h["mean"] + h["age_slope"] * (age - 40), h["sd"]), 0.0, 10.0).round(1)

    e = cal["employability"]
    z = (
        e["age_slope"] * (age - 40)
        + np.vectorize(e["education"].__getitem__, otypes=[float])(education)
        + e["health_slope"] * (health - 6.0)
        + e["log_duration_slope"] * np.log(months / 12.0)
        + e["migration"] * migration
        + cal["municipality_shift"].get(spec.slug, 0.0)
        + rng.normal(0.0, e["noise_sd"], n)
    )
    cut = np.quantile(z, [1 / 3, 2 / 3])
    distance = np.where(z < cut[0], "far", np.where(z < cut[1], "medium", "near"))

    frame = pd.DataFrame(
        {
            "bsn": fake_bsns(n, rng),
            "age": age,
            "sex": np.where(female, "female", "male"),
            "household": household.astype(str),
            "youngest_child_age": youngest,
            "months_on_benefit": months,
            "education": education.astype(str),
            "health": health,
            "migration_background": migration,
            "distance_to_labour_market": distance,
            "employability": z,
        }
    )
    frame["stratum"] = stratum_labels(frame, spec.strata)
    return Population(frame)


UNDECLARED_RANGE = (0.0, 100.0)
"""The range a numeric covariate without a declared minimum or maximum is drawn from."""


def plan_population(plan: TrialPlan, *, n: int, seed: int, calibration: Calibration | None = None) -> Population:
    """``n`` synthetic recipients for a trial ``plan``, with exactly the covariates it declares.

    The people and their latent employability are drawn as in :func:`synthetic_population` (the
    outcomes depend on those). A declared covariate of the 2017-2019 trials keeps its calibrated
    draw, restricted to the declaration (a category outside the declared ones redrawn uniformly
    among them, a number clipped to the range); any other declared covariate is drawn from its
    declaration alone: a category uniformly over its categories, a boolean with probability 1/2,
    an integer or number uniformly over its range (:data:`UNDECLARED_RANGE` where open). These
    carry no information on the outcomes: the simulator knows nothing of them. ``stratum`` is
    formed from the plan's strata.
    """
    unstratified = plan.experiment.model_copy(update={"strata": ()})  # the strata may name covariates drawn below
    base = synthetic_population(unstratified, n=n, seed=seed, calibration=calibration).frame
    rng = np.random.Generator(np.random.PCG64([seed, 1]))
    frame = base.copy()
    for name, spec in plan.covariates.items():
        low = spec.minimum if spec.minimum is not None else UNDECLARED_RANGE[0]
        high = spec.maximum if spec.maximum is not None else max(UNDECLARED_RANGE[1], low)
        if name in base.columns and spec.type == "category":
            values = frame[name].astype(str).to_numpy(dtype=object)
            outside = ~np.isin(values, spec.categories)
            values[outside] = rng.choice(np.asarray(spec.categories, dtype=object), int(outside.sum()))
            frame[name] = values
        elif name in base.columns and spec.type in ("integer", "number"):
            frame[name] = frame[name].clip(low, high)
        elif name in base.columns:
            continue
        elif spec.type == "category":
            frame[name] = rng.choice(np.asarray(spec.categories, dtype=object), n)
        elif spec.type == "boolean":
            frame[name] = rng.random(n) < 0.5
        elif spec.type == "integer":
            frame[name] = rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, n)
        else:
            frame[name] = rng.uniform(low, high, n)
    frame["youngest_child_age"] = np.where(frame["household"] == "single-parent", frame["youngest_child_age"].clip(lower=0), -1)
    frame["stratum"] = stratum_labels(frame, plan.strata)
    return Population(frame)
