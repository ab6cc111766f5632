"""How a baseline covariate, a category value and a covariate column (``education[low]``) read in the report."""

from __future__ import annotations

import re

from proeftuin.design.plan import STANDARD_COVARIATES, TrialPlan
from proeftuin.design.vocabulary import category_label
from proeftuin.report.i18n import Lang, t

COLUMN = re.compile(r"^(?P<name>[^\[]+)\[(?P<level>.*)\]$")
"""A category's indicator column as :func:`proeftuin.analysis.balance.covariate_frame` names it."""


def covariate_name(plan: TrialPlan | None, name: str, lang: Lang) -> str:
    """A covariate's label in the plan (else the standard covariate's, else its name with spaces)."""
    spec = plan.covariates.get(name) if plan is not None else None
    spec = spec if spec is not None else STANDARD_COVARIATES.get(name)
    label = (spec.label_nl if lang == "nl" else spec.label_en) if spec is not None else ""
    return label or name.replace("_", " ")


BOOLEANS = {"True": "yes", "False": "no"}
"""A boolean covariate's values as the analysis writes them, and their keys in the translation table."""


def value_label(value: str, lang: Lang) -> str:
    """A category value in ``lang`` (:func:`proeftuin.design.vocabulary.category_label`); a boolean's as yes or no."""
    return t(BOOLEANS[value], lang) if value in BOOLEANS else category_label(value, lang)


def column_label(plan: TrialPlan | None, column: str, lang: Lang) -> str:
    """A covariate column as the reader reads it: ``education[low]`` is "Opleiding: laag" in Dutch."""
    found = COLUMN.match(column)
    if found is None:
        return covariate_name(plan, column, lang)
    return f"{covariate_name(plan, found['name'], lang)}: {value_label(found['level'], lang)}"
