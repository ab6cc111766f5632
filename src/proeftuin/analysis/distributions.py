"""The chi-squared, F and normal tails the estimators' tests use, from :mod:`scipy.special`.

``scipy.stats`` takes about 0.5 s to import (its hundred distribution objects); every command
that estimates paid it for a few functions. Each function here is the very call ``scipy.stats``
makes inside its distribution object (SciPy's ``stats/_continuous_distns.py``)::

    chi2.sf(x, df)     = chdtrc(df, x)         f.sf(x, dfn, dfd)  = fdtrc(dfn, dfd, x)
    norm.cdf(x)        = ndtr(x)

so on valid arguments the numbers are bitwise those of ``scipy.stats`` (checked in
``tests/analysis/test_distributions.py``); the callers pass valid arguments only. Student's t
(quantiles and tails) is evaluated the same way in :mod:`proeftuin.analysis.inference`.
"""

from __future__ import annotations

from typing import Any

from scipy import special


def chi2_sf(x: Any, df: Any) -> Any:
    """``P(X > x)`` for the chi-squared distribution with ``df`` degrees of freedom (``scipy.stats.chi2.sf``)."""
    return special.chdtrc(df, x)


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """``P(F > x)`` for the F distribution with ``dfn``, ``dfd`` degrees of freedom (``scipy.stats.f.sf``)."""
    return special.fdtrc(dfn, dfd, x)


def norm_cdf(x: Any) -> Any:
    """The standard normal distribution function ``Phi(x)`` (``scipy.stats.norm.cdf``)."""
    return special.ndtr(x)
