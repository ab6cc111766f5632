"""The outcomes a trial declares, and how monthly records become outcome indicators.

Labour outcomes follow the seed articles (CPB / the six municipal reports): work of more than
8, 12, 27 and 32 hours a week, a permanent or temporary contract, earnings above 50%, 70% and
100% of the statutory minimum wage (WML), and outflow from benefit. Each is a monthly 0/1
indicator; the period outcome is "at any month of the period" (*uitstroom tijdens het
experiment*). Survey indices are 0-10 scores at the follow-up waves, analysed with the baseline
score as covariate (ANCOVA). The income outcome is the mean monthly benefit paid under the
arm's regime, in euros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from proeftuin.design.vocabulary import OutcomeKind, OwnOutcomeSummary

Family = Literal["labour", "survey", "income", "own"]
"""``own``: an outcome a trial declares in its plan, read from a column of its imported records."""
Kind = OutcomeKind


@dataclass(frozen=True)
class OutcomeDefinition:
    """A declared outcome: its code, Dutch and English label, family and kind; an outcome of the
    plan's own also its ``summary`` over the months and its ``window`` (first and last month since
    randomization, ``None``: up to the last record)."""

    name: str
    label_nl: str
    label_en: str
    family: Family
    kind: Kind
    summary: OwnOutcomeSummary | None = None
    window: tuple[int, int | None] | None = None

    def label(self, lang: str = "nl") -> str:
        return self.label_nl if lang == "nl" else self.label_en

    @property
    def unit(self) -> str:
        """Binary effects are reported in percentage points, scores in points on 0-10, amounts in euros."""
        return {"binary": "pp", "score": "points", "amount": "EUR"}[self.kind]


HOURS_THRESHOLDS = (8, 12, 27, 32)
WML_SHARES = (50, 70, 100)

LABOUR_OUTCOMES: tuple[OutcomeDefinition, ...] = (
    *(
        OutcomeDefinition(f"work_{h}h", f"Werk > {h} uur per week", f"Work > {h} hours a week", "labour", "binary")
        for h in HOURS_THRESHOLDS
    ),
    OutcomeDefinition("contract_permanent", "Vast contract", "Permanent contract", "labour", "binary"),
    OutcomeDefinition("contract_temporary", "Tijdelijk contract", "Temporary contract", "labour", "binary"),
    *(
        OutcomeDefinition(f"earn_{s}", f"Verdient > {s}% WML", f"Earns > {s}% of minimum wage", "labour", "binary")
        for s in WML_SHARES
    ),
    OutcomeDefinition("outflow", "Uitstroom uit de bijstand", "Outflow from benefit", "labour", "binary"),
)

SURVEY_INDICES: tuple[OutcomeDefinition, ...] = tuple(
    OutcomeDefinition(name, nl, en, "survey", "score")
    for name, nl, en in (
        ("wellbeing", "Welbevinden", "Wellbeing"),
        ("health", "Ervaren gezondheid", "Experienced health"),
        ("self_reliance", "Zelfredzaamheid", "Self-reliance"),
        ("self_efficacy", "Vertrouwen in eigen kunnen", "Self-efficacy"),
        ("job_search", "Zoekgedrag naar werk", "Job-search behaviour"),
        ("social_trust", "Sociaal vertrouwen", "Social trust"),
        ("institutional_trust", "Vertrouwen in instituties", "Trust in institutions"),
        ("social_participation", "Maatschappelijke participatie", "Social participation"),
        ("service_quality", "Ervaren kwaliteit dienstverlening", "Experienced quality of service"),
        ("financial_security", "Financiële zekerheid", "Financial security"),
    )
)

INCOME_OUTCOMES: tuple[OutcomeDefinition, ...] = (
    OutcomeDefinition("benefit_paid", "Uitkering per maand (€)", "Benefit paid per month (€)", "income", "amount"),
)
"""What the arm's benefit regime pays: the mean monthly benefit over the person's months,
computed from the records by the rules engine (``proeftuin.workflow.benefits``)."""

OUTCOMES = {o.name: o for o in (*LABOUR_OUTCOMES, *SURVEY_INDICES, *INCOME_OUTCOMES)}

CONTRACT_CODES = {"none": 0, "temporary": 1, "permanent": 2}


def outcome(name: str) -> OutcomeDefinition:
    """The declared outcome ``name``; ``KeyError`` listing the known ones."""
    try:
        return OUTCOMES[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r}; known: {', '.join(OUTCOMES)}") from None


IndicatorColumn = Literal["hours_per_week", "contract", "wml_share", "on_benefit"]
"""The person-month quantities a labour indicator reads (``wml_share``: gross earnings / WML)."""


@dataclass(frozen=True)
class IndicatorRule:
    """How one labour outcome's monthly 0/1 indicator is read from a person-month record.

    ``column > threshold`` (``test="above"``, strict as in the reports: "more than 8 hours")
    or ``column == threshold`` (``test="equals"``). :meth:`apply` uses only the comparison
    operators, so the same rule evaluates numpy arrays (the in-memory engine) and Ibis column
    expressions (DuckDB, Spark: :mod:`proeftuin.scale`) alike. A person's period outcome is
    :data:`PERIOD_AGGREGATION` of the monthly indicator.
    """

    outcome: str
    column: IndicatorColumn
    test: Literal["above", "equals"]
    threshold: float

    def apply(self, value):  # noqa: ANN001, ANN201 - an ndarray or an Ibis column, same type out
        """The indicator of ``value`` (array or Ibis expression of :attr:`column`)."""
        return value > self.threshold if self.test == "above" else value == self.threshold


INDICATOR_RULES: tuple[IndicatorRule, ...] = (
    *(IndicatorRule(f"work_{h}h", "hours_per_week", "above", h) for h in HOURS_THRESHOLDS),
    IndicatorRule("contract_permanent", "contract", "equals", CONTRACT_CODES["permanent"]),
    IndicatorRule("contract_temporary", "contract", "equals", CONTRACT_CODES["temporary"]),
    *(IndicatorRule(f"earn_{s}", "wml_share", "above", s / 100.0) for s in WML_SHARES),
    IndicatorRule("outflow", "on_benefit", "equals", 0),
)
"""Every labour outcome's monthly indicator, declared once (in :data:`LABOUR_OUTCOMES` order)."""

PERIOD_AGGREGATION = "any"
"""The period outcome is 1 if the monthly indicator is 1 in any month (*uitstroom tijdens het experiment*)."""


def labour_indicators(
    hours_per_week: np.ndarray,
    contract: np.ndarray,
    gross_earnings: np.ndarray,
    minimum_wage: np.ndarray,
    on_benefit: np.ndarray,
) -> dict[str, np.ndarray]:
    """Monthly 0/1 indicators of every labour outcome, in the shape of the inputs.

    ``contract`` holds :data:`CONTRACT_CODES`; ``minimum_wage`` is the gross monthly WML in
    force in each month (broadcast against ``gross_earnings``). The indicators are
    :data:`INDICATOR_RULES` applied to these arrays.
    """
    values = {
        "hours_per_week": hours_per_week,
        "contract": contract,
        "wml_share": gross_earnings / minimum_wage,
        "on_benefit": np.asarray(on_benefit).astype(bool),
    }
    return {rule.outcome: rule.apply(values[rule.column]) for rule in INDICATOR_RULES}


def ever(indicator: np.ndarray) -> np.ndarray:
    """The period outcome: 1 if the monthly indicator ``(n, months)`` is 1 in any month."""
    return indicator.any(axis=1).astype(float)


def mean_per_person(monthly: pd.DataFrame, participant_ids: np.ndarray, column: str) -> np.ndarray:
    """The mean of a person-month ``column`` over each person's months (NaN for a person without any)."""
    return monthly.groupby("participant_id")[column].mean().reindex(participant_ids).to_numpy(dtype=float)
