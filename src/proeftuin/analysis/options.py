"""Option vocabularies of the estimators, as ``Literal`` types, and their one validator."""

from __future__ import annotations

from typing import Any, Literal, get_args

HcType = Literal["HC0", "HC1", "HC2", "HC3"]
"""Heteroskedasticity-robust variances (MacKinnon-White 1985); HC2 is the Neyman variance."""
CrType = Literal["CR0", "CR1", "CR2"]
"""Cluster-robust variances: CR0 (Liang-Zeger), CR1 (Stata/statsmodels factor) and CR2 (Bell-McCaffrey 2002)."""
VcovType = Literal["HC0", "HC1", "HC2", "HC3", "CR0", "CR1", "CR2"]

DEFAULT_LEVEL = 0.90
"""The seed articles report 90% confidence intervals; every estimator defaults to it."""


def check_option(name: str, value: Any, allowed: Any) -> None:
    """Raise ``ValueError`` naming the allowed values when ``value`` is not one of ``allowed``.

    ``allowed`` is a ``Literal`` type or an iterable of values.
    """
    values = get_args(allowed) or tuple(allowed)
    if value not in values:
        choices = ", ".join(repr(v) for v in values)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")


def check_level(level: float) -> None:
    """A confidence level is a probability strictly between 0 and 1."""
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.90); got {level!r}")
