"""The distribution functions the estimators' tests use, from :mod:`scipy.special`.

``scipy.stats`` takes about 0.5 s to import (its hundred distribution objects); every command
that estimates paid it for five functions. Each function here is the very call ``scipy.stats``
makes inside its distribution object (SciPy's ``stats/_continuous_distns.py``)::

    t.ppf(q, df)       = stdtrit(df, q)        t.sf(x, df)        = stdtr(df, -x)
    chi2.sf(x, df)     = chdtrc(df, x)         f.sf(x, dfn, dfd)  = fdtrc(dfn, dfd, x)
    norm.cdf(x)        = ndtr(x)

so on valid arguments the numbers are bitwise those of ``scipy.stats`` (checked in
``tests/analysis/test_distributions.py``); the callers pass valid arguments only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special


def t_quantile(q: Any, df: Any) -> Any:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom (``scipy.stats.t.ppf``)."""
    return special.stdtrit(df, q)


def t_sf(x: Any, df: Any) -> Any:
    """``P(T > x)`` for Student's t with ``df`` degrees of freedom (``scipy.stats.t.sf``)."""
    return special.stdtr(df, -np.asarray(x))


def chi2_sf(x: Any, df: Any) -> Any:
    """``P(X > x)`` for the chi-squared distribution with ``df`` degrees of freedom (``scipy.stats.chi2.sf``)."""
    return special.chdtrc(df, x)


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """``P(F > x)`` for the F distribution with ``dfn``, ``dfd`` degrees of freedom (``scipy.stats.f.sf``)."""
    return special.fdtrc(dfn, dfd, x)


def norm_cdf(x: Any) -> Any:
    """The standard normal distribution function ``Phi(x)`` (``scipy.stats.norm.cdf``)."""
    return special.ndtr(x)
