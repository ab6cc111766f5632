"""Issue 11, point 8: the estimators against R's estimatr, clubSandwich and metafor (skipped without R).

Tolerance: 1e-8 relative for every estimate, standard error, degrees of freedom and interval
where the answer is well defined (both sides compute the same closed forms in double precision).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proeftuin.analysis import estimate_effects, pool_effects
from tests.analysis.rscript import run_r

TOLERANCE = 1e-8


@pytest.fixture
def trial(rng) -> pd.DataFrame:
    n = 160
    arm = np.repeat(["c", "t1", "t2"], [60, 50, 50])
    cluster = rng.integers(0, 14, size=n)
    x1, x2 = rng.normal(size=n), rng.integers(0, 3, size=n).astype(float)
    y = 0.4 * (arm == "t1") + 0.5 * x1 - 0.3 * x2 + rng.normal(size=n) * (1 + (arm == "t2"))
    return pd.DataFrame({"arm": arm, "y": y, "x1": x1, "x2": x2, "cl": cluster})


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"])
def test_lm_robust_every_variance(trial, tmp_path, vcov):
    se_type = "stata" if vcov == "CR1" else vcov
    clusters = ", clusters = cl" if vcov.startswith("CR") else ""
    out = run_r(
        f"f <- lm_robust(y ~ factor(arm, levels = c('c', 't1', 't2')) + x1 + x2, data = d{clusters}, "
        f"se_type = '{se_type}', alpha = 0.1)\n"
        "out <- list(b = unname(coef(f)[2:3]), se = unname(f$std.error[2:3]), df = unname(f$df[2:3]), "
        "lo = unname(f$conf.low[2:3]), hi = unname(f$conf.high[2:3]))",
        trial, tmp_path, "estimatr",
    )
    table = estimate_effects(
        trial["y"].to_numpy(), trial["arm"].to_numpy(), control="c", covariates=trial[["x1", "x2"]].to_numpy(),
        vcov=vcov, clusters=trial["cl"].to_numpy() if vcov.startswith("CR") else None,
    )
    np.testing.assert_allclose([e.estimate for e in table], out["b"], rtol=TOLERANCE)
    np.testing.assert_allclose([e.std_error for e in table], out["se"], rtol=TOLERANCE)
    np.testing.assert_allclose([e.df for e in table], out["df"], rtol=TOLERANCE)
    np.testing.assert_allclose([e.ci_low for e in table], out["lo"], rtol=TOLERANCE)
    np.testing.assert_allclose([e.ci_high for e in table], out["hi"], rtol=TOLERANCE)


@pytest.mark.parametrize("vcov", ["HC0", "HC1", "HC2", "HC3"])
def test_leverage_one_covariate_cell_gives_estimatr_s_finite_arm_error(rng, tmp_path, vcov):
    # Issue 11: a covariate category with one person (leverage 1) made HC2/HC3 refuse the table;
    # estimatr gives a finite standard error for the arm there.
    n = 40
    data = pd.DataFrame({
        "arm": np.repeat(["c", "t"], n // 2), "y": rng.normal(size=n),
        "g": ["a", *(["b", "c"] * n)[: n - 1]],
    })
    out = run_r(
        f"f <- lm_robust(y ~ arm + g, data = d, se_type = '{vcov}')\nout <- list(se = unname(f$std.error[2]))",
        data, tmp_path, "estimatr",
    )
    cells = pd.get_dummies(data["g"], drop_first=True, dtype=float).to_numpy()
    effect = estimate_effects(data["y"].to_numpy(), data["arm"].to_numpy(), control="c", covariates=cells, vcov=vcov)[0]
    assert effect.estimable
    assert effect.std_error == pytest.approx(out["se"], rel=TOLERANCE)


def test_collinear_covariates_give_r_s_arm_effect(trial, tmp_path):
    # estimatr pivots freely (it may drop the intercept instead); R's lm drops in order, as we do.
    data = trial.assign(one=1.0, x1_twice=2.0 * trial["x1"], x_sum=trial["x1"] + trial["x2"])
    out = run_r(
        "m <- y ~ factor(arm, levels = c('c', 't1', 't2')) + x1 + one + x1_twice + x2 + x_sum\n"
        "f <- lm_robust(m, data = d)\n"
        "out <- list(b = unname(coef(f)[2:3]), se = unname(f$std.error[2:3]), dropped = names(which(is.na(coef(lm(m, data = d))))))",
        data, tmp_path, "estimatr",
    )
    names = ["x1", "one", "x1_twice", "x2", "x_sum"]
    table = estimate_effects(data["y"].to_numpy(), data["arm"].to_numpy(), control="c",
                             covariates=data[names].to_numpy(), covariate_names=names)
    np.testing.assert_allclose([e.estimate for e in table], out["b"], rtol=TOLERANCE)
    np.testing.assert_allclose([e.std_error for e in table], out["se"], rtol=TOLERANCE)
    assert table[0].note == f"dropped as constant or collinear (as R's lm): {', '.join(out['dropped'])}"


def test_cr2_satterthwaite_df_against_clubsandwich(trial, tmp_path):
    out = run_r(
        "f <- lm(y ~ factor(arm, levels = c('c', 't1', 't2')) + x1 + x2, data = d)\n"
        "t <- coef_test(f, vcov = 'CR2', cluster = d$cl, test = 'Satterthwaite')\n"
        "out <- list(se = unname(t$SE[2:3]), df = unname(t$df_Satt[2:3]))",
        trial, tmp_path, "clubSandwich",
    )
    table = estimate_effects(trial["y"].to_numpy(), trial["arm"].to_numpy(), control="c",
                             covariates=trial[["x1", "x2"]].to_numpy(), clusters=trial["cl"].to_numpy())
    np.testing.assert_allclose([e.std_error for e in table], out["se"], rtol=TOLERANCE)
    np.testing.assert_allclose([e.df for e in table], out["df"], rtol=1e-6)


SITES = pd.DataFrame({
    "yi": [0.09, 0.02, 0.05, -0.01, 0.04, 0.06],
    "sei": [0.03, 0.035, 0.05, 0.06, 0.04, 0.045],
})


@pytest.mark.parametrize("method", ["REML", "DL", "PM", "FE"])
@pytest.mark.parametrize("test", ["z", "knha", "adhoc"])
def test_pooling_against_metafor(tmp_path, method, test):
    out = run_r(
        f"f <- rma(yi = yi, sei = sei, data = d, method = '{method}', test = '{test}', level = 90)\n"
        "out <- list(b = f$beta[1], se = f$se, lo = f$ci.lb, hi = f$ci.ub, p = f$pval, tau2 = f$tau2)",
        SITES, tmp_path, "metafor",
    )
    with pytest.warns(UserWarning) if (method == "FE" and test != "z") else _no_warning():
        result = pool_effects(SITES["yi"], SITES["sei"], method=method.lower(), hksj=test != "z",  # type: ignore[arg-type]
                              hksj_truncation=test == "adhoc")
    got = [result.estimate, result.std_error, result.ci_low, result.ci_high, result.p_value, result.tau2]
    np.testing.assert_allclose(got, [out[k] for k in ("b", "se", "lo", "hi", "p", "tau2")], rtol=1e-6, atol=1e-10)


def test_identical_estimates_hksj_adhoc_against_metafor(tmp_path):
    # Issue 11: untruncated HKSJ gives identical estimates an interval of zero width.
    data = pd.DataFrame({"yi": [0.05] * 6, "sei": [0.03, 0.035, 0.05, 0.06, 0.04, 0.045]})
    out = run_r(
        "f <- rma(yi = yi, sei = sei, data = d, test = 'adhoc', level = 90)\nout <- list(lo = f$ci.lb, hi = f$ci.ub)",
        data, tmp_path, "metafor",
    )
    result = pool_effects(data["yi"], data["sei"], hksj=True, hksj_truncation=True)
    np.testing.assert_allclose([result.ci_low, result.ci_high], [out["lo"], out["hi"]], rtol=1e-8)


class _no_warning:
    def __enter__(self) -> None:
        import warnings

        self._context = warnings.catch_warnings()
        self._context.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        self._context.__exit__(*exc)
