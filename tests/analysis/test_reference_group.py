"""Propensity-score weighting against a reference group, against statsmodels Logit + WLS HC2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.discrete.discrete_model import Logit
from statsmodels.regression.linear_model import WLS
from statsmodels.tools.tools import add_constant

from proeftuin.analysis.reference_group import NON_EXPERIMENTAL, reference_group_effect

SEED = 20171115
LOGIT_TOL = 1e-7  # statsmodels' Logit stops at its own tolerance
CLOSED_FORM_TOL = 1e-12


def _data(seed: int, n: int = 600):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.normal(40, 10, n), "months": rng.gamma(2, 20, n)})
    index = -0.5 + 0.04 * (frame.age - 40) - 0.01 * (frame.months - 40)
    participant = rng.uniform(size=n) < 1 / (1 + np.exp(-index))
    y = 0.2 * participant + 0.01 * frame.age + rng.normal(size=n)
    return frame, participant.to_numpy(), y.to_numpy()


def test_att_weights_and_effect_vs_statsmodels() -> None:
    frame, participant, y = _data(SEED)
    result = reference_group_effect(y, participant, frame, outcome_name="work")
    z = add_constant(frame.to_numpy())
    e = Logit(participant.astype(float), z).fit(disp=0, tol=1e-12).predict(z)
    w = np.where(participant, 1.0, e / (1 - e))
    reference = WLS(y, add_constant(participant.astype(float)), weights=w).fit(cov_type="HC2")
    assert np.max(np.abs(result.propensity - e)) <= LOGIT_TOL
    assert result.effect.estimate == pytest.approx(reference.params[1], abs=LOGIT_TOL)
    assert result.effect.std_error == pytest.approx(reference.bse[1], abs=LOGIT_TOL)
    assert result.effect.estimator == NON_EXPERIMENTAL == "ps-weighting (non-experimental)"
    assert result.label == "non-experimental"


def test_weighted_standardized_differences_closed_form_and_improvement() -> None:
    frame, participant, y = _data(SEED + 1)
    result = reference_group_effect(y, participant, frame)
    w = result.weights[~participant]
    for row in result.balance:
        t_values, r_values = frame[row.covariate][participant], frame[row.covariate][~participant]
        pooled = np.sqrt((t_values.var(ddof=1) + r_values.var(ddof=1)) / 2)
        weighted = np.sum(w * r_values) / w.sum()
        assert row.mean_reference_weighted == pytest.approx(weighted, abs=CLOSED_FORM_TOL)
        assert row.std_diff_before == pytest.approx((t_values.mean() - r_values.mean()) / pooled, abs=CLOSED_FORM_TOL)
        assert row.std_diff_after == pytest.approx((t_values.mean() - weighted) / pooled, abs=CLOSED_FORM_TOL)
        assert abs(row.std_diff_after) < abs(row.std_diff_before)


def test_overlap_and_trimming() -> None:
    frame, participant, y = _data(SEED + 2)
    untrimmed = reference_group_effect(y, participant, frame)
    ps = untrimmed.propensity
    assert untrimmed.overlap.ps_max_reference == pytest.approx(ps[~participant].max(), abs=CLOSED_FORM_TOL)
    assert untrimmed.overlap.n_trimmed == 0
    trimmed = reference_group_effect(y, participant, frame, trim=0.3)
    outside = (ps < 0.3) | (ps > 0.7)
    assert trimmed.overlap.n_trimmed == outside.sum() > 0
    assert np.all(trimmed.weights[outside] == 0)
    assert trimmed.effect.n == (~outside).sum()


def test_bad_input_is_named() -> None:
    frame, participant, y = _data(SEED)
    with pytest.raises(ValueError, match="participant must be a boolean array"):
        reference_group_effect(y, participant.astype(int), frame)
    with pytest.raises(ValueError, match=r"trim must be in \[0, 0.5\); got 0.5"):
        reference_group_effect(y, participant, frame, trim=0.5)
