"""The trial's vocabulary, declared once: the categories of the standard baseline covariates.

Every other place (the plan's default covariates, the registry's intake schema, the web intake
form, the simulator, the analysis) takes its categories from here or from a trial's plan, so that
``sex`` is ``female``/``male`` and ``education`` is ``low``/``middle``/``high`` everywhere.
A trial that records other categories declares them in its plan (``covariates:``).
"""

from __future__ import annotations

from typing import Literal

HOUSEHOLDS: tuple[str, ...] = ("single", "single-parent", "couple")
"""Household types of the Participatiewet norm amounts (art. 21-22): the benefit rules need one of them."""
SEXES: tuple[str, ...] = ("female", "male")
EDUCATION_LEVELS: tuple[str, ...] = ("low", "middle", "high")
"""Highest completed education: low (up to mbo-1), middle (mbo-2 to -4, havo/vwo), high (hbo, wo)."""
DISTANCES: tuple[str, ...] = ("far", "medium", "near")
"""Distance to the labour market as the case manager scores it at intake."""

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "single": ("alleenstaand", "single"),
    "single-parent": ("alleenstaande ouder", "single parent"),
    "couple": ("paar", "couple"),
    "female": ("vrouw", "female"),
    "male": ("man", "male"),
    "low": ("laag", "low"),
    "middle": ("middelbaar", "middle"),
    "high": ("hoog", "high"),
    "far": ("ver", "far"),
    "medium": ("gemiddeld", "medium"),
    "near": ("dichtbij", "near"),
}
"""The Dutch and English label of every category value above (reports, the web form, value labels of exports)."""


def category_label(value: str, lang: str) -> str:
    """A category value as a reader reads it in ``lang`` (``nl`` or ``en``): its label above, else the
    value itself (a trial's own categories are written as its plan spells them)."""
    labels = CATEGORY_LABELS.get(str(value))
    if labels is None:
        return str(value)
    return labels[0] if lang == "nl" else labels[1]


CovariateType = Literal["category", "integer", "number", "boolean"]
"""The types a baseline covariate may have in a plan."""
ClusterLevel = Literal["household", "team"]
"""What a plan may cluster on: members of one household, or the participants of one case-manager team."""
InvitationStatus = Literal["invited", "declined", "enrolled"]
"""The per-person invitation record: invited (no answer yet), declined, or enrolled."""
OwnOutcomeSummary = Literal["ever", "mean", "last"]
"""How a trial's own monthly outcome column becomes one number per person over its window."""
OutcomeKind = Literal["binary", "score", "amount"]
"""Binary outcomes are reported in percentage points, scores in points, amounts in euros."""

__all__ = [
    "CATEGORY_LABELS",
    "DISTANCES",
    "EDUCATION_LEVELS",
    "HOUSEHOLDS",
    "SEXES",
    "ClusterLevel",
    "CovariateType",
    "InvitationStatus",
    "OutcomeKind",
    "OwnOutcomeSummary",
    "category_label",
]
