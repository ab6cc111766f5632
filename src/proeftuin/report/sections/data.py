"""What the report's extra sections are made of, per trial, as the workflow computes it (no rendering here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from proeftuin.analysis import AttritionReport, BalanceTable, LeeBounds, SubgroupAnalysis
from proeftuin.analysis.results import Effect

Measure = Literal["on_benefit", "working"]
"""What the municipal and CBS records are compared on: being on benefit, working (any hours)."""
SubgroupProblemCode = Literal["single_level", "empty_level", "not_computable"]
"""Why a subgroup variable has no subgroup effects (translated by the report)."""


@dataclass(frozen=True)
class SubgroupProblem:
    """A subgroup variable without effects: ``code`` says why, ``level`` names the level concerned (if any)."""

    subgroup: str
    code: SubgroupProblemCode
    level: str = ""


@dataclass(frozen=True)
class Subgroups:
    """Effects on ``outcome`` within the levels of each subgroup variable (the plan's strata), the
    interaction tests and their p-values adjusted by Holm over the ``family_size`` tests of the trial."""

    outcome: str
    analyses: tuple[SubgroupAnalysis, ...]
    adjusted: dict[tuple[str, str], float]
    """Per (subgroup variable, arm): the Holm-adjusted p-value of the interaction test."""
    totals: dict[str, int]
    """Per arm code: the people with the outcome (the sum of the arm's cells over the levels)."""
    problems: tuple[SubgroupProblem, ...] = ()

    @property
    def family_size(self) -> int:
        return len(self.adjusted)


@dataclass(frozen=True)
class Services:
    """What each arm received: ``arm_sizes`` people randomized, ``any_service`` people with a recorded
    service, ``by_kind`` per arm and kind (columns ``arm, kind, n_arm, n_received, contacts, minutes``)."""

    arm_sizes: dict[str, int]
    any_service: dict[str, int]
    by_kind: pd.DataFrame


@dataclass(frozen=True)
class SourceAgreement:
    """For one arm and one measure (``on_benefit`` or ``working``): person-months in both sources, how
    many the sources disagree on, and the share by each source."""

    arm: str
    measure: Measure
    n_both: int
    n_disagree: int
    share_municipal: float
    share_cbs: float


@dataclass(frozen=True)
class SourceEffect:
    """One arm's effect on one labour outcome by municipal and by CBS records, and the difference of the two
    (the effect on ``y_municipal - y_cbs`` among the people with both: a paired test of "the source matters")."""

    outcome: str
    arm: str
    municipal: Effect
    cbs: Effect
    difference: Effect


@dataclass(frozen=True)
class Reconciliation:
    agreement: tuple[SourceAgreement, ...]
    effects: tuple[SourceEffect, ...]


@dataclass(frozen=True)
class Response:
    """Response to the last follow-up ``wave`` by arm, and the Lee bounds of each survey index (index name, bounds)."""

    wave: int
    report: AttritionReport
    lee: tuple[tuple[str, LeeBounds], ...] = ()


@dataclass(frozen=True)
class TrialSections:
    """Everything the extra sections show of one trial; ``None`` where there is nothing (no strata, no CBS
    records, no follow-up wave). ``*_problem``: why balance or response could not be computed."""

    covariates: tuple[str, ...]
    subgroups: Subgroups | None = None
    services: Services | None = None
    reconciliation: Reconciliation | None = None
    balance: BalanceTable | None = None
    balance_problem: str | None = None
    response: Response | None = None
    response_problem: str | None = None
