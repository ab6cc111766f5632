"""The numpy path and the OpenFisca simulation give the same results (same parameters)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from proeftuin.rules import BenefitResult, compute_benefits, regimes

SEED = 20170401
N = 400
# OpenFisca stores floats as float32 (about 7 significant digits): euros agree within 2 cents.
ATOL_EUR = 0.025


def test_numpy_and_openfisca_agree_on_random_person_months() -> None:
    rng = np.random.default_rng(SEED)
    for regime in regimes():
        kwargs = dict(
            date="2021-03-01",
            household=rng.choice(["single", "single-parent", "couple"], N),
            earnings=rng.uniform(0, 2500, N).round(2),
            regime=regime,
            age=rng.integers(21, 66, N),
            cost_sharers=rng.integers(1, 7, N),
            youngest_child_age=rng.integers(0, 18, N),
            disregard_month=rng.integers(1, 40, N),
            hours_per_week=rng.uniform(0, 40, N),
        )
        fast = compute_benefits(**kwargs)
        slow = compute_benefits(**kwargs, engine="openfisca")
        for field in fields(BenefitResult):
            np.testing.assert_allclose(
                getattr(fast, field.name), getattr(slow, field.name), atol=ATOL_EUR, err_msg=f"{regime}: {field.name}"
            )


def test_rows_may_have_their_own_dates_and_regimes() -> None:
    result = compute_benefits(
        date=np.array(["2017-07-01", "2026-01-01"], dtype="datetime64[D]"),
        household="single",
        earnings=[400.0, 400.0],
        regime=["regular", "experiment-50"],
    )
    assert result.norm.tolist() == [986.52, 1401.50]
    assert result.disregard.tolist() == [100.0, 200.0]
