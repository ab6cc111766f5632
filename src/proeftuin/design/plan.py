"""A trial plan: the declared experiment plus how people enter it and how they are randomized.

``proeftuin experiment create --plan FILE`` reads one YAML file of this shape::

    experiment: {slug: ..., municipality: ..., arms: [...], ...}   # an ExperimentSpec
    randomization: {method: blocks, strata: [distance_to_labour_market], cluster: household}
    eligibility: {min_age: 27, benefit_types: [participatiewet], min_months_on_benefit: 0}
    consent_versions: ["2017-09"]
    survey: {indices: {wellbeing: {items: [wb1, wb2, wb3], reverse: [wb3], scale: [1, 5]}}}

Everything here is validated when declared, before anyone is enrolled.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from proeftuin.design.blocks import BLOCKS_VERSION, DEFAULT_MULTIPLIERS
from proeftuin.design.minimization import MINIMIZATION_VERSION
from proeftuin.design.randomization import ALGORITHM_VERSION
from proeftuin.design.rerandomization import RERANDOMIZATION_VERSION
from proeftuin.design.spec import ExperimentSpec


class Method(str, Enum):
    """Randomization methods: two for one-by-one intake, two for a batch of people at once."""

    blocks = "blocks"
    """Stratified permuted blocks with random block sizes (rolling intake)."""
    minimization = "minimization"
    """Pocock-Simon minimization with a random element (rolling intake)."""
    complete = "complete"
    """Complete randomization within strata (one batch)."""
    rerandomization = "rerandomization"
    """Complete randomization repeated until balanced (one batch; Morgan & Rubin 2012)."""

    @property
    def sequential(self) -> bool:
        return self in (Method.blocks, Method.minimization)

    @property
    def version(self) -> str:
        """The algorithm version an allocation by this method is recorded with."""
        return {
            Method.blocks: BLOCKS_VERSION,
            Method.minimization: MINIMIZATION_VERSION,
            Method.complete: ALGORITHM_VERSION,
            Method.rerandomization: RERANDOMIZATION_VERSION,
        }[self]


class RandomizationSpec(BaseModel):
    """How allocations are drawn; ``strata`` and ``factors`` name baseline covariates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Method = Method.blocks
    strata: tuple[str, ...] = ()
    block_multipliers: tuple[Annotated[int, Field(ge=1)], ...] = DEFAULT_MULTIPLIERS
    factors: tuple[str, ...] = ()
    p_best: Annotated[float, Field(gt=0, le=1)] = 0.8
    covariates: tuple[str, ...] = ()
    acceptance: Annotated[float, Field(gt=0, le=1)] = 0.1
    cluster: bool = Field(False, description="Randomize households: members share the first member's arm.")

    @model_validator(mode="after")
    def _inputs_for_method(self) -> RandomizationSpec:
        if self.method is Method.minimization and not self.factors:
            raise ValueError("minimization needs at least one prognostic factor in 'factors'")
        if self.method is Method.rerandomization and not self.covariates:
            raise ValueError("re-randomization needs numeric baseline 'covariates' to balance")
        if self.cluster and not self.method.sequential:
            raise ValueError("household clusters are supported with the sequential methods (blocks, minimization)")
        return self


class EligibilitySpec(BaseModel):
    """Who may be enrolled (age on the enrolment date, benefit type and duration, exclusions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_age: Annotated[int, Field(ge=0)] = 18
    max_age: Annotated[int, Field(ge=0)] = 67
    benefit_types: tuple[str, ...] = ("participatiewet",)
    min_months_on_benefit: Annotated[int, Field(ge=0)] = 0
    exclusions: tuple[str, ...] = Field((), description="Reasons that exclude a person (e.g. 'full_exemption').")


class SurveyIndexSpec(BaseModel):
    """One composite index: its items, the reverse-coded ones and the answer scale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[str, ...] = Field(min_length=2)
    reverse: tuple[str, ...] = ()
    scale: tuple[float, float] = (1.0, 5.0)
    min_answered: Annotated[float, Field(gt=0, le=1)] = 0.5

    @model_validator(mode="after")
    def _consistent(self) -> SurveyIndexSpec:
        if not set(self.reverse) <= set(self.items):
            raise ValueError(f"reverse-coded items {sorted(set(self.reverse) - set(self.items))} are not items of the index")
        if self.scale[1] <= self.scale[0]:
            raise ValueError(f"scale must be (low, high) with low < high; got {self.scale}")
        return self


class SurveySpec(BaseModel):
    """The survey instrument: indices scored 0-10 from their items."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indices: dict[str, SurveyIndexSpec] = {}


class TrialPlan(BaseModel):
    """The declared experiment and its intake: validated as a whole before the first enrolment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    experiment: ExperimentSpec
    randomization: RandomizationSpec = RandomizationSpec()
    eligibility: EligibilitySpec = EligibilitySpec()
    consent_versions: tuple[str, ...] = Field(("1",), min_length=1)
    survey: SurveySpec = SurveySpec()

    @model_validator(mode="after")
    def _strata_declared(self) -> TrialPlan:
        if self.randomization.method is Method.blocks and not self.randomization.strata and self.experiment.strata:
            return self.model_copy(update={"randomization": self.randomization.model_copy(update={"strata": self.experiment.strata})})
        return self

    @classmethod
    def from_yaml(cls, path: Path | str) -> TrialPlan:
        """Read and validate a plan file."""
        return cls.model_validate(yaml.safe_load(Path(path).read_text("utf-8")))
