"""Pooling against metafor's textbook example: the BCG vaccine trials (Colditz et al. 1994).

``dat.bcg`` in metafor: 13 trials, tuberculosis cases among vaccinated (tpos/tneg) and control
(cpos/cneg) participants. ``escalc(measure="RR")`` gives the log risk ratio
``yi = log((tpos/(tpos+tneg)) / (cpos/(cpos+cneg)))`` with the sampling variance
``vi = 1/tpos - 1/(tpos+tneg) + 1/cpos - 1/(cpos+cneg)``. The reference values are metafor's
printed output (``rma(yi, vi, data=dat)``, rounded to 4 decimals, Viechtbauer 2010 and the
package documentation), so the tolerance is half a unit of the last printed digit.
"""

from __future__ import annotations

import numpy as np
import pytest

from proeftuin.analysis.pooling import pool_effects

PRINTED = 5e-5  # metafor prints 4 decimals
PRINTED_I2 = 5e-3  # I^2 printed as 92.22%

# trial: (tpos, tneg, cpos, cneg)
BCG = {
    "Aronson 1948": (4, 119, 11, 128),
    "Ferguson & Simes 1949": (6, 300, 29, 274),
    "Rosenthal et al 1960": (3, 228, 11, 209),
    "Hart & Sutherland 1977": (62, 13536, 248, 12619),
    "Frimodt-Moller et al 1973": (33, 5036, 47, 5761),
    "Stein & Aronson 1953": (180, 1361, 372, 1079),
    "Vandiviere et al 1973": (8, 2537, 10, 619),
    "TPT Madras 1980": (505, 87886, 499, 87892),
    "Coetzee & Berjak 1968": (29, 7470, 45, 7232),
    "Rosenthal et al 1961": (17, 1699, 65, 1600),
    "Comstock et al 1974": (186, 50448, 141, 27197),
    "Comstock & Webster 1969": (5, 2493, 3, 2338),
    "Comstock et al 1976": (27, 16886, 29, 17825),
}


def bcg_log_risk_ratios() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``yi`` and the standard errors ``sqrt(vi)`` of metafor's ``escalc(measure="RR")``."""
    counts = np.array(list(BCG.values()), dtype=float)
    tpos, tneg, cpos, cneg = counts.T
    yi = np.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg)))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, np.sqrt(vi), list(BCG)


def test_reml_matches_metafor_bcg() -> None:
    yi, se, labels = bcg_log_risk_ratios()
    result = pool_effects(yi, se, labels=labels, method="reml", level=0.95)
    assert result.k == 13
    assert result.estimate == pytest.approx(-0.7145, abs=PRINTED)
    assert result.std_error == pytest.approx(0.1798, abs=PRINTED)
    assert result.ci_low == pytest.approx(-1.0669, abs=PRINTED)
    assert result.ci_high == pytest.approx(-0.3622, abs=PRINTED)
    assert result.tau2 == pytest.approx(0.3132, abs=PRINTED)
    assert result.i2 == pytest.approx(92.22, abs=PRINTED_I2)  # a percentage, as metafor prints it
    assert result.q == pytest.approx(152.2330, abs=PRINTED)
    assert result.q_df == 12
    assert result.prediction_low == pytest.approx(-1.8667, abs=PRINTED)
    assert result.prediction_high == pytest.approx(0.4376, abs=PRINTED)
    assert result.labels == tuple(labels)


def test_dersimonian_laird_and_fixed_effect_match_metafor_bcg() -> None:
    yi, se, _ = bcg_log_risk_ratios()
    dl = pool_effects(yi, se, method="dl", level=0.95)
    assert dl.estimate == pytest.approx(-0.7141, abs=PRINTED)
    assert dl.std_error == pytest.approx(0.1787, abs=PRINTED)
    assert dl.tau2 == pytest.approx(0.3088, abs=PRINTED)
    assert dl.i2 == pytest.approx(92.12, abs=PRINTED_I2)
    fe = pool_effects(yi, se, method="fe", level=0.95)
    assert fe.estimate == pytest.approx(-0.4303, abs=PRINTED)
    assert fe.std_error == pytest.approx(0.0405, abs=PRINTED)
    assert fe.tau2 == 0.0


def test_knapp_hartung_matches_metafor_bcg() -> None:
    yi, se, _ = bcg_log_risk_ratios()
    result = pool_effects(yi, se, method="reml", hksj=True, level=0.95)  # rma(..., test="knha")
    assert result.estimate == pytest.approx(-0.7145, abs=PRINTED)
    assert result.std_error == pytest.approx(0.1808, abs=PRINTED)
    assert result.ci_low == pytest.approx(-1.1084, abs=PRINTED)
    assert result.ci_high == pytest.approx(-0.3206, abs=PRINTED)
    assert result.df == 12
